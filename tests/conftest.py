from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client as HttpClient
from django.utils import timezone, translation

from accounts.models import Client, User
from messaging import sms
from tests.factories import ClientFactory, DocumentFactory, UserFactory


@pytest.fixture(autouse=True)
def _portal_test_settings(settings, tmp_path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # A per-test cache: login rate limits must not leak from one test to the next.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PORTAL_BASE_URL = "https://portail.test"
    settings.SMS_BACKEND = "messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    cache.clear()
    # A request in another language leaves it active in the thread; each test starts French.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _default_purposes(request) -> None:
    """The purposes a migration creates; a transactional test's flush removes them."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = names & {"transactional_db", "live_server"} or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from consent.defaults import ensure_default_purposes
    from consent.models import Purpose, PurposeWording

    ensure_default_purposes(Purpose, PurposeWording)


@pytest.fixture(autouse=True)
def _tasks_in_process() -> Iterator[None]:
    # Tasks run in the test's own process, except in the test that starts a real worker.
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# Personas: alice and bob are clients, carol is staff without permissions, dana is the DPO.


@pytest.fixture
def alice(db) -> Client:
    client = ClientFactory(
        first_name="Alice",
        last_name="Martin",
        user__email="alice@client.test",
        loyalty_card_valid_until=timezone.localdate() + dt.timedelta(days=100),
    )
    DocumentFactory(client=client, title="Devis liner")
    DocumentFactory(client=client, kind="invoice", title="Facture liner", reference="F-001")
    return client


@pytest.fixture
def bob(db) -> Client:
    client = ClientFactory(first_name="Bob", last_name="Durand", user__email="bob@client.test")
    DocumentFactory(client=client, title="Devis de Bob")
    return client


def _staff(email: str, *, group: Group | None = None) -> User:
    user = UserFactory(email=email, is_staff=True)
    if group is not None:
        user.groups.add(group)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def carol(db) -> User:
    return _staff("carol@entreprise.test")


@pytest.fixture
def dana(db) -> User:
    group = Group.objects.create(name="DPO")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["accounts", "consent", "dsar", "portal", "retention"]
        )
    )
    return _staff("dana@entreprise.test", group=group)


class BrowserClient(HttpClient):
    """Django's test client with CSRF checked, carrying the token as a browser posting one
    of our forms does: the cookie the page set and the token its form holds. Webhooks, the
    one-click unsubscribe and other outside callers are called with the plain `client`
    fixture (CSRF checked, no token) or over real HTTP in tests/live/."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def generic(self, method: str, path: str, *args: Any, **extra: Any) -> Any:
        if method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if settings.CSRF_COOKIE_NAME not in self.cookies:
                self.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
            extra.setdefault("HTTP_X_CSRFTOKEN", self.cookies[settings.CSRF_COOKIE_NAME].value)
        return super().generic(method, path, *args, **extra)


@pytest.fixture
def client() -> HttpClient:
    """An anonymous caller: CSRF is checked and no token is sent, as a provider, a mail
    client or a link followed from an email calls. Forms are posted with `browser`."""
    return HttpClient(enforce_csrf_checks=True)


@pytest.fixture
def browser_client() -> BrowserClient:
    """An anonymous visitor posting the portal's own forms, token included."""
    return BrowserClient()


def logged_in(user: User) -> BrowserClient:
    http = BrowserClient()
    http.force_login(user)
    return http


@pytest.fixture
def alice_http(alice: Client) -> HttpClient:
    return logged_in(alice.user)


@pytest.fixture
def bob_http(bob: Client) -> HttpClient:
    return logged_in(bob.user)


@pytest.fixture
def carol_http(carol: User) -> HttpClient:
    return logged_in(carol)


@pytest.fixture
def dana_http(dana: User) -> HttpClient:
    return logged_in(dana)


def database_url() -> str:
    """The test database, for a process of the portal's own started by a test."""
    from django.db import connection

    data = connection.settings_dict
    if connection.vendor == "postgresql":
        host = data["HOST"] or "127.0.0.1"
        return f"postgres://{data['USER']}@{host}:{data['PORT'] or 5432}/{data['NAME']}"
    return f"sqlite:///{data['NAME']}"

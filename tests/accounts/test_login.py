from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import PASSWORD


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


def _login(client, email: str, password: str):
    return client.post("/compte/login/", {"login": email, "password": password})


def test_client_logs_in_with_email_and_lands_on_the_dashboard(client, alice) -> None:
    response = _login(client, "alice@client.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/espace-client/"


def test_login_ignores_the_case_of_the_address(client, alice) -> None:
    response = _login(client, "Alice@Client.TEST", PASSWORD)
    assert response["Location"] == "/espace-client/"


def test_wrong_password_is_refused_in_french(client, alice) -> None:
    response = _login(client, "alice@client.test", "mauvais")
    assert response.status_code == 200
    assert "mot de passe sont incorrects" in response.content.decode()


def test_unverified_email_cannot_log_in(client, alice) -> None:
    EmailAddress.objects.filter(user=alice.user).update(verified=False)
    response = _login(client, "alice@client.test", PASSWORD)
    assert response["Location"] == "/compte/confirm-email/"
    assert len(mail.outbox) == 1  # a new confirmation link


def test_failed_logins_are_throttled(client, alice) -> None:
    for _ in range(5):
        _login(client, "alice@client.test", "mauvais")
    response = _login(client, "alice@client.test", PASSWORD)
    # The right password no longer opens the account until the lock expires.
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_password_reset_is_throttled_per_address(client, alice) -> None:
    for _ in range(3):
        client.post("/compte/password/reset/", {"email": "alice@client.test"})
    assert len(mail.outbox) == 3
    response = client.post("/compte/password/reset/", {"email": "alice@client.test"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3


def test_password_reset_sends_a_link_not_a_password(client, alice) -> None:
    client.post("/compte/password/reset/", {"email": "alice@client.test"})
    body = mail.outbox[0].body
    assert "/compte/password/reset/key/" in body
    assert PASSWORD not in body


@pytest.mark.django_db
def test_signup_is_closed(client) -> None:
    response = client.get("/compte/signup/")
    assert (
        "fermée" in response.content.decode().lower()
        or "fermées" in response.content.decode().lower()
    )


def test_login_applies_the_clients_language(client, alice) -> None:
    alice.language = "en"
    alice.save()
    response = _login(client, "alice@client.test", PASSWORD)
    assert response.cookies["django_language"].value == "en"
    assert "Your personal data" in client.get("/espace-client/").content.decode()

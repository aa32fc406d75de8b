from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists() and os.environ.get("REQUIRE_BROWSER") != "1":
    pytest.skip("needs Debian's chromium (apt install chromium)", allow_module_level=True)

# Playwright's sync API runs an event loop in this thread; the test's own database calls
# happen outside it, and Django must be told that this is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, live_server, email: str, next_url: str = "/espace-client/") -> None:
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/compte/login/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"**{next_url}")


def staff_log_in(page, live_server, user) -> None:
    """Staff log in to the admin with their password and a TOTP code."""
    import re

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )
    from allauth.mfa.utils import decrypt

    from tests.factories import PASSWORD

    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.get_by_label(re.compile("Code", re.I)).fill(code)
    page.get_by_role(
        "button", name=re.compile("Vérifier|Se connecter|Connexion|Sign In|Valider|Confirm", re.I)
    ).click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.fixture
def page_without_javascript(browser) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()

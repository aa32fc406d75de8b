"""A staff member's first login, as they live it: the password once, the authenticator app,
then the admin, where the recovery codes are offered to download; the next time, the code
prompt's main button is "Vérifier"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts.roles import TEAM_GROUP, roles_ensure
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_password_once_then_the_authenticator_then_the_admin(browser, live_server) -> None:
    from playwright.sync_api import expect

    roles_ensure()
    member = UserFactory(email="nouveau@entreprise.test", is_staff=True)
    member.groups.add(Group.objects.get(name=TEAM_GROUP))
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    passwords: list[str] = []
    page.on(
        "request",
        lambda request: (
            passwords.append(request.url)
            if request.method == "POST" and "password=" in (request.post_data or "")
            else None
        ),
    )
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # Straight to the authenticator: no second password prompt.
    expect(page).to_have_url(re.compile(r"/compte/2fa/totp/activate/"))
    secret = next(
        value
        for value in (field.input_value() for field in page.locator("input").all())
        if re.fullmatch(r"[A-Z2-7]{16,}", value)
    )
    page.get_by_label(re.compile("Code", re.I)).fill(_code(secret))
    page.get_by_role("button", name="Activer").click()
    # Then the admin, not the recovery codes page; the codes are offered there, once.
    expect(page).to_have_url(f"{live_server.url}/admin/")
    offer = page.get_by_role("link", name="Téléchargez vos codes de secours")
    expect(offer).to_be_visible()
    with page.expect_download() as download:
        offer.click()
    assert download.value.suggested_filename.endswith(".txt")
    recovery = re.findall(r"\b[a-z0-9]{8}\b", Path(download.value.path()).read_text())
    assert len(recovery) >= 8
    assert len(passwords) == 1, passwords
    # The next login: the code prompt's main button says what it does.
    context.clear_cookies()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/compte/2fa/authenticate/"))
    main = page.locator("main form button.button").first
    expect(main).to_have_text("Vérifier")
    expect(page.get_by_role("button", name="Annuler")).not_to_have_class(
        re.compile(r"(^|\s)button(\s|$)")
    )
    # The app's code of this half-minute was spent on enrolling: a recovery code opens too.
    page.get_by_label(re.compile("Code", re.I)).fill(recovery[0])
    main.click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    context.close()

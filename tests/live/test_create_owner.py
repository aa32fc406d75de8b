"""The first owner, before email works: `create_owner` prints a link; followed in a browser
it sets the password once; then the admin asks for an authenticator."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.roles import OWNER_GROUP
from tests.live.conftest import submit

PASSWORD = "Un-Gerant-Tres-Prudent-2026"


def _link(email: str) -> str:
    out = StringIO()
    call_command("create_owner", email, stdout=out)
    found = re.search(r"https?://[^/\s]+(/compte/password/reset/key/\S+/)", out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


def test_the_owner_sets_a_password_once_then_enrols_totp(portal) -> None:
    link = _link("patron@piscines.test")
    owner = User.objects.get(email="patron@piscines.test")
    assert owner.is_staff
    assert not owner.has_usable_password()
    assert list(owner.groups.values_list("name", flat=True)) == [OWNER_GROUP]
    assert owner.emailaddress_set.get().verified
    with requests.Session() as browser:
        # allauth moves the key from the address into the session, then shows the form.
        opened = browser.get(portal(link), timeout=10)
        assert opened.status_code == 200
        done = submit(browser, opened.url, {"password1": PASSWORD, "password2": PASSWORD})
        assert done.status_code == 302, done.text[:500]
    with requests.Session() as browser:
        logged = submit(
            browser,
            portal("/compte/login/"),
            {"login": "patron@piscines.test", "password": PASSWORD},
        )
        assert logged.status_code == 302
        admin = browser.get(portal("/admin/"), timeout=10, allow_redirects=False)
        assert admin.status_code == 302
        assert "/compte/2fa/totp/activate/" in admin.headers["Location"]
    # The link served once.
    with requests.Session() as browser:
        again = browser.get(portal(link), timeout=10)
        assert "mot de passe" in again.text.lower()
        assert 'name="password1"' not in again.text


def test_a_lost_link_is_printed_again_for_an_owner_only(db) -> None:
    _link("patron@piscines.test")
    assert _link("Patron@Piscines.test").startswith("/compte/password/reset/key/")
    assert User.objects.filter(email__iexact="patron@piscines.test").count() == 1
    from tests.factories import UserFactory

    UserFactory(email="client@piscines.test")
    with pytest.raises(CommandError, match="sans le rôle « Gérant »"):
        call_command("create_owner", "client@piscines.test", stdout=StringIO())
    with pytest.raises(CommandError, match="Adresse e-mail invalide"):
        call_command("create_owner", "pas-une-adresse", stdout=StringIO())

from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import PASSWORD


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


def _login(client, email: str, password: str, ip: str = "203.0.113.5"):
    return client.post("/compte/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


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
    # From that network, the right password no longer opens the account until the lock ends.
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_an_attacker_cannot_lock_a_client_out(alice, browser_client) -> None:
    from tests.conftest import BrowserClient

    attacker = browser_client
    for _ in range(5):
        _login(attacker, "alice@client.test", "mauvais", ip="198.51.100.66")
    # The attacker stays throttled, whatever they try next from their network...
    refused = _login(attacker, "alice@client.test", "encore-faux", ip="198.51.100.66")
    assert "Trop de tentatives" in refused.content.decode()
    # ... and from their other addresses of one IPv6 network (a /64 is one subscriber's).
    for n in range(5):
        _login(attacker, "alice@client.test", "mauvais", ip=f"2001:db8:1:2::{n + 1}")
    refused = _login(attacker, "alice@client.test", PASSWORD, ip="2001:db8:1:2::ff")
    assert "Trop de tentatives" in refused.content.decode()
    # Alice, at home, gets in with her password.
    alice_browser = BrowserClient()
    response = _login(alice_browser, "alice@client.test", PASSWORD, ip="203.0.113.9")
    assert response["Location"] == "/espace-client/"


def test_an_attacker_cannot_lock_staff_out(dana, browser_client) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    from tests.conftest import BrowserClient

    for _ in range(6):
        _login(browser_client, dana.email, "mauvais", ip="198.51.100.66")
    staff = BrowserClient()
    response = _login(staff, dana.email, PASSWORD, ip="192.0.2.10")
    assert response["Location"] == "/compte/2fa/authenticate/"
    secret = decrypt(Authenticator.objects.get(user=dana, type="totp").data["secret"])
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = staff.post("/compte/2fa/authenticate/", {"code": code}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert staff.get("/admin/", REMOTE_ADDR="192.0.2.10").status_code == 200


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


def test_many_networks_of_one_block_get_twenty_guesses_in_all(alice, browser_client) -> None:
    from tests.conftest import BrowserClient

    # A tunnel broker's customer has a /48: 65,536 networks of /64 with five guesses each,
    # were it not for the block's own limit.
    for n in range(5):
        for _ in range(5):
            _login(browser_client, "alice@client.test", "mauvais", ip=f"2001:db8:7:{n}::1")
    refused = _login(browser_client, "alice@client.test", PASSWORD, ip="2001:db8:7:99::1")
    assert "Trop de tentatives" in refused.content.decode()
    # Alice, in another block, is not locked out.
    response = _login(BrowserClient(), "alice@client.test", PASSWORD, ip="2001:db8:8::1")
    assert response["Location"] == "/espace-client/"

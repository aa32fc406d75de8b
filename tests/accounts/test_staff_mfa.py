from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


@pytest.mark.django_db
def test_staff_without_totp_are_sent_to_enrol(client) -> None:
    UserFactory(email="nouveau@entreprise.test", is_staff=True, is_superuser=True)
    client.post("/compte/login/", {"login": "nouveau@entreprise.test", "password": PASSWORD})
    response = client.get("/admin/accounts/client/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/2fa/totp/activate")
    # The password just typed is proof enough for the first authenticator: no second prompt.
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "data:image/svg+xml;base64," in content  # the QR code to scan
    assert "activez la double authentification" in content.lower()


def test_staff_with_totp_reach_the_admin(dana_http) -> None:
    assert dana_http.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")


def test_a_client_cannot_open_the_admin(alice_http) -> None:
    response = alice_http.get("/admin/login/?next=/admin/")
    assert response.status_code == 403


def test_staff_login_asks_for_the_totp_code(client, dana) -> None:
    response = client.post("/compte/login/", {"login": dana.email, "password": PASSWORD})
    assert response["Location"] == "/compte/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert Authenticator.objects.filter(user=dana, type="totp").exists()


@pytest.mark.django_db
def test_a_later_change_to_two_factor_asks_for_the_password_again(client) -> None:
    """Only the first enrolment, right after the login, skips the second prompt."""
    import datetime as dt
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.utils import timezone

    staff = UserFactory(email="ancien@entreprise.test", is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    Authenticator.objects.filter(user=staff).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    client.force_login(staff)
    # Logged in with the password a moment ago, as the session records it.
    session = client.session
    session["account_authentication_methods_user"] = str(staff.pk)
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session.save()
    response = client.get("/compte/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/reauthenticate/")
    # The same fresh login with an authenticator made minutes ago (first enrolment): no prompt.
    Authenticator.objects.filter(user=staff).update(created_at=timezone.now())
    assert client.get("/compte/2fa/recovery-codes/generate/").status_code == 200

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.exceptions import ClientHasAccount, ClientHasNoEmail, EmailTaken
from accounts.models import Invitation
from portal.audit import Actor
from portal.models import AuditEvent
from tests.factories import ClientFactory


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


NEW_PASSWORD = "Liner-Bleu-2026"


@pytest.fixture
def prospect(db):
    return ClientFactory(user=None, email="emma@client.test", first_name="Emma", last_name="Roux")


def _invite(prospect, carol, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        services.client_invite(client=prospect, by=Actor(user=carol))
    assert len(mail.outbox) == 1
    match = re.search(r"https://portail\.test(/compte/invitation/[^/\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_invitation_email_carries_a_link_and_no_password(
    prospect, carol, django_capture_on_commit_callbacks
) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert message.to == ["emma@client.test"]
    assert "espace client" in message.subject
    assert "mot de passe" in message.body  # it explains, it does not send one
    assert "jamais de mot de passe" in message.body
    assert url.startswith("/compte/invitation/")
    invitation = Invitation.objects.get()
    assert url.split("/")[-2] not in invitation.token_hash  # only the hash is stored


def test_client_sets_password_and_is_logged_in(
    client, prospect, carol, django_capture_on_commit_callbacks
) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    assert "Choisissez le mot de passe" in client.get(url).content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/espace-client/"
    prospect.refresh_from_db()
    assert prospect.user.email == "emma@client.test"
    assert prospect.user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=prospect.user).verified
    assert client.get("/espace-client/").status_code == 200
    assert AuditEvent.objects.filter(
        client=prospect, action="accounts.invitation.accepted"
    ).exists()


def test_link_works_once(client, prospect, carol, django_capture_on_commit_callbacks) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    response = client.get(url)
    assert response.status_code == 404
    assert "n'est plus valable" in html.unescape(response.content.decode())
    response = client.post(url, {"password1": "Autre-Mot-2026", "password2": "Autre-Mot-2026"})
    assert response.status_code == 404
    prospect.refresh_from_db()
    assert prospect.user.check_password(NEW_PASSWORD)


def test_link_expires(client, prospect, carol, django_capture_on_commit_callbacks) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 404


def test_a_new_invitation_replaces_the_old_link(
    client, prospect, carol, django_capture_on_commit_callbacks
) -> None:
    first = _invite(prospect, carol, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    second = _invite(prospect, carol, django_capture_on_commit_callbacks)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_weak_or_mismatched_passwords_rerender_in_french(
    client, prospect, carol, django_capture_on_commit_callbacks
) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    response = client.post(url, {"password1": "court", "password2": "court"})
    assert response.status_code == 400
    assert "trop faible" in response.content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "ne sont pas identiques" in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.user is None


def test_invitation_refusals(alice, carol, db) -> None:
    with pytest.raises(ClientHasAccount):
        services.client_invite(client=alice, by=Actor(user=carol))
    with pytest.raises(ClientHasNoEmail):
        services.client_invite(client=ClientFactory(user=None, email=""), by=Actor(user=carol))
    with pytest.raises(EmailTaken):
        services.client_invite(
            client=ClientFactory(user=None, email="ALICE@client.test"), by=Actor(user=carol)
        )


def test_staff_invite_from_the_admin(
    dana_http, prospect, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = dana_http.post(
            "/admin/accounts/client/",
            {"action": "send_invitation", "_selected_action": [prospect.pk]},
            follow=True,
        )
    assert "1 invitation envoyée" in response.content.decode()
    assert mail.outbox[0].to == ["emma@client.test"]


def test_staff_invite_from_the_client_page(
    dana_http, prospect, django_capture_on_commit_callbacks
) -> None:
    page = dana_http.get(f"/admin/accounts/client/{prospect.pk}/change/").content.decode()
    assert f"/admin/accounts/client/{prospect.pk}/inviter/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = dana_http.post(f"/admin/accounts/client/{prospect.pk}/inviter/", follow=True)
    assert "Invitation envoyée à emma@client.test" in response.content.decode()
    assert mail.outbox[0].to == ["emma@client.test"]
    assert dana_http.get(f"/admin/accounts/client/{prospect.pk}/inviter/").status_code == 405


def test_staff_without_permission_cannot_invite(carol_http, prospect) -> None:
    assert carol_http.post(f"/admin/accounts/client/{prospect.pk}/inviter/").status_code == 403
    assert not Invitation.objects.exists()


def test_a_refused_email_rolls_the_invitation_back(dana_http, prospect, settings) -> None:
    settings.EMAIL_BACKEND = "tests.accounts.test_invitation.RefusingBackend"
    response = dana_http.post(f"/admin/accounts/client/{prospect.pk}/inviter/", follow=True)
    assert "n&#x27;a pas pu être envoyé" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.invitation.sent").exists()


class RefusingBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionError("provider down")


def test_opening_a_link_while_logged_in_keeps_the_session(
    alice_http, prospect, carol, django_capture_on_commit_callbacks
) -> None:
    url = _invite(prospect, carol, django_capture_on_commit_callbacks)
    page = alice_http.get(url).content.decode()
    assert "Vous êtes connecté en tant que alice@client.test" in html.unescape(page)
    assert alice_http.get("/espace-client/").status_code == 200

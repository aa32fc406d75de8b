from __future__ import annotations

from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client as HttpClient

from consent.messages import marketing_email_headers, sms_opt_out, unsubscribe_url
from consent.models import ConsentRecord, ConsentState
from consent.tokens import make_token, read_token
from portal.models import AuditEvent
from tests.consent.conftest import choose


def _path(url: str) -> str:
    return url[url.index("/desinscription/") :]


def test_the_token_names_the_client_and_the_purpose(alice, email_purpose) -> None:
    token = make_token(client_id=alice.pk, purpose_id=email_purpose.pk)
    assert read_token(token) == (alice.pk, email_purpose.pk)
    assert len(token) < 30  # short enough for an SMS


def test_a_forged_token_is_refused(client, alice, bob, email_purpose) -> None:
    token = make_token(client_id=alice.pk, purpose_id=email_purpose.pk)
    _a, purpose_part, signature = token.split("-", 2)
    forged = f"{bob.pk:x}-{purpose_part}-{signature}"
    assert read_token(forged) is None
    assert read_token("not-a-token") is None
    assert read_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    response = client.post(
        f"/desinscription/{forged}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_an_old_email_still_works_after_any_key_rotation(settings, alice, email_purpose) -> None:
    token = make_token(client_id=alice.pk, purpose_id=email_purpose.pk)
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = []  # the old key is gone for good
    assert read_token(token) == (alice.pk, email_purpose.pk)


def test_the_sms_unsubscribe_page_names_the_phone_not_an_email(client, alice, sms_purpose) -> None:
    page = client.get(_path(unsubscribe_url(alice, sms_purpose))).content.decode()
    assert "•• •• •• 56 78" in page
    assert "client.test" not in page


def test_get_shows_a_confirmation_and_changes_nothing(client, alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    response = client.get(_path(unsubscribe_url(alice, email_purpose)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirmer la désinscription" in page
    assert "a•••@client.test" in page
    assert "alice@client.test" not in page
    assert ConsentState.objects.get(client=alice).granted is True


def test_rfc8058_one_click_post_as_a_mail_client_sends_it(alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    mail_client = HttpClient(enforce_csrf_checks=True)  # no cookie, no CSRF token
    response = mail_client.post(
        _path(unsubscribe_url(alice, email_purpose)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_USER_AGENT="Gmail one-click",
    )
    assert response.status_code == 200
    record = ConsentRecord.objects.filter(client=alice).latest("id")
    assert (record.granted, record.method, record.proof) == (
        False,
        "unsubscribe_link",
        "rfc8058-one-click",
    )
    assert ConsentState.objects.get(client=alice).granted is False
    event = AuditEvent.objects.filter(action="consent.choice.withdrawn").get()
    assert event.actor_kind == "client"
    # Mail providers may send it twice: one withdrawal is recorded.
    mail_client.post(
        _path(unsubscribe_url(alice, email_purpose)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == 1


def test_the_confirmation_button_unsubscribes(client, alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    response = client.post(_path(unsubscribe_url(alice, email_purpose)))
    assert "Désinscription enregistrée" in response.content.decode()
    record = ConsentRecord.objects.filter(client=alice).latest("id")
    assert record.proof == "unsubscribe-page"


def test_a_marketing_email_carries_the_rfc8058_headers(alice, email_purpose) -> None:
    headers = marketing_email_headers(alice, email_purpose)
    EmailMessage("Offres", "Bonjour", to=[alice.email], headers=headers).send()
    sent = mail.outbox[0].message()
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["List-Unsubscribe"].startswith("<https://portail.test/desinscription/")
    assert sent["List-Unsubscribe"].endswith("/>")


def test_a_marketing_sms_ends_with_a_way_out(settings, alice, sms_purpose) -> None:
    settings.SMS_REPLIES_ENABLED = True
    assert sms_opt_out(alice, sms_purpose) == "STOP pour ne plus recevoir"
    settings.SMS_REPLIES_ENABLED = False
    text = sms_opt_out(alice, sms_purpose)
    assert text.startswith("Désinscription : https://portail.test/desinscription/")
    assert len(text) < 80

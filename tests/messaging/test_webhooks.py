from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from twilio.request_validator import RequestValidator

from consent.models import ConsentRecord, Purpose, Suppression
from messaging import sms
from messaging.models import Notification
from messaging.services.outbox import notification_create, notification_send
from tests.consent.conftest import choose
from tests.messaging.test_outbox import TUESDAY_NOON

pytestmark = pytest.mark.django_db
TOKEN = "twilio-test-auth-token"
STATUS_URL = "https://portail.test/webhooks/twilio/status/"
BREVO_URL = "/anymail/brevo/tracking/"


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.ALLOWED_HOSTS = ["portail.test"]
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "brevo:s3cret"}


def _sent_sms(client_row) -> Notification:
    notification = notification_create(
        key="sms-1",
        channel="sms",
        template="campaign",
        client=client_row,
        context={"body": "Votre rendez-vous est confirmé."},
    )
    return notification_send(notification.pk, now=TUESDAY_NOON)


def _twilio(client, params: dict, signature: str | None = None):
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(STATUS_URL, params)
    return client.post(
        "/webhooks/twilio/status/",
        params,
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_HOST="portail.test",
        secure=True,
    )


def test_the_sms_asks_twilio_to_call_back(alice) -> None:
    _sent_sms(alice)
    assert sms.outbox[0].status_callback == STATUS_URL


def test_twilio_callbacks_move_the_status_forward_only(client, alice) -> None:
    notification = _sent_sms(alice)
    sid = notification.provider_id
    assert _twilio(client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    # Late and repeated callbacks change nothing.
    for late in ("sent", "delivered", "sent"):
        _twilio(client, {"MessageSid": sid, "MessageStatus": late})
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED


def test_a_forged_twilio_callback_gets_403(client, alice) -> None:
    notification = _sent_sms(alice)
    params = {"MessageSid": notification.provider_id, "MessageStatus": "failed"}
    forged = RequestValidator("another-token").compute_signature(STATUS_URL, params)
    assert _twilio(client, params, signature=forged).status_code == 403
    assert _twilio(client, params, signature="").status_code == 403
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_an_undelivered_sms_after_stop_records_the_withdrawal(client, alice) -> None:
    choose(alice, Purpose.objects.get(key="marketing_sms"), True)
    notification = _sent_sms(alice)
    params = {
        "MessageSid": notification.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "21610",
    }
    assert _twilio(client, params).status_code == 204
    notification.refresh_from_db()
    assert (notification.status, notification.error) == ("failed", "Twilio 21610")
    assert ConsentRecord.objects.filter(client=alice, method="sms_stop", granted=False).exists()


def _brevo(client, events: list[dict], credentials: str = "brevo:s3cret"):
    auth = base64.b64encode(credentials.encode()).decode()
    return client.post(
        BREVO_URL,
        json.dumps(events[0] if len(events) == 1 else events),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
        HTTP_HOST="portail.test",
        secure=True,
    )


def _brevo_event(event: str, message_id: str, email: str, at: dt.datetime) -> dict:
    return {
        "event": event,
        "email": email,
        "id": 1,
        "date": at.strftime("%Y-%m-%d %H:%M:%S"),
        "ts_epoch": int(at.timestamp() * 1000),
        "message-id": message_id,
        "subject": "Nouveautés",
    }


def _sent_email(alice, provider_id: str) -> Notification:
    notification = notification_create(
        key="mail-1",
        channel="email",
        template="campaign",
        client=alice,
        context={"subject": "Réponse", "body": "Bonjour."},
    )
    notification = notification_send(notification.pk, now=TUESDAY_NOON)
    Notification.objects.filter(pk=notification.pk).update(provider_id=provider_id)
    notification.refresh_from_db()
    return notification


def test_brevo_events_update_the_status_in_their_own_order(client, alice) -> None:
    notification = _sent_email(alice, "<1@brevo>")
    t0 = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)
    bounced = _brevo_event("hard_bounce", "<1@brevo>", alice.email, t0 + dt.timedelta(minutes=2))
    delivered = _brevo_event("delivered", "<1@brevo>", alice.email, t0 + dt.timedelta(minutes=1))
    assert _brevo(client, [bounced]).status_code == 200
    assert _brevo(client, [delivered]).status_code == 200  # older, and lower: ignored
    assert _brevo(client, [bounced]).status_code == 200  # a duplicate
    notification.refresh_from_db()
    assert notification.status == Notification.Status.BOUNCED


def test_a_soft_bounce_is_not_an_outcome(client, alice) -> None:
    notification = _sent_email(alice, "<2@brevo>")
    at = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)
    _brevo(client, [_brevo_event("soft_bounce", "<2@brevo>", alice.email, at)])
    _brevo(client, [_brevo_event("delivered", "<2@brevo>", alice.email, at)])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED


@pytest.mark.parametrize(
    ("event", "method"), [("unsubscribe", "provider_unsubscribe"), ("spam", "provider_complaint")]
)
def test_unsubscribes_and_complaints_withdraw_email_marketing(client, alice, event, method) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    at = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)
    assert _brevo(client, [_brevo_event(event, "<3@brevo>", alice.email, at)]).status_code == 200
    record = ConsentRecord.objects.filter(client=alice, purpose__key="marketing_email").latest("id")
    assert (record.granted, record.method) == (False, method)
    assert Suppression.objects.filter(kind="email").exists()


def test_brevo_webhooks_with_wrong_credentials_get_403(client, alice) -> None:
    notification = _sent_email(alice, "<4@brevo>")
    at = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)
    event = _brevo_event("hard_bounce", "<4@brevo>", alice.email, at)
    assert _brevo(client, [event], credentials="brevo:wrong").status_code == 403
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT

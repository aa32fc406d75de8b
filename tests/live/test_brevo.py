"""Brevo's tracking webhook as Brevo calls it: a POST of JSON with basic auth, no cookie and
no CSRF token, one event per call in the shape Brevo documents for each event."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from consent.models import ConsentRecord, Purpose, Suppression
from messaging.models import Notification
from portal.models import AuditEvent
from tests.consent.conftest import choose
from tests.live.conftest import BREVO_CREDENTIALS, basic_auth
from tests.messaging.test_webhooks import _sent_email

PATH = "/anymail/brevo/tracking/"
AT = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)


def brevo_event(event: str, *, email: str, message_id: str, **extra: object) -> dict:
    """A transactional event as Brevo posts it (developers.brevo.com, transactional webhooks):
    its dates in the account's time zone, `ts_epoch` in milliseconds UTC."""
    return {
        "event": event,
        "email": email,
        "id": 742781,
        "date": "2027-03-02 13:00:00",
        "ts": int(AT.timestamp()),
        "message-id": message_id,
        "ts_event": int(AT.timestamp()),
        "subject": "Votre rendez-vous",
        "tag": "",
        "sending_ip": "185.41.28.109",
        "ts_epoch": int(AT.timestamp() * 1000),
        "tags": [],
        **extra,
    }


def post(portal, payload, *, credentials: str | None = BREVO_CREDENTIALS) -> requests.Response:
    headers = basic_auth(credentials) if credentials else {}
    return requests.post(portal(PATH), json=payload, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("event", "extra", "status", "error"),
    [
        ("delivered", {}, Notification.Status.DELIVERED, ""),
        (
            "hard_bounce",
            {"reason": "550 5.1.1 The email account does not exist"},
            Notification.Status.BOUNCED,
            "550 5.1.1 The email account does not exist",
        ),
        ("soft_bounce", {"reason": "452 4.2.2 Mailbox full"}, Notification.Status.SENT, ""),
        ("blocked", {"reason": "blocked : due to blacklist user"}, Notification.Status.BOUNCED, ""),
        ("invalid_email", {}, Notification.Status.BOUNCED, ""),
        ("error", {"reason": "Sender not valid"}, Notification.Status.FAILED, "Sender not valid"),
    ],
)
def test_delivery_events_are_recorded(portal, alice, event, extra, status, error) -> None:
    notification = _sent_email(alice, f"<{event}@smtp-relay.mailin.fr>")
    payload = brevo_event(event, email=alice.email, message_id=notification.provider_id, **extra)
    response = post(portal, payload)
    assert response.status_code == 200, response.text
    notification.refresh_from_db()
    assert notification.status == status
    if error:
        assert notification.error == error


@pytest.mark.parametrize(
    ("event", "method"),
    [
        ("unsubscribe", "provider_unsubscribe"),
        ("unsubscribed", "provider_unsubscribe"),
        ("spam", "provider_complaint"),
    ],
)
def test_unsubscribes_and_complaints_withdraw_consent_once(portal, alice, event, method) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    payload = brevo_event(event, email=alice.email, message_id="<7@smtp-relay.mailin.fr>")
    before = AuditEvent.objects.count()
    # Brevo retries a call it thinks failed: the same event three times.
    for _ in range(3):
        assert post(portal, payload).status_code == 200
    withdrawals = ConsentRecord.objects.filter(client=alice, granted=False)
    email_purposes = Purpose.objects.filter(channel="email").count()
    assert withdrawals.count() == email_purposes >= 2
    assert set(withdrawals.values_list("method", flat=True)) == {method}
    assert Suppression.objects.filter(kind="email", scope="").count() == 1
    written = AuditEvent.objects.count() - before
    for _ in range(2):
        post(portal, payload)
    assert AuditEvent.objects.count() - before == written


@pytest.mark.parametrize("credentials", [None, "brevo:wrong", "another:live-s3cret"])
def test_wrong_or_missing_credentials_are_refused(portal, alice, credentials) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    payload = brevo_event("spam", email=alice.email, message_id="<8@smtp-relay.mailin.fr>")
    response = post(portal, payload, credentials=credentials)
    assert response.status_code == 403
    assert "CSRF" not in response.text  # refused by the credentials check, not by CSRF
    assert not ConsentRecord.objects.filter(client=alice, granted=False).exists()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"text"',
        b"{}",
        b'{"items": []}',
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"event": "delivered", "email": "a@b.fr", "message-id": "<3@x>", "ts_epoch": 1e400}',
        b'{"event": "delivered", "email": "a@b.fr", "ts_epoch": -99999999999999999999}',
    ],
)
def test_a_body_that_is_no_event_gets_400(portal, body) -> None:
    response = requests.post(
        portal(PATH),
        data=body,
        headers={**basic_auth(BREVO_CREDENTIALS), "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400


def test_brevo_checks_the_address_with_a_head_request(portal) -> None:
    assert requests.head(portal(PATH), timeout=10).status_code == 200

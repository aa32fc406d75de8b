"""Twilio's webhooks as Twilio calls them: a form POST signed with the account's auth token
over the exact URL it called, no cookie, and the same call again when it thinks one failed."""

from __future__ import annotations

import pytest
import requests
from twilio.request_validator import RequestValidator

from consent.models import ConsentRecord, ConsentState, Purpose, Suppression
from messaging.models import Notification
from portal.models import AuditEvent
from tests.consent.conftest import choose
from tests.live.conftest import TWILIO_TOKEN
from tests.messaging.test_webhooks import _sent_sms


def twilio_post(url: str, params: dict[str, str], *, token: str = TWILIO_TOKEN, sign_url=None):
    signature = RequestValidator(token).compute_signature(sign_url or url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)


def inbound(body: str, sid: str = "SM0123456789abcdef0123456789abcdef") -> dict[str, str]:
    """The parameters of Twilio's inbound message request."""
    return {
        "ToCountry": "FR",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": "+33757123456",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+33612345678",
        "ApiVersion": "2010-04-01",
    }


def test_a_stop_sent_three_times_withdraws_once(portal, alice) -> None:
    sms_purpose = Purpose.objects.get(key="marketing_sms")
    choose(alice, sms_purpose, True)
    url = portal("/webhooks/twilio/sms/")
    before = AuditEvent.objects.count()
    first = twilio_post(url, inbound("Stop"))
    assert first.status_code == 200
    assert "ne recevrez plus nos SMS" in first.text
    assert first.headers["Content-Type"].startswith("application/xml")
    written = AuditEvent.objects.count() - before
    for _ in range(2):
        assert twilio_post(url, inbound("Stop")).status_code == 200
    # Another STOP later, from a number already withdrawn: nothing new either.
    assert twilio_post(url, inbound("ARRÊT", sid="SM" + "f" * 32)).status_code == 200
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == 1
    assert not ConsentState.objects.get(client=alice, purpose=sms_purpose).granted
    assert Suppression.objects.filter(kind="phone", scope="").count() == 1
    assert AuditEvent.objects.count() - before == written


@pytest.mark.parametrize(
    "forgery",
    ["unsigned", "another token", "another address", "changed body"],
)
def test_an_unsigned_or_forged_call_gets_403(portal, alice, forgery) -> None:
    choose(alice, Purpose.objects.get(key="marketing_sms"), True)
    url = portal("/webhooks/twilio/sms/")
    params = inbound("STOP")
    if forgery == "unsigned":
        response = requests.post(url, data=params, timeout=10)
    elif forgery == "another token":
        response = twilio_post(url, params, token="not-our-token")
    elif forgery == "another address":
        response = twilio_post(url, params, sign_url="https://example.org/webhooks/twilio/sms/")
    else:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, inbound("Bonjour"))
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
        )
    assert response.status_code == 403
    assert not ConsentRecord.objects.filter(client=alice, granted=False).exists()


def test_a_word_that_is_not_stop_changes_nothing(portal, alice) -> None:
    choose(alice, Purpose.objects.get(key="marketing_sms"), True)
    response = twilio_post(portal("/webhooks/twilio/sms/"), inbound("Merci, à demain"))
    assert response.status_code == 200
    assert "<Message>" not in response.text
    assert not ConsentRecord.objects.filter(client=alice, granted=False).exists()


def test_status_callbacks_update_the_message(portal, alice) -> None:
    notification = _sent_sms(alice)
    url = portal("/webhooks/twilio/status/")
    params = {
        "MessageSid": notification.provider_id,
        "MessageStatus": "delivered",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+33757123456",
        "To": "+33612345678",
        "ApiVersion": "2010-04-01",
    }
    for _ in range(2):
        assert twilio_post(url, params).status_code == 204
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    assert requests.post(url, data=params, timeout=10).status_code == 403


def test_an_undelivered_sms_after_stop_withdraws_once(portal, alice) -> None:
    choose(alice, Purpose.objects.get(key="marketing_sms"), True)
    notification = _sent_sms(alice)
    params = {
        "MessageSid": notification.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "21610",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
    }
    for _ in range(3):
        assert twilio_post(portal("/webhooks/twilio/status/"), params).status_code == 204
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == 1


def test_a_get_is_not_a_webhook_call(portal) -> None:
    assert requests.get(portal("/webhooks/twilio/sms/"), timeout=10).status_code == 405


def test_a_stop_from_an_unknown_number_sent_at_once_lists_it_once(portal) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = portal("/webhooks/twilio/sms/")
    params = {**inbound("STOP"), "From": "+33698765432"}  # no client has this number

    def stop(_n: int) -> int:
        return twilio_post(url, params).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(stop, range(8))) == {200}
    assert Suppression.objects.filter(kind="phone", scope="").count() == 1

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from consent.models import ConsentRecord, ConsentState, Suppression
from consent.selectors import may_contact
from consent.webhooks import is_stop
from portal.contacts import contact_digest
from tests.consent.conftest import choose
from tests.factories import ClientFactory

TOKEN = "twilio-test-auth-token"
URL = "https://portail.test/webhooks/twilio/sms/"


@pytest.fixture(autouse=True)
def _twilio(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.ALLOWED_HOSTS = ["portail.test"]


def _post(client, body: str, sender: str = "+33612345678", signature: str | None = None):
    params = {
        "MessageSid": "SM0123456789abcdef",
        "From": sender,
        "To": "+33700000000",
        "Body": body,
    }
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(URL, params)
    return client.post(
        "/webhooks/twilio/sms/",
        params,
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_HOST="portail.test",
        secure=True,
    )


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "ARRET",
        "arrêt",
        "ARRÊT",
        "STOP SMS",
        "stop  sms",
        "Désabonner",
        "UNSUBSCRIBE",
    ],
)
def test_stop_words(body: str) -> None:
    assert is_stop(body)


@pytest.mark.parametrize("body", ["Bonjour", "STOPPER", "ne pas stop", ""])
def test_other_messages_are_not_stop(body: str) -> None:
    assert not is_stop(body)


def test_a_signed_stop_withdraws_sms_marketing_for_every_client_with_that_number(
    client, alice, sms_purpose, email_purpose
) -> None:
    twin = ClientFactory(phone="06 12 34 56 78")  # the same number, another record
    choose(alice, sms_purpose, True)
    choose(alice, email_purpose, True)
    choose(twin, sms_purpose, True)
    response = _post(client, "Stop")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    assert "ne recevrez plus" in root.find("Message").text
    for person in (alice, twin):
        assert ConsentState.objects.get(client=person, purpose=sms_purpose).granted is False
        assert not may_contact(person, sms_purpose)
    record = ConsentRecord.objects.filter(client=alice, purpose=sms_purpose).latest("id")
    assert (record.method, record.proof) == ("sms_stop", "SM0123456789abcdef")
    assert may_contact(alice, email_purpose)  # STOP is about SMS
    assert Suppression.objects.filter(
        kind="phone", digest=contact_digest("phone", "+33612345678")
    ).exists()


def test_a_stop_from_an_unknown_number_still_lists_it(client, db) -> None:
    assert _post(client, "STOP", sender="+33699999999").status_code == 200
    again = ClientFactory(phone="+33699999999")
    from consent.models import Purpose

    purpose = Purpose.objects.get(key="marketing_sms")
    choose(again, purpose, True, method="unsubscribe_link")  # not an active consent
    assert not may_contact(again, purpose)


def test_a_forged_signature_gets_403(client, alice, sms_purpose) -> None:
    choose(alice, sms_purpose, True)
    assert _post(client, "STOP", signature="forged").status_code == 403
    signed_for_another_body = RequestValidator(TOKEN).compute_signature(
        URL, {"MessageSid": "SM1", "From": "+33612345678", "To": "+33700000000", "Body": "Bonjour"}
    )
    assert _post(client, "STOP", signature=signed_for_another_body).status_code == 403
    unsigned = client.post(
        "/webhooks/twilio/sms/", {"Body": "STOP"}, HTTP_HOST="portail.test", secure=True
    )
    assert unsigned.status_code == 403
    assert ConsentState.objects.get(client=alice).granted is True


def test_without_an_auth_token_every_webhook_is_refused(client, settings, alice) -> None:
    settings.TWILIO_AUTH_TOKEN = ""
    assert _post(client, "STOP", signature="x").status_code == 403


def test_other_messages_get_an_empty_twiml_reply(client, alice) -> None:
    response = _post(client, "Bonjour, à quelle heure passez-vous ?")
    assert response.status_code == 200
    assert ET.fromstring(response.content).find("Message") is None

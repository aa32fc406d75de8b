from __future__ import annotations

import json

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from messaging import sms
from messaging.sms import Sms, SmsError, SmsOptedOut, TwilioSmsBackend, e164, segments


@pytest.mark.parametrize(
    ("body", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # two septets each: 160
        ("€" * 81, "GSM-7", 2),
        ("Votre RDV est confirmé à 14h, 3 rue de l'Église", "GSM-7", 1),
        ("ç" * 70, "UCS-2", 1),  # ç is GSM-7 only in upper case (Ç)
        ("ç" * 71, "UCS-2", 2),
        ("Bonne journée ☀️", "UCS-2", 1),
        ("😀" * 35, "UCS-2", 1),  # a surrogate pair each: 70 code units
        ("😀" * 36, "UCS-2", 2),
        ("", "GSM-7", 1),
    ],
)
def test_segments_follow_gsm7_and_ucs2(body, encoding, count) -> None:
    info = segments(body)
    assert (info.encoding, info.count) == (encoding, count)


def test_numbers_are_e164_read_as_french_by_default() -> None:
    assert e164("06 12 34 56 78") == "+33612345678"
    assert e164("+32 470 12 34 56") == "+32470123456"
    with pytest.raises(ValueError):
        e164("12")


class FakeTwilio(HttpClient):
    """Twilio's HTTP boundary: records each request, answers what the test says."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(logger=None, is_async=False)
        self.status, self.body, self.requests = status, body, []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **kwargs):
        self.requests.append({"method": method, "url": url, "data": data, "auth": auth})
        return Response(self.status, json.dumps(self.body))


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "secret"
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    return settings


def test_twilio_sends_through_the_messaging_service(twilio_settings) -> None:
    fake = FakeTwilio(201, {"sid": "SM" + "2" * 32, "status": "accepted"})
    backend = TwilioSmsBackend(http_client=fake)
    sid = backend.send(
        Sms(to="+33612345678", body="Bonjour", status_callback="https://portail.test/cb/")
    )
    assert sid == "SM" + "2" * 32
    (request,) = fake.requests
    assert request["method"] == "POST"
    assert request["url"].endswith(f"/Accounts/{'AC' + '0' * 32}/Messages.json")
    assert request["data"]["MessagingServiceSid"] == "MG" + "1" * 32
    assert request["data"]["To"] == "+33612345678"
    assert request["data"]["StatusCallback"] == "https://portail.test/cb/"


@pytest.mark.parametrize(
    ("status", "code", "error", "permanent"),
    [
        (400, 21610, SmsOptedOut, True),
        (400, 21211, SmsError, True),
        (429, 20429, SmsError, False),
        (503, 20500, SmsError, False),
    ],
)
def test_twilio_errors_say_whether_to_try_again(
    twilio_settings, status, code, error, permanent
) -> None:
    fake = FakeTwilio(status, {"code": code, "message": "refusé", "status": status})
    with pytest.raises(error) as raised:
        TwilioSmsBackend(http_client=fake).send(Sms(to="+33612345678", body="x"))
    assert raised.value.permanent is permanent
    assert raised.value.code == str(code)


def test_the_backend_follows_the_settings(settings, twilio_settings) -> None:
    assert isinstance(sms.get_backend(), sms.LocmemSmsBackend)  # tests
    settings.SMS_BACKEND = ""
    assert isinstance(sms.get_backend(), TwilioSmsBackend)
    settings.TWILIO_AUTH_TOKEN = ""
    assert isinstance(sms.get_backend(), sms.ConsoleSmsBackend)


def test_the_console_prints_the_sms_and_its_cost(capsys) -> None:
    sms.ConsoleSmsBackend().send(Sms(to="+33612345678", body="a" * 161))
    assert "2 x GSM-7" in capsys.readouterr().out

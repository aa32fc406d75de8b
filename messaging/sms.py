"""SMS backends, chosen by the SMS_BACKEND setting like Django's email backends: Twilio with a
messaging service in production, the console in development, in memory for tests. Each
returns the provider's id; errors say whether trying again may help."""

from __future__ import annotations

import logging
import math
import sys
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

from portal.logs import redact

logger = logging.getLogger(__name__)

# GSM 03.38: the basic alphabet, and the extension table whose characters take two septets.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int


def segments(body: str) -> Segments:
    """How many SMS a text costs. GSM-7: 160 septets in one SMS, 153 per part beyond;
    UCS-2 (any character outside GSM-7, such as an emoji or "ç" in upper case): 70 code
    units, 67 per part. A part never splits an escape pair or a surrogate pair, which this
    counts conservatively by units."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in body)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else math.ceil(units / part)
    return Segments(encoding=encoding, units=units, count=count)


def e164(number: str) -> str:
    """The number in E.164, read as French when it has no country code; ValueError if it is
    not a valid number."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"invalid number {number!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class SmsError(Exception):
    """A send that failed. `permanent` means trying again will not help."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmsOptedOut(SmsError):
    """The recipient has opted out with the provider (Twilio 21610): a consent withdrawal."""


@dataclass
class Sms:
    to: str
    body: str
    status_callback: str = ""
    id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class BaseSmsBackend:
    def send(self, sms: Sms) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: the SMS is printed, as Django's console email backend does."""

    counter = 0

    def send(self, sms: Sms) -> str:
        ConsoleSmsBackend.counter += 1
        info = segments(sms.body)
        # With DEBUG=0 (chosen explicitly) the console is the log: links' tokens are masked.
        body = sms.body if settings.DEBUG else redact(sms.body)
        sys.stdout.write(f"--- SMS to {sms.to} ({info.count} x {info.encoding}) ---\n{body}\n---\n")
        sys.stdout.flush()
        return f"console-{ConsoleSmsBackend.counter}"


outbox: list[Sms] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: the SMS lands in `messaging.sms.outbox`."""

    def send(self, sms: Sms) -> str:
        sms.id = f"locmem-{len(outbox) + 1}"
        outbox.append(sms)
        return sms.id


# Twilio error codes after which sending again cannot succeed.
TWILIO_PERMANENT = {
    21211,  # invalid "To" number
    21408,  # region not enabled
    21610,  # the recipient replied STOP
    21612,  # the number cannot be reached from this sender
    21614,  # not a mobile number
    30003,  # unreachable handset
    30004,  # message blocked
    30005,  # unknown destination
    30006,  # landline or unreachable carrier
    30007,  # carrier filtering
}


class TwilioSmsBackend(BaseSmsBackend):
    """Production: Twilio's Messages API through a messaging service (its sender pool, its
    opt-out handling). `http_client` lets tests fake Twilio at its HTTP boundary."""

    def __init__(self, http_client: Any = None) -> None:
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )

    def send(self, sms: Sms) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        options: dict[str, Any] = {
            "messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID,
            "to": sms.to,
            "body": sms.body,
        }
        if sms.status_callback:
            options["status_callback"] = sms.status_callback
        try:
            message = self.client.messages.create(**options)
        except TwilioRestException as error:
            code = int(error.code or 0)
            text = f"Twilio {error.status} {code}: {error.msg}"
            if code == 21610:
                raise SmsOptedOut(text, code=str(code), permanent=True) from error
            permanent = code in TWILIO_PERMANENT or (
                400 <= error.status < 500 and error.status != 429
            )
            raise SmsError(text, code=str(code), permanent=permanent) from error
        except (TwilioException, OSError) as error:
            raise SmsError(f"Twilio: {error}") from error
        return str(message.sid)


def default_backend() -> str:
    if (
        settings.TWILIO_ACCOUNT_SID
        and settings.TWILIO_AUTH_TOKEN
        and settings.TWILIO_MESSAGING_SERVICE_SID
    ):
        return "messaging.sms.TwilioSmsBackend"
    return "messaging.sms.ConsoleSmsBackend"


def get_backend() -> BaseSmsBackend:
    path = getattr(settings, "SMS_BACKEND", "") or default_backend()
    backend: BaseSmsBackend = import_string(path)()
    return backend

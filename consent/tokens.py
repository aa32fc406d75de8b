"""Unsubscribe tokens: short enough for an SMS, unforgeable, valid for as long as the email
or SMS that carries them (they do not expire; SECRET_KEY_FALLBACKS keeps old ones working
after a key rotation)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "consent.unsubscribe"


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _signature(client_id: int, purpose_id: int, secret: str) -> str:
    mac = salted_hmac(_SALT, f"{client_id}:{purpose_id}", secret=secret, algorithm="sha256")
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()  # 96 bits


def make_token(*, client_id: int, purpose_id: int) -> str:
    signature = _signature(client_id, purpose_id, settings.SECRET_KEY)
    return f"{_b36(client_id)}-{_b36(purpose_id)}-{signature}"


def read_token(token: str) -> tuple[int, int] | None:
    """The (client id, purpose id) a token names, or None if it is not one of ours."""
    try:
        client_part, purpose_part, signature = token.split("-", 2)
        client_id, purpose_id = int(client_part, 36), int(purpose_part, 36)
    except ValueError:
        return None
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        if constant_time_compare(signature, _signature(client_id, purpose_id, secret)):
            return client_id, purpose_id
    return None

"""Unsubscribe tokens: short enough for an SMS, unforgeable, and valid for as long as the
email or SMS that carries them: they are signed with a key derived from the database secret
(portal.contacts), which SECRET_KEY rotations never touch."""

from __future__ import annotations

import base64
import hashlib
import hmac

from portal.contacts import derived_key


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _signature(client_id: int, purpose_id: int, key: bytes) -> str:
    mac = hmac.new(key, f"{client_id}:{purpose_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()  # 96 bits


def make_token(*, client_id: int, purpose_id: int, key: bytes | None = None) -> str:
    """`key` lets a campaign sign thousands of links with one database read."""
    signature = _signature(client_id, purpose_id, key or derived_key("unsubscribe"))
    return f"{_b36(client_id)}-{_b36(purpose_id)}-{signature}"


def read_token(token: str) -> tuple[int, int] | None:
    """The (client id, purpose id) a token names, or None if it is not one of ours."""
    try:
        client_part, purpose_part, signature = token.split("-", 2)
        client_id, purpose_id = int(client_part, 36), int(purpose_part, 36)
    except ValueError:
        return None
    if min(client_id, purpose_id) < 0 or (client_part, purpose_part) != (
        _b36(client_id),
        _b36(purpose_id),
    ):
        return None  # one spelling per link: no leading zeros, signs, spaces or other digits
    expected = _signature(client_id, purpose_id, derived_key("unsubscribe"))
    # Bytes: a link mangled into other characters is not ours, and not an error.
    if hmac.compare_digest(signature.encode(), expected.encode()):
        return client_id, purpose_id
    return None

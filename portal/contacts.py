"""Salted digests of email addresses and phone numbers: how the suppression list recognises
a contact without keeping the address itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

import phonenumbers

from portal.models import ContactDigestKey

ContactKind = Literal["email", "phone"]


def _key() -> bytes:
    row = ContactDigestKey.objects.filter(pk=1).first()
    if row is None:
        row, _created = ContactDigestKey.objects.get_or_create(
            pk=1, defaults={"key": secrets.token_hex(32)}
        )
    return bytes.fromhex(row.key)


def derived_key(label: str) -> bytes:
    """A key for one use (unsubscribe tokens...), derived from the database secret, so that
    what it signs stays valid through SECRET_KEY rotations."""
    return hmac.new(_key(), f"portal:{label}".encode(), hashlib.sha256).digest()


def normalise(kind: ContactKind, value: str) -> str:
    value = (value or "").strip()
    if kind == "email":
        return value.lower()
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return "".join(c for c in value if c.isdigit() or c == "+")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def contact_digest(kind: ContactKind, value: object) -> str:
    """HMAC-SHA256 of the normalised contact; "" for no contact."""
    text = normalise(kind, str(value or ""))
    if not text:
        return ""
    return hmac.new(_key(), f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()

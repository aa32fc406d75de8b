"""Password strength as the CNIL measures it (délibération 2022-100): bits of entropy.

The entropy of a password is its length times log2 of the size of the alphabet it draws on
(lower case 26, upper case 26, digits 10, other characters 33). With login throttling, which
the portal enforces, 50 bits are enough; accounts that reach every client's data need
the "about 80 bits" of 12 characters of four kinds (78.8).
"""

from __future__ import annotations

import math
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (
    (frozenset(string.ascii_lowercase), 26),
    (frozenset(string.ascii_uppercase), 26),
    (frozenset(string.digits), 10),
)
_OTHER = 33


def password_entropy_bits(password: str) -> float:
    """Length times log2 of the alphabet; a character counts at most twice, so that
    "aaaaaaaaaaaa" is not mistaken for a long password."""
    alphabet = 0
    chars = set(password)
    for members, size in _CLASSES:
        if chars & members:
            alphabet += size
    if any(not any(c in members for members, _size in _CLASSES) for c in chars):
        alphabet += _OTHER
    if not alphabet:
        return 0.0
    length = min(len(password), 2 * len(chars))
    return length * math.log2(alphabet)


def _is_client_login(user: Any) -> bool:
    if user is None or getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return False
    if getattr(user, "invited_client", False):
        return True
    from accounts.models import Client

    return bool(user.pk) and Client.objects.filter(user_id=user.pk).exists()


class EntropyValidator:
    def __init__(self, min_bits: int = 50, staff_min_bits: int = 78) -> None:
        self.min_bits = min_bits
        self.staff_min_bits = staff_min_bits

    def required_bits(self, user: Any = None) -> int:
        # Only a client's own login gets the lower level. Every other account (staff, a
        # superuser made on the command line, an account not yet linked) needs the higher
        # one, so that granting staff rights later cannot rest on a client-grade password.
        return self.min_bits if _is_client_login(user) else self.staff_min_bits

    def validate(self, password: str, user: Any = None) -> None:
        if password_entropy_bits(password) < self.required_bits(user):
            raise ValidationError(self._message(user), code="password_too_weak")

    def _message(self, user: Any) -> str:
        if self.required_bits(user) > self.min_bits:
            return _(
                "Ce mot de passe est trop faible pour un compte de l'équipe : utilisez au moins "
                "12 caractères mêlant minuscules, majuscules, chiffres et caractères spéciaux, "
                "ou 14 caractères de trois de ces sortes, ou une phrase de passe plus longue."
            )
        return _(
            "Ce mot de passe est trop faible : utilisez au moins 9 caractères mêlant "
            "minuscules, majuscules et chiffres, ou une phrase de passe d'au moins 11 lettres."
        )

    def get_help_text(self) -> str:
        return _(
            "Au moins 9 caractères mêlant minuscules, majuscules et chiffres, ou une phrase "
            "de passe d'au moins 11 lettres."
        )

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.passwords import password_entropy_bits


def _invited() -> User:
    user = User(email="alice@client.test")
    user.invited_client = True
    return user


@pytest.mark.parametrize(
    ("password", "bits"),
    [("abcdefghijk", 51.7), ("Abcdefg12", 53.6), ("Ab1!efgh", 52.6), ("Abcdefg1", 47.6)],
)
def test_entropy_is_length_times_log2_of_the_alphabet(password: str, bits: float) -> None:
    assert password_entropy_bits(password) == pytest.approx(bits, abs=0.1)


@pytest.mark.parametrize("password", ["Abcdefg1", "vraiment", "12345678901234", "aaaaaaaaaaaaaaaa"])
def test_weak_client_passwords_are_refused_in_french(password: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_password(password, _invited())
    assert any(
        "trop faible" in message or "trop courant" in message for message in error.value.messages
    )


@pytest.mark.parametrize("password", ["Piscine-Demo-2026", "cheval agrafe batterie", "Kx7mPq2wZr"])
def test_client_passwords_of_50_bits_pass(password: str) -> None:
    validate_password(password, _invited())


def test_staff_need_about_80_bits() -> None:
    staff = User(email="carol@entreprise.test", is_staff=True)
    with pytest.raises(ValidationError, match="compte de l'équipe"):
        validate_password("Kx7mPq2wZr", staff)  # 59.5 bits: fine for a client
    validate_password("Kx7m-Pq2w-Zr9!", staff)  # 14 characters of four kinds


def test_accounts_that_are_not_a_clients_login_need_the_staff_level(alice) -> None:
    # A superuser created on the command line, or staff rights granted later, must not
    # rest on a client-grade password.
    for user in (
        User(email="root@entreprise.test"),
        User(email="x@entreprise.test", is_superuser=True),
    ):
        with pytest.raises(ValidationError, match="compte de l'équipe"):
            validate_password("Kx7mPq2wZr", user)
    validate_password("Kx7mPq2wZr", alice.user)  # a client's own login


def test_repeated_characters_do_not_count(alice) -> None:
    assert password_entropy_bits("aaaaaaaaaaaa") < 10

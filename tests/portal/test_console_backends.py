"""The console is the log when it is chosen in production: it masks the tokens of links
there, and keeps them in development, where the printed links are followed."""

from __future__ import annotations

import io

import pytest
from django.core.mail import EmailMessage

from messaging.sms import ConsoleSmsBackend, Sms
from portal.mail import ConsoleEmailBackend

LINK = "https://portail.test/compte/password/reset/key/4-diyegp-ca4aba95/"


@pytest.mark.parametrize(("debug", "shown"), [(False, False), (True, True)])
def test_the_console_email_backend(settings, debug, shown) -> None:
    settings.DEBUG = debug
    stream = io.StringIO()
    backend = ConsoleEmailBackend(stream=stream)
    backend.send_messages([EmailMessage("Mot de passe", f"Suivez {LINK}", to=["a@b.fr"])])
    printed = stream.getvalue()
    assert ("ca4aba95" in printed) is shown
    assert "/compte/password/reset/key/" in printed


@pytest.mark.parametrize(("debug", "shown"), [(False, False), (True, True)])
def test_the_console_sms_backend(settings, capsys, debug, shown) -> None:
    settings.DEBUG = debug
    ConsoleSmsBackend().send(
        Sms(to="+33612345678", body="STOP : https://portail.test/desinscription/1-2-abc/")
    )
    printed = capsys.readouterr().out
    assert ("1-2-abc" in printed) is shown

"""Inbound SMS from Twilio: a STOP withdraws SMS marketing for that number."""

from __future__ import annotations

import re
import unicodedata

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from twilio.twiml.messaging_response import MessagingResponse

from consent.services import sms_stop_received
from portal.audit import Actor
from portal.models import Controller
from portal.webhooks import twilio_signature_required

STOP_WORDS = frozenset({"STOP", "ARRET", "STOP SMS", "DESABONNER", "UNSUBSCRIBE"})


def is_stop(body: str) -> bool:
    """STOP, ARRET, ARRÊT, STOP SMS, DESABONNER, UNSUBSCRIBE, in any case, with or without
    accents, surrounding spaces or final punctuation."""
    text = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode()
    text = re.sub(r"[\s.!]+", " ", text).strip().upper()
    return text in STOP_WORDS


def _twiml(message: str | None = None) -> HttpResponse:
    response = MessagingResponse()
    if message:
        response.message(message)
    return HttpResponse(str(response), content_type="application/xml")


@twilio_signature_required
def twilio_inbound_sms(request: HttpRequest) -> HttpResponse:
    body, sender = request.POST.get("Body", ""), request.POST.get("From", "")
    if not is_stop(body) or not sender:
        return _twiml()
    sms_stop_received(
        phone=sender,
        message_sid=request.POST.get("MessageSid", ""),
        by=Actor(kind="client"),
    )
    return _twiml(
        _("%(company)s : vous ne recevrez plus nos SMS promotionnels.")
        % {"company": Controller.load().display_name}
    )

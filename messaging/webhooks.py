"""Delivery webhooks: Twilio's status callback (signature checked with Twilio's own
RequestValidator) and Brevo's tracking, received by anymail's own view (basic auth) and
handed to us through its `tracking` signal."""

from __future__ import annotations

import json
import logging
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, tracking
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden

from consent.services import email_opt_out_received, sms_stop_received
from messaging.models import Notification
from messaging.services.tracking import notification_track
from portal.audit import Actor
from portal.webhooks import twilio_signature_required

logger = logging.getLogger(__name__)
Status = Notification.Status

TWILIO_STATUSES = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
}
BREVO_STATUSES = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "bounced": Status.BOUNCED,
    "rejected": Status.BOUNCED,
    "failed": Status.FAILED,
}


@twilio_signature_required
def twilio_status(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    status = TWILIO_STATUSES.get(request.POST.get("MessageStatus", ""))
    code = request.POST.get("ErrorCode", "")
    if status is not None:
        notification = notification_track(
            provider_id=sid, status=status, error=f"Twilio {code}" if code else ""
        )
        if code == "21610" and notification is not None and notification.to:
            sms_stop_received(phone=notification.to, message_sid=sid, by=Actor.system())
    return HttpResponse(status=204)


class BrevoTracking(BrevoTrackingWebhookView):
    """anymail's own view, its basic-auth check and its mapping of Brevo's events.

    Brevo calls with basic auth and JSON, never with a cookie or a CSRF token: the view stays
    exempt from CSRF as anymail's own dispatch makes it. Only `post` is ours, so that wrong
    credentials get 403 (anymail's SuspiciousOperation would be a 400) and a body that is not
    an event gets 400, not 500. Brevo's batched webhooks send a list of events.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.run_validators(request)
        except AnymailWebhookValidationFailure:
            logger.warning("Refused a Brevo webhook with missing or wrong credentials")
            return HttpResponseForbidden("Invalid credentials", content_type="text/plain")
        try:
            events = self.parse_events(request)
        except (ValueError, AttributeError, TypeError, RecursionError, OverflowError, OSError):
            # Not JSON, nested past reason, or a timestamp no date can hold.
            return HttpResponseBadRequest("Not a Brevo event", content_type="text/plain")
        for event in events:
            self.signal.send(sender=self.__class__, event=event, esp_name=self.esp_name)
        return HttpResponse()

    def parse_events(self, request: HttpRequest) -> list[AnymailTrackingEvent]:
        body = json.loads(request.body.decode("utf-8"))
        items = body if isinstance(body, list) else [body]
        if not items or not all(isinstance(item, dict) and item.get("event") for item in items):
            raise ValueError("not a Brevo event")
        if any("items" in item for item in items):
            raise ValueError("an inbound email, not a tracking event")
        return [self.esp_to_anymail_event(item) for item in items]


# Brevo's event names, read by anymail (anymail/webhooks/brevo.py): delivered -> delivered;
# hard_bounce, soft_bounce, invalid_email -> bounced; blocked -> rejected; spam, complaint ->
# complained; unsubscribe -> unsubscribed; error -> failed. Brevo's settings page calls the
# unsubscribe event "unsubscribed", a name anymail reads as unknown: it is taken here too.
OPT_OUTS = {"unsubscribe": False, "unsubscribed": False, "spam": True, "complaint": True}


def _raw_name(event: AnymailTrackingEvent) -> str:
    raw = event.esp_event.get("event") if isinstance(event.esp_event, dict) else None
    return raw if isinstance(raw, str) else ""


@receiver(tracking)
def brevo_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    raw = _raw_name(event)
    if event.event_type in ("unsubscribed", "complained") or raw in OPT_OUTS:
        if event.recipient and isinstance(event.recipient, str):
            email_opt_out_received(
                email=event.recipient,
                complaint=event.event_type == "complained" or OPT_OUTS.get(raw, False),
                reference=str(event.message_id or event.event_id or ""),
                by=Actor.system(),
            )
        return
    status = BREVO_STATUSES.get(event.event_type)
    if raw == "soft_bounce":
        status = None  # Brevo tries again: not an outcome yet
    if status is not None and event.message_id and isinstance(event.message_id, str):
        notification_track(
            provider_id=event.message_id,
            status=status,
            at=event.timestamp,
            error=str(event.description or event.mta_response or "")
            if status in (Status.BOUNCED, Status.FAILED)
            else "",
        )

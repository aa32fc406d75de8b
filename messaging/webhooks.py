"""Delivery webhooks: Twilio's status callback (signature checked with Twilio's own
RequestValidator) and Brevo's tracking, received by anymail's own view (basic auth) and
handed to us through its `tracking` signal."""

from __future__ import annotations

import logging
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, tracking
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

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
    """anymail's own view and its basic-auth check; a request that fails it gets 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            logger.warning("Refused a Brevo webhook with missing or wrong credentials")
            return HttpResponseForbidden("Invalid credentials", content_type="text/plain")


@receiver(tracking)
def brevo_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    if event.event_type in ("unsubscribed", "complained") and event.recipient:
        email_opt_out_received(
            email=event.recipient,
            complaint=event.event_type == "complained",
            reference=str(event.message_id or event.event_id or ""),
            by=Actor.system(),
        )
        return
    status = BREVO_STATUSES.get(event.event_type)
    if isinstance(event.esp_event, dict) and event.esp_event.get("event") == "soft_bounce":
        status = None  # Brevo tries again: not an outcome yet
    if status is not None and event.message_id:
        notification_track(
            provider_id=str(event.message_id),
            status=status,
            at=event.timestamp,
            error=str(event.description or event.mta_response or "")
            if status in (Status.BOUNCED, Status.FAILED)
            else "",
        )

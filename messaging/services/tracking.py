"""Delivery events from the providers. They arrive late, twice or out of order: a status only
moves forward (sent, then delivered or failed), and at one rank a later event wins."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from messaging.models import Notification

Status = Notification.Status
RANK = {
    Status.PENDING: 0,
    Status.HELD: 0,
    Status.SENDING: 1,
    Status.SENT: 2,
    Status.DELIVERED: 3,
    Status.FAILED: 4,
    Status.BOUNCED: 4,
    Status.SUPPRESSED: 4,
    Status.CANCELLED: 4,
}


def notification_track(
    *, provider_id: str, status: str, at: dt.datetime | None = None, error: str = ""
) -> Notification | None:
    """Apply one provider event; None when no notification has that id."""
    if not provider_id:
        return None
    at = at or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(provider_id=provider_id).first()
        )
        if notification is None:
            return None
        current = RANK[Status(notification.status)]
        new = RANK[Status(status)]
        newer = notification.status_at is None or at >= notification.status_at
        if new > current or (new == current and newer and status != notification.status):
            notification.status = status
            notification.status_at = at
            if error:
                notification.error = error[:2000]
            notification.save(update_fields=["status", "status_at", "error"])
    return notification

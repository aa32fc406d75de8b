from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection

from messaging.models import Notification
from messaging.services import campaigns
from messaging.services.outbox import (
    TransientSendError,
    notification_send,
    notifications_release_due,
)

MAX_ATTEMPTS = 8
SENT = Notification.Status.SENT


@shared_task(bind=True, name="messaging.tasks.send_notification", max_retries=MAX_ATTEMPTS)
def send_notification(self: Any, pk: int) -> str:
    """Thin: the outbox row decides. A transient provider error retries with backoff
    (30 s, 1 min, 2 min… at most 30 min); running twice never sends twice."""
    try:
        notification = notification_send(pk)
    except TransientSendError as error:
        countdown = min(1800, settings.NOTIFICATION_RETRY_SECONDS * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error
    if notification.campaign_id:
        campaigns.campaign_mark_sent_if_done(notification.campaign_id)
    return str(notification.status)


@shared_task(name="messaging.tasks.release_due")
def release_due() -> int:
    """Every 5 minutes: queue again what is due and was not sent."""
    return notifications_release_due()


@shared_task(name="messaging.tasks.send_notifications")
def send_notifications(pks: list[int]) -> int:
    """A chunk of a campaign, sent in one task: one broker round trip per chunk, not per
    message. A transient error sends that one message to the retrying task."""
    sent = 0
    with get_connection() as connection:  # one provider session for the chunk
        for pk in pks:
            try:
                sent += notification_send(pk, connection=connection).status == SENT
            except TransientSendError:
                send_notification.apply_async((pk,), countdown=settings.NOTIFICATION_RETRY_SECONDS)
    in_campaigns = Notification.objects.filter(pk__in=pks, campaign__isnull=False)
    for campaign_id in in_campaigns.values_list("campaign_id", flat=True).distinct():
        campaigns.campaign_mark_sent_if_done(campaign_id)
    return sent


@shared_task(name="messaging.tasks.campaign_fan_out")
def campaign_fan_out(pk: int) -> int:
    return campaigns.campaign_fan_out(pk)


@shared_task(name="messaging.tasks.start_campaigns")
def start_campaigns() -> int:
    """Every minute: start the campaigns whose time has come."""
    return campaigns.campaigns_start_due()

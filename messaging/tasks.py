from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from messaging.services.outbox import (
    TransientSendError,
    notification_send,
    notifications_release_due,
)

MAX_ATTEMPTS = 8


@shared_task(bind=True, name="messaging.tasks.send_notification", max_retries=MAX_ATTEMPTS)
def send_notification(self: Any, pk: int) -> str:
    """Thin: the outbox row decides. A transient provider error retries with backoff
    (30 s, 1 min, 2 min… at most 1 h); running twice never sends twice."""
    try:
        return str(notification_send(pk).status)
    except TransientSendError as error:
        countdown = min(3600, settings.NOTIFICATION_RETRY_SECONDS * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="messaging.tasks.release_due")
def release_due() -> int:
    """Every 5 minutes: queue again what is due and was not sent."""
    return notifications_release_due()

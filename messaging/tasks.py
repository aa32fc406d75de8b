from __future__ import annotations

from typing import Any

from celery import shared_task

from messaging.services.outbox import TransientSendError, notification_send

MAX_ATTEMPTS = 8


@shared_task(bind=True, name="messaging.tasks.send_notification", max_retries=MAX_ATTEMPTS)
def send_notification(self: Any, pk: int) -> str:
    """Thin: the outbox row decides. A transient provider error retries with backoff
    (30 s, 1 min, 2 min… at most 1 h); running twice never sends twice."""
    try:
        return str(notification_send(pk).status)
    except TransientSendError as error:
        raise self.retry(exc=error, countdown=min(3600, 30 * 2**self.request.retries)) from error

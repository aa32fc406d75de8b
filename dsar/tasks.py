from __future__ import annotations

from celery import shared_task

from dsar.services.archive import archives_delete_expired
from dsar.services.reminders import reminders_send


@shared_task(name="dsar.tasks.reminders_send")
def send_reminders() -> int:
    return reminders_send()


@shared_task(name="dsar.tasks.archives_delete_expired")
def delete_expired_archives() -> int:
    return archives_delete_expired()

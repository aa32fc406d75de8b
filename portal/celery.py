"""The Celery app and the portal's one beat schedule."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Times are Europe/Paris (CELERY_TIMEZONE). Night jobs run while nobody works.
app.conf.beat_schedule = {
    "retention-purge": {
        "task": "retention.tasks.purge",
        "schedule": crontab(hour=2, minute=0),
    },
    "dsar-reminders": {
        "task": "dsar.tasks.reminders_send",
        "schedule": crontab(hour=7, minute=30),
    },
    "dsar-archives-expired": {
        "task": "dsar.tasks.archives_delete_expired",
        "schedule": crontab(hour=3, minute=15),
    },
    "audit-chain-verify": {
        "task": "portal.tasks.audit_chain_verify",
        "schedule": crontab(hour=2, minute=30),
    },
    "audit-chain-anchor": {
        "task": "portal.tasks.audit_chain_anchor",
        "schedule": crontab(hour=2, minute=45),
    },
    "file-deletions": {
        "task": "portal.tasks.file_deletions_carry_out",
        "schedule": crontab(minute="*/15"),
    },
    "orphan-files": {
        "task": "portal.tasks.orphan_files_delete",
        "schedule": crontab(hour=3, minute=45),
    },
    "notifications-release-due": {
        "task": "messaging.tasks.release_due",
        "schedule": crontab(minute="*/5"),
    },
    "campaigns-start": {
        "task": "messaging.tasks.start_campaigns",
        "schedule": crontab(minute="*"),
    },
    "heartbeat": {
        "task": "portal.tasks.heartbeat",
        "schedule": crontab(minute="*"),
    },
}

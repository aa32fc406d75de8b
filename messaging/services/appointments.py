"""Appointments: the client gets a confirmation when one is set or moved, a reminder 24 hours
before, and a notice when it is cancelled, on the channels they chose for service messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from messaging import formats
from messaging.models import Appointment, Notification
from messaging.services.outbox import WAITING, notification_create
from messaging.services.threads import service_channels
from portal.audit import Actor, audit_log

REMINDER_BEFORE = dt.timedelta(hours=24)
# A change to any of these is news to the client: a new confirmation and a new reminder.
ANNOUNCED = frozenset({"client", "starts_at", "duration_minutes", "kind", "address", "note"})


def appointment_save(*, appointment: Appointment, changed: Collection[str], by: Actor) -> None:
    created = appointment.pk is None
    moved = not created and bool(ANNOUNCED & set(changed))
    status_changed = not created and "status" in changed
    with transaction.atomic():
        if moved or (status_changed and appointment.status == Appointment.Status.PLANNED):
            appointment.version += 1
        appointment.save()
        audit_log(
            action="messaging.appointment.created" if created else "messaging.appointment.updated",
            by=by,
            client=appointment.client,
            target=appointment,
            payload={"fields": sorted(changed)},
        )
        planned = appointment.status == Appointment.Status.PLANNED
        if not created and (moved or status_changed):
            _cancel_reminders(appointment)
        if planned and (created or moved or status_changed):
            _announce(appointment, "appointment_confirmation")
            _schedule_reminder(appointment)
        elif status_changed and appointment.status == Appointment.Status.CANCELLED:
            _announce(appointment, "appointment_cancelled")


def _key(appointment: Appointment, what: str, channel: str) -> str:
    return f"appointment-{appointment.pk}-v{appointment.version}-{what}-{channel}"


def _context(appointment: Appointment) -> dict[str, Any]:
    """What the messages say, written once in the client's language: the record of what was
    sent does not change if the appointment does."""
    with translation.override(appointment.client.language):
        return {
            "when": formats.when(appointment.starts_at),
            "kind": str(appointment.get_kind_display()),
            "place": appointment.place,
            "note": appointment.note,
            "appointment": str(appointment.public_id),
        }


def _announce(appointment: Appointment, template: str) -> None:
    context = _context(appointment)
    for channel in service_channels(appointment.client):
        notification_create(
            key=_key(appointment, template, channel),
            channel=channel,
            template=template,
            client=appointment.client,
            context=context,
        )


def _schedule_reminder(appointment: Appointment) -> None:
    at = appointment.starts_at - REMINDER_BEFORE
    if at <= timezone.now():
        return  # set less than a day before: the confirmation is the reminder
    context = _context(appointment)
    for channel in service_channels(appointment.client):
        notification_create(
            key=_key(appointment, "reminder", channel),
            channel=channel,
            template="appointment_reminder",
            client=appointment.client,
            context=context,
            not_before=at,
        )


def _cancel_reminders(appointment: Appointment) -> int:
    """Reminders of a former date or of a cancelled appointment never leave."""
    return Notification.objects.filter(
        idempotency_key__startswith=f"appointment-{appointment.pk}-",
        template="appointment_reminder",
        status__in=WAITING,
    ).update(status=Notification.Status.CANCELLED, status_at=timezone.now())

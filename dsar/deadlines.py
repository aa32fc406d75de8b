"""GDPR art. 12(3): one calendar month from receipt, two more at most; the clock stops while
an identity document is awaited (art. 12(6))."""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone

from portal.dates import add_months

MAX_EXTENSION_MONTHS = 2


def due_at(
    received_at: dt.datetime, *, extended_months: int = 0, stopped_seconds: int = 0
) -> dt.datetime:
    """The end of the day (Paris time) by which the answer is owed: received plus one calendar
    month (clamped to a shorter month's end), plus any extension, plus every day the clock
    was stopped."""
    received_day = timezone.localtime(received_at).date()
    day = add_months(received_day, 1 + extended_months)
    day += dt.timedelta(days=math.ceil(stopped_seconds / 86400))
    end = dt.datetime.combine(day, dt.time(23, 59, 59))
    return timezone.make_aware(end)


def first_deadline(received_at: dt.datetime, *, stopped_seconds: int = 0) -> dt.datetime:
    """The one-month deadline, before which an extension must be announced."""
    return due_at(received_at, stopped_seconds=stopped_seconds)

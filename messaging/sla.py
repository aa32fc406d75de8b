"""When an answer is due: the service-level target counted in the business's opening hours,
skipping closed days and French public holidays."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings

from messaging.models import OpeningPeriod, ServiceLevel
from messaging.quiet_hours import is_public_holiday

Periods = Mapping[int, Sequence[tuple[dt.time, dt.time]]]


def opening_periods(level: ServiceLevel | None = None) -> dict[int, list[tuple[dt.time, dt.time]]]:
    level = level or ServiceLevel.load()
    periods: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for period in OpeningPeriod.objects.filter(service_level=level).order_by("weekday", "opens"):
        periods[period.weekday].append((period.opens, period.closes))
    return dict(periods)


def add_opening_hours(start: dt.datetime, hours: float, periods: Periods) -> dt.datetime:
    """`start` plus `hours` of opening time. A message that arrives while the business is
    closed starts counting when it opens. Without any opening period, hours are calendar
    hours."""
    if not any(periods.values()):
        return start + dt.timedelta(hours=hours)
    zone = ZoneInfo(settings.TIME_ZONE)
    local = start.astimezone(zone)
    left = dt.timedelta(hours=hours)
    day = local.date()
    for _ in range(3 * 366):
        if not is_public_holiday(day):
            for opens, closes in sorted(periods.get(day.isoweekday(), ())):
                begin = dt.datetime.combine(day, opens, tzinfo=zone)
                end = dt.datetime.combine(day, closes, tzinfo=zone)
                begin = max(begin, local)
                if begin >= end:
                    continue
                if end - begin >= left:
                    return begin + left
                left -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("no opening hours in three years")


def answer_due(received_at: dt.datetime, *, priority: bool) -> dt.datetime:
    level = ServiceLevel.load()
    return add_opening_hours(
        received_at, level.hours_for(priority=priority), opening_periods(level)
    )

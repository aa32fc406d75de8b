"""The answer due time counts opening hours only: closed evenings, Sundays and public
holidays do not count."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from messaging.models import OpeningPeriod, ServiceLevel
from messaging.sla import add_opening_hours, answer_due, opening_periods

PARIS = ZoneInfo("Europe/Paris")
WEEK = {
    **{d: [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))] for d in range(1, 6)},
    6: [(dt.time(9), dt.time(12))],
}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tuesday 10h + 4 h: 2 h before lunch, 2 h after.
        (at(2026, 11, 24, 10), 4, at(2026, 11, 24, 16)),
        # Friday 17h + 4 h: 1 h Friday, 3 h Saturday morning.
        (at(2026, 11, 27, 17), 4, at(2026, 11, 28, 12)),
        # Saturday evening + 4 h: Sunday closed; Monday 9h-12h, then 14h-15h.
        (at(2026, 11, 28, 19, 30), 4, at(2026, 11, 30, 15)),
        # During lunch: counting starts at 14h.
        (at(2026, 11, 24, 12, 30), 1, at(2026, 11, 24, 15)),
        # Thursday 24 December, 17h + 2 h: Christmas is a holiday, then Saturday 26th.
        (at(2026, 12, 24, 17), 2, at(2026, 12, 26, 10)),
        # 16 opening hours from Monday 9h: Monday (7 h), Tuesday (7 h), Wednesday 11h.
        (at(2026, 11, 23, 9), 16, at(2026, 11, 25, 11)),
    ],
)
def test_opening_hours_are_counted(start, hours, due) -> None:
    assert add_opening_hours(start, hours, WEEK) == due


def test_without_opening_hours_the_target_is_in_calendar_hours() -> None:
    start = at(2026, 11, 29, 3)
    assert add_opening_hours(start, 4, {}) == start + dt.timedelta(hours=4)


@pytest.mark.django_db
def test_targets_and_hours_come_from_the_admin_settings() -> None:
    level = ServiceLevel.load()
    assert opening_periods(level)[1] == [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))]
    level.priority_hours, level.standard_hours = 2, 8
    level.save()
    OpeningPeriod.objects.filter(weekday=6).delete()  # closed on Saturdays now
    friday = at(2026, 11, 27, 17)
    assert answer_due(friday, priority=True) == at(2026, 11, 30, 10)
    assert answer_due(friday, priority=False) == at(2026, 11, 30, 18)

"""When marketing may reach people: by default Monday to Saturday, 8h to 20h Europe/Paris,
never on a French public holiday. Transactional messages are not held."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


@lru_cache(maxsize=32)
def _holidays(year: int, subdivision: str) -> holidays.HolidayBase:
    return holidays.France(years=year, subdiv=subdivision or None)


def is_public_holiday(day: dt.date) -> bool:
    return day in _holidays(day.year, settings.MARKETING_HOLIDAYS_SUBDIVISION)


def _window() -> tuple[frozenset[int], dt.time, dt.time, ZoneInfo]:
    days = frozenset(int(d) for d in settings.MARKETING_WEEKDAYS)
    start = dt.time.fromisoformat(settings.MARKETING_HOURS_START)
    end = dt.time.fromisoformat(settings.MARKETING_HOURS_END)
    return days, start, end, ZoneInfo(settings.TIME_ZONE)


def _open_day(day: dt.date, days: frozenset[int]) -> bool:
    return day.isoweekday() in days and not is_public_holiday(day)


def is_allowed(at: dt.datetime) -> bool:
    days, start, end, zone = _window()
    local = at.astimezone(zone)
    return _open_day(local.date(), days) and start <= local.time() < end


def next_allowed(at: dt.datetime) -> dt.datetime:
    """`at` itself when marketing may go then; otherwise the opening of the next window."""
    days, start, end, zone = _window()
    local = at.astimezone(zone)
    if _open_day(local.date(), days) and start <= local.time() < end:
        return at
    day = local.date()
    if not (_open_day(day, days) and local.time() < start):
        day += dt.timedelta(days=1)
        for _ in range(366):
            if _open_day(day, days):
                break
            day += dt.timedelta(days=1)
        else:  # no open day in a year: the window is misconfigured
            raise ValueError("no day allowed for marketing")
    return dt.datetime.combine(day, start, tzinfo=zone)

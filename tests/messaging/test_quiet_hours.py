from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from messaging.quiet_hours import is_allowed, next_allowed

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # A Tuesday afternoon: at once.
        (paris(2027, 3, 2, 15, 0), paris(2027, 3, 2, 15, 0)),
        # Saturday evening after 20h: Monday 8h.
        (paris(2027, 3, 6, 20, 0), paris(2027, 3, 8, 8, 0)),
        (paris(2027, 3, 6, 19, 59), paris(2027, 3, 6, 19, 59)),
        # Sunday: Monday 8h.
        (paris(2027, 3, 7, 11, 0), paris(2027, 3, 8, 8, 0)),
        # Early morning: 8h the same day.
        (paris(2027, 3, 2, 6, 30), paris(2027, 3, 2, 8, 0)),
        # Saturday evening before Easter Monday (29 March 2027): Tuesday 8h.
        (paris(2027, 3, 27, 21, 0), paris(2027, 3, 30, 8, 0)),
        # 14 July 2027 is a Wednesday: Thursday 8h.
        (paris(2027, 7, 14, 10, 0), paris(2027, 7, 15, 8, 0)),
        # Ascension Thursday 6 May 2027, then an ordinary Friday.
        (paris(2027, 5, 5, 20, 30), paris(2027, 5, 7, 8, 0)),
    ],
)
def test_marketing_waits_for_the_next_window(at, expected) -> None:
    assert next_allowed(at) == expected
    assert is_allowed(next_allowed(at))


def test_utc_times_are_read_in_paris() -> None:
    # 19:30 UTC on a Saturday in summer is 21:30 in Paris: closed.
    at = dt.datetime(2027, 6, 5, 19, 30, tzinfo=dt.UTC)
    assert not is_allowed(at)
    assert next_allowed(at) == paris(2027, 6, 7, 8, 0)


def test_the_window_is_configurable(settings) -> None:
    settings.MARKETING_WEEKDAYS = ["1", "2", "3", "4", "5"]
    settings.MARKETING_HOURS_START = "09:00"
    settings.MARKETING_HOURS_END = "18:00"
    assert next_allowed(paris(2027, 3, 5, 18, 0)) == paris(2027, 3, 8, 9, 0)


def test_a_subdivision_adds_its_holidays(settings) -> None:
    boxing_day = paris(2028, 12, 26, 10, 0)  # a Tuesday
    assert is_allowed(boxing_day)
    settings.MARKETING_HOLIDAYS_SUBDIVISION = "57"
    assert not is_allowed(boxing_day)
    assert next_allowed(boxing_day) == paris(2028, 12, 27, 8, 0)

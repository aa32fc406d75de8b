"""Calendar arithmetic for legal deadlines and retention periods."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypeVar

D = TypeVar("D", dt.date, dt.datetime)


def add_months(value: D, months: int) -> D:
    """The same day `months` calendar months later, clamped to the end of a shorter month
    (31 January + 1 month = 28 or 29 February), as GDPR art. 12(3) counts."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)

"""The DPO's figures: requests per month by kind, median answer time, share answered on time."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dsar.models import DataRequest, Kind, Status
from portal.dates import add_months

COLOURS = {
    Kind.ACCESS: "#1d4ed8",
    Kind.RECTIFICATION: "#0f766e",
    Kind.ERASURE: "#b91c1c",
    Kind.RESTRICTION: "#a16207",
    Kind.PORTABILITY: "#7c3aed",
    Kind.OBJECTION: "#be185d",
    Kind.POST_MORTEM: "#52606d",
}
CHART_HEIGHT = 180
BAR_WIDTH = 36
GAP = 14


def figures(months: int = 12) -> dict[str, Any]:
    today = timezone.localdate()
    start = add_months(today.replace(day=1), -(months - 1))
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    rows = (
        DataRequest.objects.filter(received_at__gte=since)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for row in rows:
        month = (
            timezone.localtime(row["month"]) if hasattr(row["month"], "tzinfo") else row["month"]
        )
        counts.setdefault((month.year, month.month), {})[row["kind"]] = row["n"]
    labels = [add_months(start, i) for i in range(months)]
    peak = max([sum(c.values()) for c in counts.values()] or [1])
    bars = []
    for index, month in enumerate(labels):
        y = float(CHART_HEIGHT)
        segments = []
        per_kind = counts.get((month.year, month.month), {})
        for kind in Kind:
            n = per_kind.get(kind.value, 0)
            if n:
                height = n / peak * (CHART_HEIGHT - 20)
                y -= height
                segments.append(
                    {
                        "kind": kind.label,
                        "n": n,
                        "y": round(y, 1),
                        "height": round(height, 1),
                        "colour": COLOURS[kind],
                    }
                )
        bars.append(
            {
                "x": index * (BAR_WIDTH + GAP) + 40,
                "label": month.strftime("%m/%y"),
                "total": sum(per_kind.values()),
                "segments": segments,
            }
        )
    closed: list[tuple[dt.datetime, dt.datetime, dt.datetime]] = [
        (received, closed_at, due)
        for received, closed_at, due in DataRequest.objects.filter(
            status__in=(Status.DONE, Status.REFUSED),
            closed_at__isnull=False,
            received_at__gte=since,
        ).values_list("received_at", "closed_at", "due_at")
        if closed_at is not None
    ]
    durations = [(c - r).total_seconds() / 86400 for r, c, _due in closed]
    on_time = sum(1 for _r, c, due in closed if c <= due)
    return {
        "bars": bars,
        "chart_width": months * (BAR_WIDTH + GAP) + 60,
        "chart_height": CHART_HEIGHT + 30,
        "label_y": CHART_HEIGHT + 15,
        "bar_width": BAR_WIDTH,
        "legend": [{"label": k.label, "colour": COLOURS[k]} for k in Kind],
        "median_days": round(statistics.median(durations), 1) if durations else None,
        "on_time_share": round(100 * on_time / len(closed)) if closed else None,
        "closed_count": len(closed),
        "open_count": DataRequest.objects.filter(
            status__in=(Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_REQUESTER)
        ).count(),
    }

"""The DPO dashboard and the purge history draw their bars in French and English alike:
numbers in SVG attributes are written with a dot whatever the language ("100.0", never
"100,0", which the browser rejects), and the legend is styled by classes, since the
content-security policy refuses inline styles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dsar.models import Kind
from tests.browser.conftest import staff_log_in
from tests.dsar.conftest import file_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NUMBER = re.compile(r"^\d+(\.\d+)?$")

BARS = """() => [...document.querySelectorAll('svg.chart rect.chart-bar')].map(r => {
    const box = r.getBBox();
    return {x: r.getAttribute('x'), y: r.getAttribute('y'), width: r.getAttribute('width'),
            height: r.getAttribute('height'), drawn: box.width > 0 && box.height > 0};
})"""


def _purges() -> None:
    from retention.models import PurgeRun

    now = timezone.now()
    for night, total in enumerate((120, 45, 3, 0, 987)):
        PurgeRun.objects.create(
            started_at=now - dt.timedelta(days=5 - night),
            finished_at=now - dt.timedelta(days=5 - night) + dt.timedelta(minutes=2),
            status=PurgeRun.Status.DONE,
            total=total,
        )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_both_charts_draw_their_bars(browser, live_server, alice, dana, language) -> None:
    for kind in (Kind.ACCESS, Kind.ERASURE, Kind.ACCESS, Kind.OBJECTION):
        file_request(alice, kind=kind)
    _purges()
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    staff_log_in(page, live_server, dana)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for url, expected in (
        ("/admin/dsar/datarequest/tableau-de-bord/", 3),  # access, erasure, objection
        ("/admin/retention/purgerun/", 4),  # the night with nothing purged has no bar
    ):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.lang") == language
        bars = page.evaluate(BARS)
        assert len(bars) == expected, (url, bars)
        for bar in bars:
            assert all(NUMBER.match(bar[name]) for name in ("x", "y", "width", "height")), bar
            assert bar["drawn"], bar
        assert "," not in page.eval_on_selector("svg.chart", "svg => svg.getAttribute('width')")
        swatches = page.locator(".chart-legend .chart-swatch")
        if "tableau" in url:
            assert swatches.count() == len(Kind)
            assert swatches.first.bounding_box()["width"] == 12
    assert refused == []
    context.close()

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from consent import cookies
from portal import ratelimit


def global_privacy_control(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A browser sending Sec-GPC: 1, with no choice yet, refuses advertising: the refusal
    is recorded (once an hour per address at most, for browsers that keep no cookie), and
    the banner still asks about the rest."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            request.headers.get("Sec-GPC") == "1"
            and request.method == "GET"
            and response.status_code == 200
            and cookies.read(request) is None
            and ratelimit.allow(request, action="gpc", limit=1, seconds=3600)
        ):
            cookies.record(
                request, response, choices={"advertising": False}, method="gpc", chosen=False
            )
        return response

    return middleware

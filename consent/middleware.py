from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from consent import cookies


def global_privacy_control(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A browser sending Sec-GPC: 1, with no choice yet, refuses advertising: the refusal
    is recorded once, and the banner still asks about the rest."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            request.headers.get("Sec-GPC") == "1"
            and request.method == "GET"
            and cookies.read(request) is None
            and response.status_code == 200
        ):
            cookies.record(request, response, choices={}, method="gpc", chosen=False)
        return response

    return middleware

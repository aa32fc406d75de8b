from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.audit import Actor
from retention.services.warnings import keep_confirm, keep_read


@never_cache
@require_http_methods(["GET", "POST"])
def keep(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the warning before an inactivity purge: GET asks, POST keeps."""
    client = keep_read(token)
    if client is None:
        return render(request, "retention/keep_invalid.html", status=404)
    if request.method == "POST":
        keep_confirm(client=client, by=Actor.from_request(request, kind="client"))
        return render(request, "retention/keep_done.html")
    return render(request, "retention/keep.html")

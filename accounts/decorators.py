from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from accounts.models import Client, User


class ClientRequest(HttpRequest):
    user: User
    client: Client


def client_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let in only a logged-in user who is a client, and hand the view their Client."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        client = Client.objects.filter(user=cast(User, request.user)).first()
        if client is None:
            return render(request, "accounts/not_a_client.html", status=403)
        request.client = client  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper

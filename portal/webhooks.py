"""Checks shared by the providers' webhooks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)


def twilio_signature_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only requests signed by Twilio with our auth token get through (403 otherwise),
    checked with Twilio's own RequestValidator against the URL Twilio called."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        token = settings.TWILIO_AUTH_TOKEN
        if (
            not token
            or not signature
            or not RequestValidator(token).validate(
                request.build_absolute_uri(), request.POST, signature
            )
        ):
            logger.warning("Refused a Twilio webhook with a missing or wrong signature")
            return HttpResponseForbidden("Invalid signature", content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper

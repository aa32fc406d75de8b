from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from consent import cookies


def cookie_banner(request: HttpRequest) -> dict[str, Any]:
    """`cookie_consent` gates any non-essential script in templates; the banner shows until
    a choice is made with the current banner, except on the preferences page itself."""
    return {
        "cookie_consent": SimpleLazyObject(lambda: cookies.read(request)),
        "show_cookie_banner": SimpleLazyObject(
            lambda: request.path != reverse("cookie_preferences") and cookies.needs_banner(request)
        ),
        "cookie_categories": cookies.CATEGORIES,
        "cookie_banner_text": cookies.BANNER_TEXT,
    }

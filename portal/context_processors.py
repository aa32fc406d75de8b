from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal.models import Controller


def controller(request: HttpRequest) -> dict[str, Any]:
    return {"controller": SimpleLazyObject(Controller.load)}

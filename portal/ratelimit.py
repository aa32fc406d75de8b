"""A fixed-window counter per client address, in the shared cache (Redis in production)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from portal.audit import Actor


def allow(request: HttpRequest, *, action: str, limit: int, seconds: int) -> bool:
    """Count one attempt at `action` from this address; False once `limit` is passed."""
    ip = Actor.from_request(request).ip or "unknown"
    key = f"ratelimit:{action}:{ip}"
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=seconds)
        return True

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("client_dashboard")


@require_safe
def privacy_policy(request: HttpRequest) -> HttpResponse:
    """Generated from the register, the retention rules and the controller's identity."""
    from retention.policy import policy_context

    return render(request, "portal/privacy_policy.html", policy_context())


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For monitoring: the database, and with Redis (production) Redis itself, a worker that
    answers and beat's heartbeat. 503 when any is wrong, with which in the body."""
    return _health(background=bool(settings.REDIS_URL))


@never_cache
@require_safe
def health_web(request: HttpRequest) -> JsonResponse:
    """For the web container's own health check: what serving pages needs, and no more (a
    stopped worker must not get the web server restarted)."""
    return _health(background=False)


def _health(*, background: bool) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "error"
    if background and checks.get("database") == "ok":
        from portal.jobs import HEARTBEAT_LATE, last_heartbeat, worker_alive

        checks["worker"] = "ok" if worker_alive() else "error"
        beat = last_heartbeat()
        checks["beat"] = "ok" if beat and timezone.now() - beat <= HEARTBEAT_LATE else "error"
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _

Middleware = Callable[[HttpRequest], HttpResponse]

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def permissions_policy(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


def staff_mfa_required(get_response: Middleware) -> Middleware:
    """Staff reach the admin only once they have enrolled an authenticator app (TOTP)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _(
                    "Pour protéger les données de vos clients, activez la double "
                    "authentification avant d'accéder à l'administration."
                ),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return get_response(request)

    return middleware


def _holds_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


def refuse_nul(get_response: Middleware) -> Middleware:
    """A NUL character can be in no address, name or text a person types, and PostgreSQL
    refuses it in any text: a request that carries one in its path, query or cookies is
    answered 400 before anything looks it up (the session from its cookie, first)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        cookies = any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
        if "\x00" in request.path or cookies or _holds_nul(request.GET):
            return _nul_refused()
        return get_response(request)

    return middleware


def refuse_nul_in_forms(get_response: Middleware) -> Middleware:
    """The same for url-encoded forms, once their size is known to be reasonable (this reads
    the body). Multipart bodies are left to the forms (Django's fields refuse NUL), so that
    views that read the raw body still can."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == (
            "application/x-www-form-urlencoded"
        ):
            try:
                if _holds_nul(request.POST):
                    return _nul_refused()
            except RequestDataTooBig:
                return _too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return get_response(request)

    return middleware


def _nul_refused() -> HttpResponse:
    return HttpResponseBadRequest(
        _("Caractère non autorisé dans la requête."), content_type="text/plain; charset=utf-8"
    )


def refuse_large_bodies(get_response: Middleware) -> Middleware:
    """A body larger than REQUEST_MAX_BYTES is refused with 413 from its announced length,
    before a byte of it is read (CSRF, forms and uploads read it only later, in the view's
    turn). The proxy in front refuses it even earlier (deploy/caddy/Caddyfile)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            unreadable = _("Longueur de requête illisible.")
            return HttpResponseBadRequest(unreadable, content_type="text/plain; charset=utf-8")
        if length > settings.REQUEST_MAX_BYTES:
            return _too_large(request, settings.REQUEST_MAX_BYTES)
        return get_response(request)

    return middleware


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    response = render(request, "413.html", {"limit": filesizeformat(limit)}, status=413)
    if request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        # Not kept alive, so gunicorn does not read the rest of the body to reach the next
        # request (wsgiref servers refuse the header, and close anyway).
        response["Connection"] = "close"
    return response

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect
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


def refuse_malformed_input(get_response: Middleware) -> Middleware:
    """A NUL character can be in no address, name or text a person types, and PostgreSQL
    refuses it in any text: a request that carries one in its path, its query or its
    url-encoded form is answered 400 here instead of failing deeper down. Multipart bodies
    are left to the forms (Django's fields refuse NUL) so that views that read the raw body
    still can."""

    def middleware(request: HttpRequest) -> HttpResponse:
        form = request.method == "POST" and (
            request.content_type == "application/x-www-form-urlencoded"
        )
        if "\x00" in request.path or _holds_nul(request.GET) or (form and _holds_nul(request.POST)):
            return HttpResponseBadRequest(
                _("Caractère non autorisé dans la requête."), content_type="text/plain"
            )
        return get_response(request)

    return middleware

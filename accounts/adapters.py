from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse

from accounts.models import Client
from portal.models import Controller


def remember_language(response: HttpResponseBase, language: str) -> None:
    """Pages follow the client's chosen language from now on, whatever the browser says."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are opened by staff, who invite each client (accounts.services.client_invite).
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_staff", False) and not hasattr(request.user, "client"):
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        language = Client.objects.filter(user=user).values_list("language", flat=True).first()
        if language:
            remember_language(response, language)
        return response

    def format_email_subject(self, subject: str) -> str:
        return f"[{Controller.load().display_name}] {subject}"

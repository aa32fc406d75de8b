from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from portal.models import Controller


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are opened by staff, who invite each client (accounts.services.client_invite).
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_staff", False) and not hasattr(request.user, "client"):
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def format_email_subject(self, subject: str) -> str:
        return f"[{Controller.load().display_name}] {subject}"

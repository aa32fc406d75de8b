from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Client
from portal.models import Controller


def login_network(ip: str) -> str:
    """The network a login attempt comes from: the address itself for IPv4, its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 4:
        return str(address)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


WIDE_NETWORK_FAILURES = 20
WIDE_NETWORK_WINDOW = 15 * 60


def wide_network(ip: str) -> str:
    """The block an address belongs to: its /24 for IPv4, its /48 for IPv6."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


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
    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A staff member enrolling their first authenticator right after typing their
        password is not asked for it again, nor to download the recovery codes just made: the
        fresh login is the proof (within ACCOUNT_REAUTHENTICATION_TIMEOUT). Any later change
        to two-factor still asks."""
        request = getattr(self, "request", None)
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            from allauth.account.internal.flows.login import get_authentication_records
            from allauth.mfa.models import Authenticator

            timeout = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
            since = timezone.now() - dt.timedelta(seconds=timeout)
            enrolled_before = Authenticator.objects.filter(user=request.user, created_at__lt=since)
            records = get_authentication_records(request, request.user)
            if (
                not enrolled_before.exists()
                and records
                and time.time() - records[-1]["at"] < timeout
            ):
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

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

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed logins count per address *and network*: five wrong passwords from one
        network lock that address for that network only, so that nobody can lock a client
        or a colleague out from elsewhere, while each network's guesses stay throttled (and
        every network's, 20 a minute, by the per-IP limit). An IPv6 network is its /64,
        which one subscriber gets whole."""
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{login_network(self.get_client_ip(request))}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Besides allauth's five failures per address and network: twenty per address from
        one wider network (an IPv4 /24, an IPv6 /48, what one subscriber or one tunnel
        broker's customer gets at most), so that many addresses of one block do not each
        get five guesses; a client elsewhere is never locked out."""
        if cache.get(self._wide_key(request, **credentials), 0) >= WIDE_NETWORK_FAILURES:
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        key = self._wide_key(request, **credentials)
        if not cache.add(key, 1, timeout=WIDE_NETWORK_WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired meanwhile
                cache.add(key, 1, timeout=WIDE_NETWORK_WINDOW)
        super().authentication_failed(request, **credentials)

    def _wide_key(self, request: HttpRequest, **credentials: Any) -> str:
        login = super()._get_login_attempts_cache_key(request, **credentials)
        digest = hashlib.sha256(f"{login}:{wide_network(self.get_client_ip(request))}".encode())
        return f"login-failed-wide:{digest.hexdigest()}"

    def format_email_subject(self, subject: str) -> str:
        return f"[{Controller.load().display_name}] {subject}"

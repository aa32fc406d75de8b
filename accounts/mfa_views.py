"""A staff member's first login: the password once, then the authenticator app, then the
page they were going to (the admin), with the recovery codes offered to download once."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

NEXT_KEY = "mfa_activate_next"


class StaffActivateTOTPView(ActivateTOTPView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The form posts to its own address without ?next=: where to go is kept meanwhile.
        wanted = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            request.session[NEXT_KEY] = wanted
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        if self.did_generate_recovery_codes:
            messages.success(
                self.request,
                format_html(
                    '<a href="{}">{}</a> {}',
                    reverse("mfa_download_recovery_codes"),
                    _("Téléchargez vos codes de secours"),
                    _(
                        "et gardez-les hors de votre téléphone : ils ouvrent l'accès si "
                        "vous le perdez. Ce lien n'est proposé qu'une fois."
                    ),
                ),
            )
        wanted = self.request.session.pop(NEXT_KEY, "")
        return wanted or str(super().get_success_url())


activate_totp = StaffActivateTOTPView.as_view()

"""What every marketing email and SMS must carry: a free, simple way out (CPCE L34-5)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Client
from consent.models import Purpose
from consent.tokens import make_token


def unsubscribe_url(client: Client, purpose: Purpose) -> str:
    token = make_token(client_id=client.pk, purpose_id=purpose.pk)
    return settings.PORTAL_BASE_URL + reverse("consent_unsubscribe", kwargs={"token": token})


def marketing_email_headers(client: Client, purpose: Purpose) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients show a button that POSTs to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(client, purpose)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def sms_opt_out(client: Client, purpose: Purpose) -> str:
    """The end of every marketing SMS: "STOP" where the sender receives replies, a short
    link to the unsubscribe page otherwise."""
    if settings.SMS_REPLIES_ENABLED:
        return _("STOP pour ne plus recevoir")
    return _("Désinscription : %(url)s") % {"url": unsubscribe_url(client, purpose)}

"""allauth announces a verified change of login address only through a signal; the receiver
hands it to the accounts service, where the change to the client record is made and audited."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed
from django.dispatch import receiver

from accounts import services
from portal.audit import Actor


@receiver(email_changed)
def _login_email_changed(
    sender: Any, request: Any, user: Any, to_email_address: Any, **kwargs: Any
) -> None:
    by = Actor.from_request(request) if request is not None else Actor(user=user)
    services.client_login_email_changed(user=user, email=to_email_address.email, by=by)

"""The public contact form: a prospect is created (or found), the request kept, and the
marketing choices ticked on the form confirmed by a link sent to the address given, so that
nobody can sign somebody else up (double opt-in, as the CNIL recommends)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Client, ContactRequest
from consent.models import Channel, ConsentRecord, Method, PurposeWording
from consent.services import Proof, consent_set
from portal.audit import Actor, audit_log
from portal.contacts import contact_digest
from portal.mail import send_email

logger = logging.getLogger(__name__)

CONFIRMATION_SALT = "consent.double-opt-in"
CONFIRMATION_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class ContactDetails:
    civility: str
    first_name: str
    last_name: str
    email: str
    phone: str
    postal_code: str


def contact_request_submit(
    *,
    details: ContactDetails,
    kind: str,
    message: str,
    wordings: Sequence[PurposeWording],
    by: Actor,
) -> ContactRequest:
    """Keep the request; a known address is attached to its client, a new one becomes a
    prospect. The ticked purposes are only asked, by email, not yet recorded."""
    with transaction.atomic():
        digest = contact_digest("email", details.email)
        client = Client.objects.filter(email_digest=digest).order_by("pk").first()
        if client is None:
            client = accounts.client_create(
                data={
                    "civility": details.civility,
                    "first_name": details.first_name,
                    "last_name": details.last_name,
                    "email": details.email,
                    "phone": details.phone,
                    "postal_code": details.postal_code,
                    "status": Client.Status.PROSPECT,
                    "source": "Formulaire de contact du site",
                    "last_contact_at": timezone.now(),
                },
                by=by,
            )
        # A known address: its record is left as it is, since anybody can type an address
        # (not even the date of last contact, which would extend its retention).
        request = ContactRequest.objects.create(client=client, kind=kind, message=message)
        audit_log(
            action="accounts.contact_request.received",
            by=by,
            client=client,
            target=request,
            payload={"kind": kind, "purposes_asked": len(wordings)},
        )
        if wordings:
            token = signing.dumps(
                {"c": client.pk, "w": [w.pk for w in wordings]},
                salt=CONFIRMATION_SALT,
                compress=True,
            )
            transaction.on_commit(
                partial(
                    _send_confirmation, client_id=client.pk, token=token, wordings=list(wordings)
                ),
                robust=True,
            )
    return request


def _send_confirmation(*, client_id: int, token: str, wordings: list[PurposeWording]) -> None:
    client = Client.objects.get(pk=client_id)
    send_email(
        "marketing_confirmation",
        to=client.email,
        language=client.language,
        context={
            "labels": [w.label for w in wordings],
            "url": settings.PORTAL_BASE_URL + reverse("consent_confirm", kwargs={"token": token}),
            "days": CONFIRMATION_MAX_AGE.days,
        },
    )


class ConfirmationInvalid(Exception):
    pass


def confirmation_read(token: str) -> tuple[Client, list[PurposeWording]]:
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
        client = Client.objects.get(pk=data["c"])
    except (signing.BadSignature, KeyError, TypeError, Client.DoesNotExist):
        raise ConfirmationInvalid from None
    wordings = list(PurposeWording.objects.filter(pk__in=data["w"]).select_related("purpose"))
    # Only what the link proves: the email address.
    return client, [
        w for w in wordings if w.purpose.is_active and w.purpose.channel == Channel.EMAIL
    ]


def confirmation_accept(*, token: str, by: Actor, user_agent: str = "") -> list[ConsentRecord]:
    """Record the consents the form asked for, with the wording that was shown there. Using
    the link twice records them once."""
    client, wordings = confirmation_read(token)
    reference = "double-opt-in:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    records = []
    with transaction.atomic():
        for wording in wordings:
            if ConsentRecord.objects.filter(
                client=client, wording=wording, proof=reference
            ).exists():
                continue
            records.append(
                consent_set(
                    client=client,
                    purpose=wording.purpose,
                    granted=True,
                    proof=Proof(method=Method.FORM, user_agent=user_agent, reference=reference),
                    by=by,
                    wording=wording,
                )
            )
    return records

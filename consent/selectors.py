"""The one question asked before every send, and the reads of a client's choices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Client
from consent.models import Channel, ConsentRecord, ConsentState, Purpose, Suppression
from portal.dates import add_months

# CNIL: customer data used for prospection, 3 years after the end of the relationship.
SOFT_OPT_IN_MONTHS = 36

_DIGESTS = {
    Channel.EMAIL: (("email_digest", Suppression.Kind.EMAIL),),
    Channel.SMS: (("phone_digest", Suppression.Kind.PHONE),),
    # Sharing with partners reaches the person by every channel: any opposition counts.
    Channel.NONE: (
        ("email_digest", Suppression.Kind.EMAIL),
        ("phone_digest", Suppression.Kind.PHONE),
    ),
}


def channel_kinds(purpose: Purpose) -> list[str]:
    return [kind for _field, kind in _DIGESTS[Channel(purpose.channel)]]


def _purpose(purpose: Purpose | str) -> Purpose:
    return purpose if isinstance(purpose, Purpose) else Purpose.objects.get(key=purpose)


def soft_opt_in_start(purpose: Purpose, today: dt.date | None = None) -> dt.date | None:
    """The earliest purchase that opens soft opt-in for `purpose` today, or None when the
    purpose does not allow it: a purchase made since the business enabled it (when the
    opt-out was offered at collection) and within the last 3 years."""
    if not purpose.allows_soft_opt_in or purpose.soft_opt_in_since is None:
        return None
    recent = add_months(today or timezone.localdate(), -SOFT_OPT_IN_MONTHS)
    return max(purpose.soft_opt_in_since, recent)


def contactable(clients: QuerySet[Client], purpose: Purpose | str) -> QuerySet[Client]:
    """The clients of `clients` that `purpose` may reach, selected in SQL.

    A client may be contacted when they consented, or when soft opt-in applies (a recent
    purchase and no refusal); and in both cases they are neither restricted (art. 18) nor
    on the suppression list for this purpose on its channel.
    """
    purpose = _purpose(purpose)
    if not purpose.is_active:
        return clients.none()
    states = ConsentState.objects.filter(client=OuterRef("pk"), purpose=purpose)
    basis = Q(Exists(states.filter(granted=True)))
    start = soft_opt_in_start(purpose)
    if start is not None:
        basis |= Q(last_purchase_on__gte=start) & ~Q(Exists(states.filter(granted=False)))
    audience = clients.filter(basis, is_restricted=False)
    for field, kind in _DIGESTS[Channel(purpose.channel)]:
        listed = Suppression.objects.filter(
            kind=kind, digest=OuterRef(field), scope__in=("", purpose.key), lifted_at__isnull=True
        )
        audience = audience.exclude(Exists(listed))
    if purpose.channel == Channel.EMAIL:
        audience = audience.exclude(email="")
    elif purpose.channel == Channel.SMS:
        audience = audience.exclude(phone="")
    return audience


def may_contact(client: Client, purpose: Purpose | str) -> bool:
    return contactable(Client.objects.filter(pk=client.pk), purpose).exists()


@dataclass(frozen=True)
class Choice:
    purpose: Purpose
    granted: bool  # what the switch shows: on when consent was given or soft opt-in applies
    last: ConsentRecord | None
    soft_opt_in: bool  # on because the client bought recently, not because they said yes
    suppressed: bool  # on the suppression list for this purpose: nothing is sent


def client_choices(client: Client) -> list[Choice]:
    """Each active purpose with the client's current choice: three queries, whatever the
    length of the history."""
    purposes = list(Purpose.objects.filter(is_active=True).select_related("wording"))
    states = {
        state.purpose_id: state
        for state in ConsentState.objects.filter(client=client).select_related("record")
    }
    listed = [(s.kind, s.scope) for s in client_suppressions(client)]
    choices = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        start = soft_opt_in_start(purpose)
        soft = (
            state is None
            and start is not None
            and client.last_purchase_on is not None
            and client.last_purchase_on >= start
        )
        choices.append(
            Choice(
                purpose=purpose,
                granted=state.granted if state is not None else soft,
                last=state.record if state is not None else None,
                soft_opt_in=soft,
                suppressed=any(
                    kind in channel_kinds(purpose) and scope in ("", purpose.key)
                    for kind, scope in listed
                ),
            )
        )
    return choices


def client_history(client: Client, purpose: Purpose | None = None) -> QuerySet[ConsentRecord]:
    records = ConsentRecord.objects.filter(client=client).select_related(
        "purpose__wording", "wording"
    )
    return records.filter(purpose=purpose) if purpose is not None else records


def client_suppressions(client: Client) -> QuerySet[Suppression]:
    digests = Q(kind=Suppression.Kind.EMAIL, digest=client.email_digest or "-") | Q(
        kind=Suppression.Kind.PHONE, digest=client.phone_digest or "-"
    )
    return Suppression.objects.filter(digests, lifted_at__isnull=True)

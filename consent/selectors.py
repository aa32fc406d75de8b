"""The one question asked before every send, and the reads of a client's choices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Client
from consent.models import Channel, ConsentRecord, ConsentState, Purpose, Suppression

_DIGESTS = {
    Channel.EMAIL: (("email_digest", Suppression.Kind.EMAIL),),
    Channel.SMS: (("phone_digest", Suppression.Kind.PHONE),),
    # Sharing with partners reaches the person by every channel: any opposition counts.
    Channel.NONE: (
        ("email_digest", Suppression.Kind.EMAIL),
        ("phone_digest", Suppression.Kind.PHONE),
    ),
}


def _purpose(purpose: Purpose | str) -> Purpose:
    return purpose if isinstance(purpose, Purpose) else Purpose.objects.get(key=purpose)


def contactable(clients: QuerySet[Client], purpose: Purpose | str) -> QuerySet[Client]:
    """The clients of `clients` that `purpose` may reach, selected in SQL.

    A client may be contacted when they consented, or when soft opt-in is enabled for the
    purpose, they have an actual purchase and have not said no; and in both cases they are
    neither restricted (art. 18) nor on the suppression list for the purpose's channel.
    """
    purpose = _purpose(purpose)
    if not purpose.is_active:
        return clients.none()
    states = ConsentState.objects.filter(client=OuterRef("pk"), purpose=purpose)
    basis = Q(Exists(states.filter(granted=True)))
    if purpose.allows_soft_opt_in:
        basis |= Q(last_purchase_on__isnull=False) & ~Q(Exists(states.filter(granted=False)))
    audience = clients.filter(basis, is_restricted=False)
    for field, kind in _DIGESTS[Channel(purpose.channel)]:
        listed = Suppression.objects.filter(
            kind=kind, digest=OuterRef(field), lifted_at__isnull=True
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
    granted: bool
    last: ConsentRecord | None


def client_choices(client: Client) -> list[Choice]:
    """Each active purpose with the client's current choice: two queries, whatever the
    length of the history."""
    purposes = list(Purpose.objects.filter(is_active=True).select_related("wording"))
    states = {
        state.purpose_id: state
        for state in ConsentState.objects.filter(client=client).select_related("record")
    }
    return [
        Choice(
            purpose=purpose,
            granted=states[purpose.pk].granted if purpose.pk in states else False,
            last=states[purpose.pk].record if purpose.pk in states else None,
        )
        for purpose in purposes
    ]


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

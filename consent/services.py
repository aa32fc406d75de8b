"""Every change of a marketing choice goes through `consent_set`: it appends to the ledger,
updates the current state in the same transaction, and writes the audit trail."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Client
from consent.exceptions import InactivePurpose, NoteRequired
from consent.models import (
    STAFF_METHODS,
    Channel,
    ConsentRecord,
    ConsentState,
    Method,
    Purpose,
    PurposeWording,
    Suppression,
)
from consent.selectors import channel_kinds
from portal.audit import Actor, audit_log
from portal.contacts import contact_digest
from portal.dates import add_months

SUPPRESSION_MONTHS = 36  # CNIL: opposition records kept at least 3 years
# Ways a person gives a new, active consent, which lifts an earlier opposition on that channel.
ACTIVE_METHODS = (Method.PORTAL, Method.FORM, *STAFF_METHODS)


def truncate_ip(ip: str | None) -> str | None:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


@dataclass(frozen=True)
class Proof:
    """How a choice reached us (GDPR art. 7(1))."""

    method: str
    user_agent: str = ""
    reference: str = ""
    note: str = ""


def consent_set(
    *,
    client: Client,
    purpose: Purpose,
    granted: bool,
    proof: Proof,
    by: Actor,
    wording: PurposeWording | None = None,
) -> ConsentRecord:
    """Record one choice. Choices of one client are recorded one at a time (the client row
    is locked), so the current state is always the latest record, however fast the switch
    is toggled."""
    if proof.method in STAFF_METHODS and not proof.note.strip():
        raise NoteRequired
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).exists()
        purpose = Purpose.objects.select_related("wording").get(pk=purpose.pk)
        if not purpose.is_active and granted:
            raise InactivePurpose
        # The text the person saw: the one in force, or the one shown on a form earlier.
        shown = (
            wording if wording is not None and wording.purpose_id == purpose.pk else purpose.wording
        )
        assert shown is not None
        now = timezone.now()
        record = ConsentRecord.objects.create(
            client=client,
            purpose=purpose,
            granted=granted,
            wording=shown,
            method=proof.method,
            at=now,
            # The address the person acted from; none when staff act for them.
            ip=None
            if proof.method in STAFF_METHODS or (by.user is not None and by.user.is_staff)
            else truncate_ip(by.ip),
            user_agent=proof.user_agent[:300],
            proof=proof.reference[:200],
            note=proof.note.strip(),
            recorded_by=by.user if by.user is not None and by.user.is_staff else None,
        )
        ConsentState.objects.update_or_create(
            client=client,
            purpose=purpose,
            defaults={"granted": granted, "record": record, "updated_at": now},
        )
        audit_log(
            action="consent.choice.granted" if granted else "consent.choice.withdrawn",
            by=by,
            client=client,
            target=record,
            payload={"purpose": purpose.key, "method": proof.method},
        )
        if granted and proof.method in ACTIVE_METHODS:
            _lift_for_new_consent(client, purpose, proof.method, by)
        elif not granted:
            # Every withdrawal is an opposition to this purpose: listed 3 years, so that the
            # same contact imported again is not solicited for it.
            suppression_add_client(
                client=client,
                reason=Suppression.Reason.WITHDRAWAL,
                by=by,
                kinds=channel_kinds(purpose),
                scope=purpose.key,
            )
            if _withdrew_every_purpose(client):
                suppression_add_client(
                    client=client, reason=Suppression.Reason.WITHDRAWAL_ALL, by=by
                )
    return record


def consent_withdraw(
    *, client: Client, purpose: Purpose, proof: Proof, by: Actor
) -> ConsentRecord | None:
    """Withdraw a choice unless it already is: one record however often, and however many at
    once, the same withdrawal arrives (a mail client's one-click POST sent again, a
    provider's event replayed, a STOP texted twice). None when nothing changed."""
    with transaction.atomic():
        # The client's row is the lock every choice of theirs queues on (consent_set).
        Client.objects.select_for_update().filter(pk=client.pk).exists()
        if ConsentState.objects.filter(client=client, purpose=purpose, granted=False).exists():
            return None
        return consent_set(client=client, purpose=purpose, granted=False, proof=proof, by=by)


def consent_withdraw_all(*, client: Client, proof: Proof, by: Actor) -> int:
    """ "Ne plus rien recevoir": every marketing purpose withdrawn at once, each recorded like
    any other withdrawal; a purpose never answered is recorded refused too, so that no soft
    opt-in starts later. Returns how many choices changed."""
    with transaction.atomic():
        purposes = Purpose.objects.filter(is_active=True).order_by("pk")
        changed = [
            consent_withdraw(client=client, purpose=purpose, proof=proof, by=by)
            for purpose in purposes
        ]
    return sum(record is not None for record in changed)


def _withdrew_every_purpose(client: Client) -> bool:
    active = Purpose.objects.filter(is_active=True)
    withdrawn = ConsentState.objects.filter(client=client, purpose__in=active, granted=False)
    return withdrawn.count() == active.count()


def _lift_for_new_consent(client: Client, purpose: Purpose, method: str, by: Actor) -> None:
    """A new, active consent ends the client's opposition to this purpose on its channel.
    A public form proves only the email address, so it never lifts a phone's listing."""
    digests: dict[str, str] = {
        Suppression.Kind.EMAIL: client.email_digest,
        Suppression.Kind.PHONE: client.phone_digest,
    }
    kinds = [
        kind
        for kind in channel_kinds(purpose)
        if digests[kind] and not (method == Method.FORM and kind == Suppression.Kind.PHONE)
    ]
    for kind in kinds:
        lifted = Suppression.objects.filter(
            kind=kind,
            digest=digests[kind],
            scope__in=("", purpose.key),
            lifted_at__isnull=True,
        ).update(lifted_at=timezone.now())
        if lifted:
            audit_log(
                action="consent.suppression.lifted",
                by=by,
                client=client,
                payload={"kind": kind, "purpose": purpose.key},
            )


def suppression_add(*, kind: str, digest: str, reason: str, scope: str = "") -> Suppression | None:
    """List a digest for one purpose (or every purpose, scope ""), or extend its listing:
    it stays 3 years after the latest opposition."""
    if not digest:
        return None
    now = timezone.now()
    expires = add_months(now, SUPPRESSION_MONTHS)
    with transaction.atomic():
        entry = (
            Suppression.objects.select_for_update()
            .filter(kind=kind, digest=digest, scope=scope, lifted_at__isnull=True)
            .first()
        )
        if entry is None:
            try:
                with transaction.atomic():
                    return Suppression.objects.create(
                        kind=kind,
                        digest=digest,
                        scope=scope,
                        reason=reason,
                        created_at=now,
                        expires_at=expires,
                    )
            except IntegrityError:
                # The same opposition arrived twice at once (a provider's retry): the other
                # one listed the contact first; extend its listing instead.
                entry = (
                    Suppression.objects.select_for_update()
                    .filter(kind=kind, digest=digest, scope=scope, lifted_at__isnull=True)
                    .get()
                )
        # The latest opposition sets the reason and restarts the 3 years.
        entry.expires_at = max(entry.expires_at, expires)
        entry.reason = reason
        entry.save(update_fields=["expires_at", "reason"])
        return entry


def suppression_add_client(
    *,
    client: Client,
    reason: str,
    by: Actor,
    kinds: list[str] | None = None,
    scope: str = "",
) -> int:
    """Put the client's email address and phone number (or only `kinds`) on the suppression
    list, for one purpose or, with scope "", for all."""
    digests: dict[str, str] = {
        Suppression.Kind.EMAIL: client.email_digest,
        Suppression.Kind.PHONE: client.phone_digest,
    }
    listed = 0
    for kind in kinds if kinds is not None else list(digests):
        if suppression_add(kind=kind, digest=digests[kind], reason=reason, scope=scope):
            listed += 1
    if listed:
        audit_log(
            action="consent.suppression.added",
            by=by,
            client=client,
            payload={"reason": reason, "purpose": scope or "all"},
        )
    return listed


def sms_stop_received(*, phone: str, message_sid: str, by: Actor) -> int:
    """A STOP from `phone`: SMS marketing is withdrawn for every client with that number,
    and the number is listed so that no later import is texted either. Returns the number
    of clients whose choice changed."""
    return _opt_out_received(
        kind=Suppression.Kind.PHONE,
        contact=phone,
        method=Method.SMS_STOP,
        reason=Suppression.Reason.SMS_STOP,
        reference=message_sid,
        by=by,
    )


def email_opt_out_received(*, email: str, complaint: bool, reference: str, by: Actor) -> int:
    """The mail provider says `email` unsubscribed from its mail program, or reported a
    message as spam: email marketing is withdrawn for every client with that address, and
    the address is listed. Returns the number of clients whose choice changed."""
    return _opt_out_received(
        kind=Suppression.Kind.EMAIL,
        contact=email,
        method=Method.PROVIDER_COMPLAINT if complaint else Method.PROVIDER_UNSUBSCRIBE,
        reason=Suppression.Reason.COMPLAINT if complaint else Suppression.Reason.WITHDRAWAL,
        reference=reference,
        by=by,
    )


def _opt_out_received(
    *, kind: str, contact: str, method: str, reason: str, reference: str, by: Actor
) -> int:
    """Withdraw every marketing purpose of the contact's channel for each client with that
    address or number, and list the contact. Providers retry and people send STOP twice: a
    purpose already withdrawn, or a listing already in force for the same reason, is left
    as it is, so a replayed event writes nothing new."""
    email = kind == Suppression.Kind.EMAIL
    digest = contact_digest("email" if email else "phone", contact)
    channel = Channel.EMAIL if email else Channel.SMS
    purposes = list(Purpose.objects.filter(channel=channel))
    field = "email_digest" if email else "phone_digest"
    changed = 0
    with transaction.atomic():
        # Locked in id order, as consent_set locks them, so that two retries of one event
        # queue behind each other and the second sees what the first wrote.
        clients = (
            list(Client.objects.select_for_update().filter(**{field: digest}).order_by("pk"))
            if digest
            else []
        )
        proof = Proof(method=method, reference=reference[:200])
        for client in clients:
            withdrawn = [
                consent_withdraw(client=client, purpose=purpose, proof=proof, by=by)
                for purpose in purposes
            ]
            changed += any(record is not None for record in withdrawn)
        listed = Suppression.objects.filter(
            kind=kind,
            digest=digest,
            scope="",
            reason=reason,
            lifted_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
        if digest and not listed:
            suppression_add(kind=kind, digest=digest, reason=reason)
    return changed


def consent_scrub_client(*, client: Client) -> int:
    """Erasure: the ledger keeps what was chosen, when, how and under which wording (the
    proof owed), and loses the address, browser, references and notes."""
    return consent_scrub_clients(clients=Client.objects.filter(pk=client.pk).values("pk"))


def consent_scrub_clients(*, clients: QuerySet[Any]) -> int:
    """The same for every client of `clients` (a queryset of client ids) in one statement:
    the purge does it for each batch of clients it anonymises."""
    if connection.vendor == "postgresql":
        # The exception to the ledger's append-only trigger opens only inside this function,
        # owned by the role that ran the migrations (consent/migrations/0005).
        ids = list(clients.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT consent_scrub(%s)", [ids])
            return int(cursor.fetchone()[0])
    return ConsentRecord.objects.filter(client__in=clients, scrubbed_at__isnull=True).update(
        ip=None, user_agent="", proof="", note="", scrubbed_at=timezone.now()
    )


def purpose_set_wording(*, purpose: Purpose, label: str, explanation: str, by: Actor) -> Purpose:
    """A changed text becomes a new version; the versions already shown stay as they were."""
    with transaction.atomic():
        purpose = (
            Purpose.objects.select_for_update(of=("self",))
            .select_related("wording")
            .get(pk=purpose.pk)
        )
        current = purpose.wording
        if current is not None and (current.label, current.explanation) == (label, explanation):
            return purpose
        version = (current.version if current is not None else 0) + 1
        purpose.wording = purpose.wordings.create(
            version=version, label=label, explanation=explanation
        )
        purpose.save(update_fields=["wording"])
        audit_log(
            action="consent.purpose.reworded",
            by=by,
            target=purpose,
            payload={"purpose": purpose.key, "version": version},
        )
    return purpose

"""The audit trail: append an event, scrub a person's identity from it, verify the chain."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from accounts.models import Client, User

GENESIS_HASH = "0" * 64
# No event younger than this leaves the trail by retention: the database function that
# deletes events refuses them (portal/migrations/0007), and anchors rely on it.
AUDIT_MIN_RETENTION_DAYS = 180
ACTION_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
# Payloads hold codes, counts, ids, dates and field names, never personal data: keys are
# identifiers, strings are short tokens without spaces or "@", and no run of 8 digits (a
# phone number) may appear.
_PAYLOAD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PAYLOAD_TOKEN = re.compile(r"^[\w.:+\-]{0,64}$")
_PHONE_LIKE = re.compile(r"\d{8}")


@dataclass(frozen=True)
class Actor:
    """Who performs an action, and from where."""

    user: User | None = None
    ip: str | None = None
    # Who acts when there is no login: "client" for a person using an unsubscribe link or
    # answering STOP; otherwise it follows from the user.
    kind: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, *, kind: str | None = None) -> Actor:
        user = request.user if request.user.is_authenticated else None
        try:
            # The same address allauth throttles logins by, proxy-aware.
            ip: str | None = get_account_adapter(request).get_client_ip(request)
        except PermissionDenied:
            ip = None
        return cls(user=user, ip=ip, kind=kind)

    @classmethod
    def system(cls) -> Actor:
        return cls()


class AuditPayloadError(ValueError):
    pass


def _check_payload(payload: Mapping[str, Any]) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str) or not _PAYLOAD_KEY.match(key):
                    raise AuditPayloadError(f"Audit payload keys are identifiers: {key!r}")
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            if not _PAYLOAD_TOKEN.match(value) or _PHONE_LIKE.search(value):
                raise AuditPayloadError("An audit payload may not hold personal data.")
        elif value is not None and not isinstance(value, bool | int | float):
            raise AuditPayloadError(f"Unsupported audit payload value: {type(value).__name__}")

    walk(payload)


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _actor_digest(*, actor_id: int | None, ip: str | None) -> str:
    return hashlib.sha256(_canonical({"actor": actor_id, "ip": ip})).hexdigest()


def _subject_digest(*, nonce: str, client_id: int | None, target_type: str, target_id: str) -> str:
    return hashlib.sha256(
        _canonical({"nonce": nonce, "client": client_id, "target": [target_type, target_id]})
    ).hexdigest()


def _event_hash(
    *,
    prev_hash: str,
    at: datetime,
    action: str,
    actor_kind: str,
    payload: Mapping[str, Any],
    actor_digest: str,
    subject_digest: str,
) -> str:
    """The event's link in the chain: an HMAC keyed with AUDIT_HMAC_KEY, which lives in the
    environment and never in the database, so that whoever can write the database cannot
    forge a chain that verifies."""
    return hmac.new(
        chain_key(),
        _canonical(
            {
                "prev": prev_hash,
                "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                "action": action,
                "actor_kind": actor_kind,
                "payload": payload,
                "actor": actor_digest,
                "subject": subject_digest,
            }
        ),
        hashlib.sha256,
    ).hexdigest()


def chain_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


def checkpoint_signature(event_id: int, event_hash: str) -> str:
    """The retention checkpoint, signed: without the key nobody can move it forward to hide
    events deleted from the start of the chain."""
    message = f"checkpoint|{event_id}|{event_hash}".encode()
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def _actor_kind(by: Actor) -> str:
    if by.kind is not None:
        return AuditEvent.ActorKind(by.kind)
    if by.user is None:
        return AuditEvent.ActorKind.SYSTEM
    return AuditEvent.ActorKind.STAFF if by.user.is_staff else AuditEvent.ActorKind.CLIENT


def audit_log(
    *,
    action: str,
    by: Actor,
    client: Client | None = None,
    target: models.Model | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, in the caller's transaction."""
    if not ACTION_PATTERN.match(action):
        raise ValueError(f"Audit action must be dotted, like 'app.object.verb': {action!r}")
    payload = dict(payload or {})
    _check_payload(payload)
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    actor_id = by.user.pk if by.user is not None else None
    client_id = client.pk if client is not None else None
    actor_kind = _actor_kind(by)
    nonce = secrets.token_hex(16)
    actor_digest = _actor_digest(actor_id=actor_id, ip=by.ip)
    subject_digest = _subject_digest(
        nonce=nonce, client_id=client_id, target_type=target_type, target_id=target_id
    )
    with transaction.atomic():
        head = _locked_head()
        at = timezone.now()
        event = AuditEvent.objects.create(
            at=at,
            action=action,
            actor_kind=actor_kind,
            actor_id=actor_id,
            client_id=client_id,
            ip=by.ip,
            target_type=target_type,
            target_id=target_id,
            payload=payload,
            subject_nonce=nonce,
            actor_digest=actor_digest,
            subject_digest=subject_digest,
            prev_hash=head.last_hash,
            hash=_event_hash(
                prev_hash=head.last_hash,
                at=at,
                action=action,
                actor_kind=actor_kind,
                payload=payload,
                actor_digest=actor_digest,
                subject_digest=subject_digest,
            ),
        )
        head.last_event_id = event.pk
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_event_id", "last_hash", "count"])
    return event


def audit_scrub_client(*, client: Client) -> int:
    """Blank, in the audit trail, whom events were about and what the client did from where
    (erasure). Returns the rows touched. The events stay, with their actions and dates; what
    staff did stays attributed to them. On PostgreSQL a trigger refuses any other UPDATE."""
    now = timezone.now()
    subject_blank: dict[str, Any] = {
        "client": None,
        "target_type": "",
        "target_id": "",
        "subject_nonce": "",
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The exception to the append-only trigger opens only inside this function,
            # owned by the role that ran the migrations (portal/migrations/0007).
            with connection.cursor() as cursor:
                cursor.execute("SELECT portal_audit_scrub(%s, %s)", [client.pk, client.user_id])
                return int(cursor.fetchone()[0])
        touched = 0
        if client.user_id:
            touched += AuditEvent.objects.filter(
                actor_id=client.user_id, actor_kind=AuditEvent.ActorKind.CLIENT
            ).update(actor=None, ip=None, scrubbed_at=now, **subject_blank)
        touched += AuditEvent.objects.filter(client=client).update(scrubbed_at=now, **subject_blank)
    return touched


def audit_purge_through(event_id: int) -> int:
    """Delete the events from the start of the chain up to `event_id` (retention), keeping
    the last one's hash as the checkpoint verification starts from. Returns the rows deleted."""
    with transaction.atomic():
        head = _locked_head()
        last = (
            AuditEvent.objects.filter(id__lte=event_id).order_by("-id").values("id", "hash").first()
        )
        if last is None:
            return 0
        if connection.vendor == "postgresql":
            # Through the migration role's function, which also refuses events younger than
            # AUDIT_MIN_RETENTION_DAYS whoever asks.
            with connection.cursor() as cursor:
                cursor.execute("SELECT portal_audit_purge_through(%s)", [last["id"]])
                deleted = int(cursor.fetchone()[0])
        else:
            deleted, _per_model = AuditEvent.objects.filter(id__lte=last["id"]).delete()
        head.anchor_event_id = last["id"]
        head.anchor_hash = last["hash"]
        head.anchor_signature = checkpoint_signature(last["id"], last["hash"])
        head.count -= deleted
        head.save(update_fields=["anchor_event_id", "anchor_hash", "anchor_signature", "count"])
    return deleted


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # An emptied database (manage.py flush) starts a new chain from the genesis hash.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _chain_head() -> AuditChainHead:
    return AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(last_hash=GENESIS_HASH)


def audit_chain_verify() -> ChainReport:
    """Recompute every hash, in order, up to the chain's head as it stands when the check
    starts (events appended meanwhile are left for the next check)."""
    head = _chain_head()
    checkpoint = head.anchor_event_id or 0
    if checkpoint and not hmac.compare_digest(
        head.anchor_signature, checkpoint_signature(checkpoint, head.anchor_hash)
    ):
        return ChainReport(0, checkpoint, "checkpoint-forged")
    if AuditEvent.objects.filter(id__lte=checkpoint).exists():
        # Rows behind the checkpoint were inserted there: the purge leaves none.
        return ChainReport(0, checkpoint, "foreign-rows")
    # From the checkpoint the retention purge left, if any.
    prev_hash = head.anchor_hash or GENESIS_HASH
    checked = 0
    last_id: int | None = None
    rows = (
        AuditEvent.objects.filter(id__lte=head.last_event_id or 0, id__gt=head.anchor_event_id or 0)
        .order_by("id")
        .values()
    )
    for row in rows.iterator(chunk_size=2000):
        reason = _row_fault(row, prev_hash)
        if reason:
            return ChainReport(checked, row["id"], reason)
        prev_hash = row["hash"]
        last_id = row["id"]
        checked += 1
    if head.last_hash != prev_hash or head.count != checked:
        return ChainReport(checked, last_id, "tail-missing")
    # Rows past the head: an event and the head it moves commit together, so a row seen
    # beyond a head read after it was inserted outside the chain.
    beyond = list(
        AuditEvent.objects.filter(id__gt=head.last_event_id or 0).values_list("id", flat=True)
    )
    if beyond:
        now_head = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", flat=True)
        latest = now_head.first() or 0
        foreign = [pk for pk in beyond if pk > latest]
        if foreign:
            return ChainReport(checked, foreign[0], "foreign-rows")
    return ChainReport(checked)


def _row_fault(row: Mapping[str, Any], prev_hash: str) -> str:
    """Why this row breaks the chain, or "" when it does not."""
    if row["prev_hash"] != prev_hash:
        return "missing-or-reordered"
    actor = _actor_digest(actor_id=row["actor_id"], ip=row["ip"])
    subject = _subject_digest(
        nonce=row["subject_nonce"],
        client_id=row["client_id"],
        target_type=row["target_type"],
        target_id=row["target_id"],
    )
    if row["scrubbed_at"] is None:
        if actor != row["actor_digest"] or subject != row["subject_digest"]:
            return "identity-altered"
    else:
        subject_blank = not (
            row["client_id"] or row["target_type"] or row["target_id"] or row["subject_nonce"]
        )
        # Only the client's own actions lose their author on erasure; staff's never do.
        own_blank = row["actor_kind"] == AuditEvent.ActorKind.CLIENT and (
            row["actor_id"] is None and row["ip"] is None
        )
        if not subject_blank or (actor != row["actor_digest"] and not own_blank):
            return "identity-altered"
    expected = _event_hash(
        prev_hash=prev_hash,
        at=row["at"],
        action=row["action"],
        actor_kind=row["actor_kind"],
        payload=row["payload"],
        actor_digest=row["actor_digest"],
        subject_digest=row["subject_digest"],
    )
    return "content-altered" if expected != row["hash"] else ""


# What each action means, for the people it is about ("Vos données personnelles").
ACTION_LABELS: dict[str, Any] = {}


def register_action_labels(labels: Mapping[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def client_action_label(action: str) -> str:
    """An action as the client it concerns reads it: never the portal's own name for it."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else str(_("Opération sur vos données"))

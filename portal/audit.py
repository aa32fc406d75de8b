"""The audit trail: append an event, scrub a person's identity from it, verify the chain."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from accounts.models import Client, User

GENESIS_HASH = "0" * 64
ACTION_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
# Payload values are codes, counts, ids and field names; anything that looks like an email
# address or a phone number is refused so that personal data cannot slip into the trail.
_SUSPECT_VALUE = re.compile(r"@|\+?\d[\d .-]{7,}\d")


@dataclass(frozen=True)
class Actor:
    """Who performs an action, and from where."""

    user: User | None = None
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if request.user.is_authenticated else None
        try:
            # The same address allauth throttles logins by, proxy-aware.
            ip: str | None = get_account_adapter(request).get_client_ip(request)
        except PermissionDenied:
            ip = None
        return cls(user=user, ip=ip)

    @classmethod
    def system(cls) -> Actor:
        return cls()


class AuditPayloadError(ValueError):
    pass


def _check_payload(payload: Mapping[str, Any]) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            if len(value) > 200 or _SUSPECT_VALUE.search(value):
                raise AuditPayloadError("An audit payload may not hold personal data.")
        elif value is not None and not isinstance(value, bool | int | float):
            raise AuditPayloadError(f"Unsupported audit payload value: {type(value).__name__}")

    walk(payload)


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _identity_digest(*, actor_id: int | None, client_id: int | None, ip: str | None) -> str:
    return hashlib.sha256(
        _canonical({"actor": actor_id, "client": client_id, "ip": ip})
    ).hexdigest()


def _event_hash(
    *,
    prev_hash: str,
    at: datetime,
    action: str,
    target_type: str,
    target_id: str,
    payload: Mapping[str, Any],
    identity_digest: str,
) -> str:
    return hashlib.sha256(
        _canonical(
            {
                "prev": prev_hash,
                "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                "action": action,
                "target": [target_type, target_id],
                "payload": payload,
                "identity": identity_digest,
            }
        )
    ).hexdigest()


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
    with transaction.atomic():
        head = _locked_head()
        at = timezone.now()
        identity = _identity_digest(actor_id=actor_id, client_id=client_id, ip=by.ip)
        event = AuditEvent.objects.create(
            at=at,
            action=action,
            actor_id=actor_id,
            client_id=client_id,
            ip=by.ip,
            target_type=target_type,
            target_id=target_id,
            payload=payload,
            identity_digest=identity,
            prev_hash=head.last_hash,
            hash=_event_hash(
                prev_hash=head.last_hash,
                at=at,
                action=action,
                target_type=target_type,
                target_id=target_id,
                payload=payload,
                identity_digest=identity,
            ),
        )
        head.last_event_id = event.pk
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_event_id", "last_hash", "count"])
    return event


def audit_scrub_client(*, client: Client) -> int:
    """Blank the identity of one client in the audit trail (erasure). Returns the rows touched.

    The events stay, with their actions and dates; only who they were about goes. On
    PostgreSQL a trigger refuses every other UPDATE of the table.
    """
    now = timezone.now()
    with transaction.atomic():
        _allow_scrub(True)
        touched = 0
        if client.user_id:
            # What the person did themselves: who, about whom and from where all go.
            touched += AuditEvent.objects.filter(actor_id=client.user_id).update(
                actor=None, client=None, ip=None, scrubbed_at=now
            )
        # What staff did about the person: the staff member and their address stay.
        touched += AuditEvent.objects.filter(client=client).update(client=None, scrubbed_at=now)
        _allow_scrub(False)
    return touched


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # An emptied database (manage.py flush) starts a new chain from the genesis hash.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _allow_scrub(allowed: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('portal.audit_scrub', %s, true)", ["on" if allowed else "off"]
            )


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify() -> ChainReport:
    """Walk the whole trail in order and recompute every hash."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    rows = AuditEvent.objects.order_by("id").values(
        "id",
        "at",
        "action",
        "actor_id",
        "client_id",
        "ip",
        "target_type",
        "target_id",
        "payload",
        "identity_digest",
        "prev_hash",
        "hash",
        "scrubbed_at",
    )
    for row in rows.iterator(chunk_size=2000):
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, row["id"], "missing-or-reordered")
        if row["scrubbed_at"] is None:
            identity = _identity_digest(
                actor_id=row["actor_id"], client_id=row["client_id"], ip=row["ip"]
            )
            if identity != row["identity_digest"]:
                return ChainReport(checked, row["id"], "identity-altered")
        expected = _event_hash(
            prev_hash=prev_hash,
            at=row["at"],
            action=row["action"],
            target_type=row["target_type"],
            target_id=row["target_id"],
            payload=row["payload"],
            identity_digest=row["identity_digest"],
        )
        if expected != row["hash"]:
            return ChainReport(checked, row["id"], "content-altered")
        prev_hash = row["hash"]
        last_id = row["id"]
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(last_hash=GENESIS_HASH)
    if head.last_hash != prev_hash or head.count != checked:
        return ChainReport(checked, last_id, "tail-missing")
    return ChainReport(checked)


# What each action means, for the people it is about ("Vos données personnelles").
ACTION_LABELS: dict[str, Any] = {}


def register_action_labels(labels: Mapping[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))

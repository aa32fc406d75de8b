"""Anchors of the audit chain: its head at one moment, signed with the chain's key and kept
outside the database (the log, a daily email to the DPO). Checked later by
`verify_audit_chain --anchor`, they reveal what the keyed chain alone cannot: events deleted
from its end, with the stored head moved back to match."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from portal.audit import AUDIT_MIN_RETENTION_DAYS, GENESIS_HASH, chain_key
from portal.models import AuditChainHead, AuditEvent

anchor_logger = logging.getLogger("portal.audit.anchor")


ANCHOR_PREFIX = "ancre-audit"
_ANCHOR = re.compile(
    r"ancre-audit (?P<date>\d{4}-\d{2}-\d{2}T[\d:.+-]+) evenement=(?P<event>\d+) "
    r"du=(?P<event_at>\d{4}-\d{2}-\d{2}T[\d:.+-]+) nombre=(?P<count>\d+) "
    r"empreinte=(?P<hash>[0-9a-f]{64}) signature=(?P<sig>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, signed with the chain's key: kept outside the
    database (the log, an email to the DPO), it lets an operator prove later that no event
    up to it was deleted or rewritten."""

    at: datetime
    event_id: int
    # When the sealed event happened: it may leave the trail by retention only once it is
    # AUDIT_MIN_RETENTION_DAYS old.
    event_at: datetime
    count: int
    hash: str

    def _signature(self) -> str:
        message = "|".join(
            (
                self.at.isoformat(),
                str(self.event_id),
                self.event_at.isoformat(),
                str(self.count),
                self.hash,
            )
        )
        return hmac.new(chain_key(), message.encode(), hashlib.sha256).hexdigest()

    def line(self) -> str:
        return (
            f"{ANCHOR_PREFIX} {self.at.isoformat()} evenement={self.event_id} "
            f"du={self.event_at.isoformat()} nombre={self.count} empreinte={self.hash} "
            f"signature={self._signature()}"
        )

    @classmethod
    def parse(cls, line: str) -> Anchor | None:
        """The anchor a line holds, or None when it holds none or its signature is wrong."""
        match = _ANCHOR.search(line)
        if match is None:
            return None
        try:
            at = datetime.fromisoformat(match["date"])
            event_at = datetime.fromisoformat(match["event_at"])
        except ValueError:
            return None
        anchor = cls(at, int(match["event"]), event_at, int(match["count"]), match["hash"])
        return anchor if hmac.compare_digest(anchor._signature(), match["sig"]) else None


def audit_anchor_take() -> Anchor | None:
    """The chain's head now, as an anchor; None while the chain is empty."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.last_event_id is None:
        return None
    last = AuditEvent.objects.filter(pk=head.last_event_id).values_list("at", flat=True).first()
    if last is None:
        return None
    return Anchor(
        at=timezone.now().replace(microsecond=0),
        event_id=head.last_event_id,
        event_at=last.replace(microsecond=0),
        count=head.count,
        hash=head.last_hash,
    )


def audit_anchor_check(anchor: Anchor) -> str:
    """Why the chain no longer holds what `anchor` saw ("" when it does). An event sealed by
    the anchor may since have left by retention, behind the checkpoint the purge signed, but
    only once it was old enough to: a younger one is missing."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(last_hash=GENESIS_HASH)
    checkpoint = head.anchor_event_id or 0
    if anchor.event_id <= checkpoint:
        old_enough = anchor.event_at < timezone.now() - timedelta(days=AUDIT_MIN_RETENTION_DAYS)
        if not old_enough:
            return "anchor-missing"
        if anchor.event_id < checkpoint:
            return ""  # purged since, past its retention: the signed checkpoint vouches for it
        return "" if head.anchor_hash == anchor.hash else "anchor-rewritten"
    stored = AuditEvent.objects.filter(pk=anchor.event_id).values_list("hash", flat=True).first()
    if stored is None or (head.last_event_id or 0) < anchor.event_id:
        return "anchor-missing"
    return "" if stored == anchor.hash else "anchor-rewritten"


def audit_anchor_publish() -> str:
    """Put the chain's head outside the database: a signed line in the log, and the same
    line emailed to the DPO (AUDIT_ANCHOR_EMAIL, or the DPO's address in the admin), who
    can hand it to `verify_audit_chain --anchor` on any later day."""
    from portal.mail import send_email
    from portal.models import Controller

    anchor = audit_anchor_take()
    if anchor is None:
        return ""
    line = anchor.line()
    anchor_logger.info("%s", line)
    controller = Controller.load()
    recipient = settings.AUDIT_ANCHOR_EMAIL or controller.dpo_email or controller.email
    if recipient:
        send_email("audit_anchor", to=recipient, context={"line": line, "anchor": anchor})
    else:
        anchor_logger.warning("No DPO address: the audit anchor was only logged")
    return line

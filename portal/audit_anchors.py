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
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from portal.audit import GENESIS_HASH, chain_key
from portal.models import AuditChainHead, AuditEvent

anchor_logger = logging.getLogger("portal.audit.anchor")


ANCHOR_PREFIX = "ancre-audit"
_ANCHOR = re.compile(
    r"ancre-audit (?P<date>\d{4}-\d{2}-\d{2}T[\d:.+-]+) evenement=(?P<event>\d+) "
    r"nombre=(?P<count>\d+) empreinte=(?P<hash>[0-9a-f]{64}) signature=(?P<sig>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, signed with the chain's key: kept outside the
    database (the log, an email to the DPO), it lets an operator prove later that no event
    up to it was deleted or rewritten."""

    at: datetime
    event_id: int
    count: int
    hash: str

    def _signature(self) -> str:
        message = f"{self.at.isoformat()}|{self.event_id}|{self.count}|{self.hash}".encode()
        return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()

    def line(self) -> str:
        return (
            f"{ANCHOR_PREFIX} {self.at.isoformat()} evenement={self.event_id} "
            f"nombre={self.count} empreinte={self.hash} signature={self._signature()}"
        )

    @classmethod
    def parse(cls, line: str) -> Anchor | None:
        """The anchor a line holds, or None when it holds none or its signature is wrong."""
        match = _ANCHOR.search(line)
        if match is None:
            return None
        try:
            at = datetime.fromisoformat(match["date"])
        except ValueError:
            return None
        anchor = cls(at, int(match["event"]), int(match["count"]), match["hash"])
        return anchor if hmac.compare_digest(anchor._signature(), match["sig"]) else None


def audit_anchor_take() -> Anchor | None:
    """The chain's head now, as an anchor; None while the chain is empty."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.last_event_id is None:
        return None
    return Anchor(
        timezone.now().replace(microsecond=0), head.last_event_id, head.count, head.last_hash
    )


def audit_anchor_check(anchor: Anchor) -> str:
    """Why the chain no longer holds what `anchor` saw ("" when it does). Events deleted by
    retention since are accounted for by the checkpoint the purge left."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(last_hash=GENESIS_HASH)
    checkpoint = head.anchor_event_id or 0
    if anchor.event_id < checkpoint:
        return ""  # purged since, past its retention: the checkpoint vouches for it
    if anchor.event_id == checkpoint:
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

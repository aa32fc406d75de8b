from __future__ import annotations

import logging

from celery import shared_task

from portal.audit import audit_chain_verify as _verify

logger = logging.getLogger(__name__)


@shared_task(name="portal.tasks.audit_chain_verify")
def audit_chain_verify() -> dict[str, object]:
    """Nightly: recompute the audit chain and log an error if it was tampered with."""
    report = _verify()
    if not report.ok:
        logger.error(
            "Audit chain broken at event %s (%s) after %s good events",
            report.broken_at,
            report.reason,
            report.checked,
        )
    return {"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at}

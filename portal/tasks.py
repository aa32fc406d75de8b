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


@shared_task(name="portal.tasks.file_deletions_carry_out")
def file_deletions_carry_out() -> int:
    """Every quarter of an hour: the file deletions a killed process left behind."""
    from portal.files import file_deletions_carry_out as carry_out

    return carry_out()


@shared_task(name="portal.tasks.orphan_files_delete")
def orphan_files_delete() -> int:
    """Nightly: files that no row names (a rolled-back upload, a process killed mid-write)."""
    from portal.files import orphan_files_delete as delete

    return len(delete())


@shared_task(name="portal.tasks.audit_chain_anchor")
def audit_chain_anchor() -> str:
    """Daily: the chain's head, signed, to the log and to the DPO (portal.audit.Anchor)."""
    from portal.audit_anchors import audit_anchor_publish

    return audit_anchor_publish()


@shared_task(name="portal.tasks.heartbeat")
def heartbeat() -> int:
    """Every minute, from beat to a worker: its recorded run tells that both are alive
    (portal/jobs.py). It also lets old job runs go."""
    from portal.jobs import job_runs_prune

    return job_runs_prune()

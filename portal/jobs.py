"""Is everything running? The periodic jobs record each run (JobRun), a heartbeat every minute
tells that beat schedules and a worker runs, and "État du portail" in the admin and /sante/
read it all.

Runs are recorded from Celery's own signals, in a worker and in the portal's process alike
(`make run`, without Redis), so that no job has to remember to report.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from celery.signals import task_failure, task_postrun, task_prerun
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import JobRun

logger = logging.getLogger(__name__)

HEARTBEAT = "portal.tasks.heartbeat"
# Beat sends the heartbeat every minute: three minutes without one, beat or the worker is
# silent.
HEARTBEAT_LATE = dt.timedelta(minutes=3)
KEEP_RUNS = dt.timedelta(days=30)

# The periodic jobs, in the order "État du portail" lists them, with what a person calls them.
JOBS: dict[str, Any] = {
    "retention.tasks.purge": _("Purge de conservation (chaque nuit à 2 h)"),
    "dsar.tasks.reminders_send": _("Rappels des demandes à échéance (chaque matin à 7 h 30)"),
    "messaging.tasks.release_due": _("Envoi des messages retenus (toutes les 5 minutes)"),
    "messaging.tasks.start_campaigns": _("Départ des campagnes programmées (chaque minute)"),
    "dsar.tasks.archives_delete_expired": _("Suppression des copies de données expirées"),
    "portal.tasks.audit_chain_verify": _("Vérification du journal d'audit (chaque nuit)"),
    "portal.tasks.audit_chain_anchor": _("Ancrage du journal d'audit (chaque nuit)"),
    "portal.tasks.file_deletions_carry_out": _("Suppression des fichiers en attente"),
    "portal.tasks.orphan_files_delete": _("Suppression des fichiers orphelins (chaque nuit)"),
    HEARTBEAT: _("Battement de cœur (chaque minute)"),
}


@task_prerun.connect
def _run_started(sender: Any = None, task_id: str = "", **kwargs: Any) -> None:
    name = getattr(sender, "name", "")
    if name not in JOBS:
        return
    try:
        JobRun.objects.create(job=name, task_id=task_id or "", started_at=timezone.now())
    except Exception:  # the job runs even when its record cannot be written
        logger.warning("job %s: run not recorded", name, exc_info=True)


@task_postrun.connect
def _run_ended(
    sender: Any = None, task_id: str = "", retval: Any = None, state: str = "", **kwargs: Any
) -> None:
    name = getattr(sender, "name", "")
    if name not in JOBS:
        return
    ok = state == "SUCCESS"
    fields: dict[str, Any] = {"finished_at": timezone.now(), "ok": ok}
    if ok:
        fields["result"] = str(retval)[:500]
    try:
        JobRun.objects.filter(job=name, task_id=task_id or "", finished_at__isnull=True).update(
            **fields
        )
    except Exception:
        logger.warning("job %s: end not recorded", name, exc_info=True)


@task_failure.connect
def _run_failed(
    sender: Any = None, task_id: str = "", exception: BaseException | None = None, **kwargs: Any
) -> None:
    """In a worker: the error a job ended with."""
    name = getattr(sender, "name", "")
    if name in JOBS and exception is not None:
        job_failed(name, exception, task_id=task_id or "")


def job_failed(name: str, error: BaseException, *, task_id: str | None = None) -> None:
    """The error of a job's last run. In the portal's own process (no worker) the error is
    raised to the caller, and Celery sends no failure signal: the scheduler calls this."""
    runs = JobRun.objects.filter(job=name)
    if task_id is not None:
        runs = runs.filter(task_id=task_id)
    last = runs.order_by("-started_at").first()
    if last is None:
        return
    try:
        JobRun.objects.filter(pk=last.pk).update(
            ok=False,
            finished_at=last.finished_at or timezone.now(),
            result=f"{type(error).__name__}: {error}"[:500],
        )
    except Exception:
        logger.warning("job %s: failure not recorded", name, exc_info=True)


def job_runs_prune(now: dt.datetime | None = None) -> int:
    """Runs older than thirty days go, but never the last of a job."""
    now = now or timezone.now()
    latest = [
        run.pk
        for job in JOBS
        if (run := JobRun.objects.filter(job=job).order_by("-started_at").first()) is not None
    ]
    old = JobRun.objects.filter(started_at__lt=now - KEEP_RUNS).exclude(pk__in=latest)
    return int(old.delete()[0])


@dataclass(frozen=True)
class JobState:
    name: str
    label: str
    last: JobRun | None

    @property
    def duration(self) -> dt.timedelta | None:
        if self.last is None or self.last.finished_at is None:
            return None
        return self.last.finished_at - self.last.started_at


@dataclass(frozen=True)
class PortalState:
    jobs: list[JobState]
    in_process: bool
    worker_alive: bool
    last_heartbeat: dt.datetime | None
    failed_notifications: int
    stuck_campaigns: list[Any]

    @property
    def beat_alive(self) -> bool:
        if self.last_heartbeat is None:
            return False
        return timezone.now() - self.last_heartbeat <= HEARTBEAT_LATE


def worker_alive() -> bool:
    """In production a worker answers a ping through the broker; without Redis, tasks run
    in the portal's own process, which is alive since it asks."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True
    from portal.celery import app

    try:
        return bool(app.control.ping(timeout=1.0))
    except Exception:
        return False


def last_heartbeat() -> dt.datetime | None:
    run = JobRun.objects.filter(job=HEARTBEAT, ok=True).order_by("-started_at").first()
    return run.started_at if run is not None else None


def portal_state(*, ping: bool = True) -> PortalState:
    from messaging.models import Campaign, Notification

    now = timezone.now()
    latest: dict[str, JobRun] = {}
    for job in JOBS:
        run = JobRun.objects.filter(job=job).order_by("-started_at").first()
        if run is not None:
            latest[job] = run
    failed = Notification.objects.filter(
        status__in=(Notification.Status.FAILED, Notification.Status.BOUNCED),
        created_at__gte=now - dt.timedelta(hours=24),
    ).count()
    queued = (Notification.Status.PENDING, Notification.Status.SENDING)
    stuck = list(
        Campaign.objects.filter(status=Campaign.Status.SENDING)
        .filter(
            # The fan-out died midway, or its messages have waited for an hour.
            Q(finished_at__isnull=True, started_at__lt=now - dt.timedelta(minutes=30))
            | Q(
                finished_at__lt=now - dt.timedelta(hours=1),
                notifications__status__in=queued,
            )
        )
        .distinct()
    )
    return PortalState(
        jobs=[
            JobState(name=job, label=str(label), last=latest.get(job))
            for job, label in JOBS.items()
        ],
        in_process=bool(settings.CELERY_TASK_ALWAYS_EAGER),
        worker_alive=worker_alive() if ping else True,
        last_heartbeat=last_heartbeat(),
        failed_notifications=failed,
        stuck_campaigns=stuck,
    )

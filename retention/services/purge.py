"""The nightly retention purge. It holds a lock that dies with its process, so that two
runs never overlap even on two machines and a killed run never blocks the next; applies each
enabled rule in batches of set-based statements (one SELECT finding where the batch ends, one
UPDATE or DELETE); spares clients under a legal hold, a restriction or an open request;
records per rule what it did (counts, never data). Interrupted, it can simply run again: what
was done is not matched any more, and the files of rows it deleted are in the journal."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Client
from dsar.models import OPEN_STATUSES, DataRequest
from portal.db import process_lock
from portal.files import file_deletions_carry_out
from retention.models import LegalHold, PurgeRun, RetentionRule
from retention.rules import cutoff, rule_declaration
from retention.services.warnings import (
    NOTICE,
    is_inactivity_rule,
    to_warn,
    waited_long_enough,
    warn,
)

INTERRUPTED = "Interrompue : le processus s'est arrêté avant la fin ; la purge suivante a repris."

logger = logging.getLogger(__name__)


def spared_clients(today: dt.date | None = None) -> QuerySet[Any]:
    """Clients whose data no rule may touch: under a legal hold, restricted (art. 18), or
    with a request still open. A union of three small index lookups, so that the statements
    that use it never scan every client."""
    today = today or timezone.localdate()
    restricted = Client.objects.filter(is_restricted=True).order_by().values("pk")
    held = (
        LegalHold.objects.filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by()
        .values("client_id")
    )
    pending = (
        DataRequest.objects.filter(status__in=OPEN_STATUSES, client__isnull=False)
        .order_by()
        .values("client_id")
    )
    return restricted.union(held, pending)


@contextmanager
def _count_statements() -> Iterator[list[int]]:
    counter = [0]

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def purge_run(
    *, dry_run: bool = False, batch_size: int | None = None, runner: str = ""
) -> PurgeRun | None:
    """Run the purge; None when another run holds the lock. The lock lives as long as the
    process that holds it: a run found "running" once the lock is free was killed, and is
    marked interrupted at once."""
    batch_size = batch_size or settings.PURGE_BATCH_SIZE
    with process_lock("retention.purge") as held:
        if not held:
            return None
        PurgeRun.objects.filter(status=PurgeRun.Status.RUNNING).update(
            status=PurgeRun.Status.INTERRUPTED,
            error=INTERRUPTED,
            finished_at=timezone.now(),
        )
        run = PurgeRun.objects.create(
            started_at=timezone.now(), dry_run=dry_run, runner=runner or socket.gethostname()
        )
        if not dry_run:
            # Files whose rows a killed run deleted, left in the journal.
            file_deletions_carry_out()
        _run_rules(run, dry_run=dry_run, batch_size=batch_size)
    return run


def _run_rules(run: PurgeRun, *, dry_run: bool, batch_size: int) -> None:
    failed: list[str] = []
    try:
        with _count_statements() as statements:
            spare = spared_clients()
            rules = RetentionRule.objects.filter(enabled=True).exclude(data_kind="").order_by("pk")
            for rule in rules:
                counts = run.counts[str(rule.pk)] = _counts(rule)
                try:
                    _apply_rule(rule, spare, run, counts, dry_run=dry_run, batch_size=batch_size)
                except Exception as error:
                    # One rule that cannot be applied must not stop the others.
                    logger.exception("Retention rule %s failed", rule.pk)
                    counts["error"] = f"{type(error).__name__}: {error}"[:500]
                    failed.append(rule.label)
                run.total += counts["rows"]
                run.save(update_fields=["counts", "total"])
        run.statements = statements[0]
        run.status = PurgeRun.Status.FAILED if failed else PurgeRun.Status.DONE
        if failed:
            run.error = ("Règles non appliquées : " + " ; ".join(failed))[:2000]
    except BaseException as error:
        run.status = PurgeRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "statements", "counts", "total"])


def _counts(rule: RetentionRule) -> dict[str, Any]:
    return {
        "label": rule.label,
        "data_kind": rule.data_kind,
        "action": rule.action,
        "cutoff": cutoff(rule).isoformat(),
        "rows": 0,
        "batches": 0,
        "warned": 0,
    }


def _final_field(model: type[models.Model], path: str) -> Any:
    """The field at the end of an ORM path ("request__closed_at" → DataRequest.closed_at)."""
    field: Any = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return field


def _apply_rule(
    rule: RetentionRule,
    spare: QuerySet[Any],
    run: PurgeRun,
    counts: dict[str, Any],
    *,
    dry_run: bool,
    batch_size: int,
) -> None:
    """Apply one rule, keeping `counts` up to date as each batch commits."""
    declaration = rule_declaration(rule)
    field_name = declaration.events[rule.event]
    boundary: dt.date | dt.datetime = cutoff(rule)
    if isinstance(_final_field(declaration.model, field_name), models.DateTimeField):
        boundary = timezone.make_aware(dt.datetime.combine(boundary, dt.time.min))
    candidates = declaration.queryset().filter(**{f"{field_name}__lt": boundary})
    if declaration.client_path is not None and declaration.purge_spares_clients:
        path = f"{declaration.client_path}__in" if declaration.client_path else "pk__in"
        candidates = candidates.exclude(**{path: spare})
    if is_inactivity_rule(rule):
        # Warn first, once; take only those warned 30 days ago (or who cannot be warned).
        counts["warned"] = _warn_all(rule, spare, run, dry_run=dry_run, batch_size=batch_size)
        candidates = candidates.filter(waited_long_enough())
    if rule.client_status:
        status_path = f"{declaration.client_path}__status" if declaration.client_path else "status"
        candidates = candidates.filter(**{status_path: rule.client_status})
    done = declaration.done_filters.get(rule.action)
    if done is not None:
        candidates = candidates.exclude(done)
    last_pk: Any = None
    while True:
        # A batch is a range of primary keys holding at most batch_size candidates: one
        # SELECT finds where it ends, one UPDATE or DELETE takes it, without carrying the
        # ids back and forth.
        page = candidates if last_pk is None else candidates.filter(pk__gt=last_pk)
        ends = list(page.order_by("pk").values_list("pk", flat=True)[batch_size - 1 : batch_size])
        batch = page.filter(pk__lte=ends[0]) if ends else page
        if dry_run:
            taken = batch.count()
        else:
            with transaction.atomic():
                taken = declaration.apply_action(batch, rule.action)
        counts["rows"] += taken
        counts["batches"] += 1 if taken or ends else 0
        if not ends:
            break
        last_pk = ends[0]


def _warn_all(
    rule: RetentionRule, spare: QuerySet[Any], run: PurgeRun, *, dry_run: bool, batch_size: int
) -> int:
    """Send the warnings this rule calls for, a batch of clients at a time."""
    pending = to_warn(rule, spare)
    if dry_run:
        return pending.count()
    purge_on = timezone.localdate() + NOTICE
    sent = 0
    last_pk = 0
    while True:
        clients = list(pending.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        for client in clients:
            sent += warn(client, purge_on)
        if len(clients) < batch_size:
            return sent
        last_pk = clients[-1].pk

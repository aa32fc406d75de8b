"""Erasure (GDPR art. 17): walk the map of personal data and delete or anonymise each kind,
keep what the law requires in the restricted archive, scrub the consent ledger, the request
timelines and the audit trail of identity, list the contact so it is never solicited again,
and close the login.

Each step commits on its own, under a lock on the request, and is recorded in the request's
report: two runs at once do each step once, and a run after a crash skips what is done and
finishes the job."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client
from consent.models import Suppression
from consent.services import suppression_add_client
from dsar.exceptions import RequestClosed
from dsar.models import DataRequest, Kind, Status
from dsar.services.requests import record_event, require_identity
from portal.audit import Actor
from portal.personal_data import PersonalData, registry
from retention.selectors import active_holds

# Last, in this order: the letter needs the address; the request timelines hold the letter;
# the audit trail is scrubbed once nothing more will be written about the client.
_AFTER_LETTER = ("dsar.requests", "accounts.login", "accounts.client_profile", "portal.audit_trail")


def erasure_execute(*, request: DataRequest, by: Actor) -> dict[str, Any]:
    """Run (or finish) the erasure of an erasure request's client; returns the report.
    While a legal hold applies the request is refused with the legal reason instead."""
    request = DataRequest.objects.select_related("client").get(pk=request.pk)
    client = request.client
    if request.kind != Kind.ERASURE or client is None:
        raise ValueError("Only an erasure request about a client can be executed")
    report = dict(request.erasure_report or {})
    if report.get("finished_at"):
        return report
    if not report.get("steps"):
        if not request.is_open:
            raise RequestClosed
        require_identity(request)
        holds = list(active_holds(client))
        if holds:
            return _refuse_for_holds(request, holds, by)
    plan: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = [
        ("suppression_list", lambda steps: _list_contact(client, by)),
        *((d.key, partial(_erase, d, client)) for d in registry if d.key not in _AFTER_LETTER),
        ("letter", partial(_letter, request, by)),
        *((key, partial(_erase, registry.get(key), client)) for key in _AFTER_LETTER),
        ("closed", partial(_close, request, by)),
    ]
    for key, run in plan:
        with transaction.atomic():
            locked = DataRequest.objects.select_for_update().get(pk=request.pk)
            report = dict(locked.erasure_report or {})
            steps: dict[str, Any] = report.setdefault("steps", {})
            if key in steps:
                continue
            steps[key] = run(steps)
            if key == "closed":
                report["finished_at"] = timezone.now().isoformat()
            DataRequest.objects.filter(pk=request.pk).update(erasure_report=report)
    return report


def _erase(declaration: PersonalData, client: Client, steps: dict[str, Any]) -> dict[str, Any]:
    rows = declaration.erase(client)
    kept = str(declaration.legal_obligation) if declaration.legal_obligation else ""
    action = "kept" if kept else declaration.erase_mode
    return {"label": str(declaration.label), "action": action, "rows": rows, "kept_because": kept}


def _list_contact(client: Client, by: Actor) -> dict[str, Any]:
    listed = suppression_add_client(client=client, reason=Suppression.Reason.ERASURE, by=by)
    return {
        "label": _("Liste d'opposition"),
        "action": "listed",
        "rows": listed,
        "kept_because": "",
    }


def _letter(request: DataRequest, by: Actor, steps: dict[str, Any]) -> dict[str, Any]:
    kept = [
        {"label": s["label"], "reason": s["kept_because"]}
        for s in steps.values()
        if s.get("kept_because") and s.get("rows")
    ]
    record_event(
        request, "erasure_executed", by=by, letter="erasure_done", letter_context={"kept": kept}
    )
    return {"label": _("Courrier de confirmation"), "action": "sent", "rows": 1, "kept_because": ""}


def _close(request: DataRequest, by: Actor, steps: dict[str, Any]) -> dict[str, Any]:
    DataRequest.objects.filter(pk=request.pk).update(status=Status.DONE, closed_at=timezone.now())
    record_event(request, "closed", by=by, audit_client=False)
    return {"label": _("Demande close"), "action": "closed", "rows": 1, "kept_because": ""}


def _refuse_for_holds(request: DataRequest, holds: list[Any], by: Actor) -> dict[str, Any]:
    from dsar.services.requests import request_refuse

    reasons = "; ".join(f"{h.get_reason_display()} ({h.legal_reference})" for h in holds)
    request_refuse(
        request=request,
        reason=_("Vos données doivent être conservées pour le moment : %(reasons)s.")
        % {"reasons": reasons},
        by=by,
    )
    return {"refused": reasons}

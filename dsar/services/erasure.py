"""Erasure (GDPR art. 17): walk the map of personal data and delete or anonymise each kind,
keep what the law requires in the restricted archive, scrub the consent ledger and the
audit trail of identity, list the contact so it is never solicited again, and close the
login. Each step commits on its own and is recorded in the request: re-running after a
crash skips what is done and finishes the job."""

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
from dsar.models import DataRequest, Kind, Status
from dsar.services.requests import record_event
from portal.audit import Actor
from portal.personal_data import PersonalData, registry
from retention.selectors import active_holds

# Last, in this order: the letter needs the address, the closing events need the client.
_LAST = ("accounts.login", "accounts.client_profile")
_AUDIT = "portal.audit_trail"


def erasure_execute(*, request: DataRequest, by: Actor) -> dict[str, Any]:
    """Run (or finish) the erasure of an erasure request's client; returns the report.
    While a legal hold applies the request is refused with the legal reason instead."""
    request = DataRequest.objects.select_related("client").get(pk=request.pk)
    client = request.client
    if request.kind != Kind.ERASURE or client is None:
        raise ValueError("Only an erasure request about a client can be executed")
    report: dict[str, Any] = dict(request.erasure_report or {})
    if report.get("finished_at"):
        return report
    holds = list(active_holds(client))
    if holds:
        return _refuse_for_holds(request, holds, by)
    steps: dict[str, Any] = report.setdefault("steps", {})
    plan: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("suppression_list", partial(_list_contact, client, by)),
        *((d.key, partial(_erase, d, client)) for d in registry if d.key not in (*_LAST, _AUDIT)),
        ("letter", partial(_letter, request, steps, by)),
        *((key, partial(_erase, registry.get(key), client)) for key in _LAST),
        ("closed", partial(_close, request, by)),
        (_AUDIT, partial(_erase, registry.get(_AUDIT), client)),
    ]
    for key, run in plan:
        if key in steps:
            continue
        with transaction.atomic():
            steps[key] = run()
            DataRequest.objects.filter(pk=request.pk).update(erasure_report=report)
    report["finished_at"] = timezone.now().isoformat()
    DataRequest.objects.filter(pk=request.pk).update(erasure_report=report)
    return report


def _erase(declaration: PersonalData, client: Client) -> dict[str, Any]:
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


def _letter(request: DataRequest, steps: dict[str, Any], by: Actor) -> dict[str, Any]:
    kept = [
        {"label": s["label"], "reason": s["kept_because"]}
        for s in steps.values()
        if s.get("kept_because") and s.get("rows")
    ]
    record_event(
        request, "erasure_executed", by=by, letter="erasure_done", letter_context={"kept": kept}
    )
    return {"label": _("Courrier de confirmation"), "action": "sent", "rows": 1, "kept_because": ""}


def _close(request: DataRequest, by: Actor) -> dict[str, Any]:
    DataRequest.objects.filter(pk=request.pk).update(status=Status.DONE, closed_at=timezone.now())
    record_event(request, "closed", by=by)
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

"""A request's life: intake, assignment, extension, refusal, closure. Every step writes the
request's timeline and the audit trail, and sends the requester the letter owed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Client, User
from dsar import deadlines
from dsar.exceptions import (
    ExtensionRefused,
    IdentityNotEstablished,
    ReasonRequired,
    RequestClosed,
)
from dsar.letters import letter_send
from dsar.models import OPEN_STATUSES, DataRequest, Identity, RequestChannel, RequestEvent, Status
from portal.audit import Actor, audit_log


def record_event(
    request: DataRequest,
    action: str,
    *,
    by: Actor,
    note: str = "",
    letter: str | None = None,
    letter_context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    audit_payload: Mapping[str, Any] | None = None,
    audit_client: bool = True,
) -> RequestEvent:
    """One step: the timeline, the audit trail, and the letter if one is owed. After an
    erasure, `audit_client=False` keeps the trail from naming the erased client again."""
    event_data = dict(data or {})
    sent = ""
    if letter:
        written = letter_send(request, letter, letter_context)
        sent = written.name
        event_data["letter"] = {
            "subject": written.subject,
            "body": written.body,
            "emailed": written.emailed,
        }
    event = RequestEvent.objects.create(
        request=request, action=action, actor=by.user, note=note, letter=sent, data=event_data
    )
    audit_log(
        action=f"dsar.request.{action}",
        by=by,
        client=request.client if request.client_id and audit_client else None,
        target=request,
        payload={"kind": request.kind, **(audit_payload or {})},
    )
    return event


def _locked(request: DataRequest) -> DataRequest:
    current = DataRequest.objects.select_for_update().get(pk=request.pk)
    if current.status not in OPEN_STATUSES:
        raise RequestClosed
    return current


def require_identity(request: DataRequest) -> None:
    """Nothing is handed over, erased or changed for somebody who has not proved who they are."""
    if not request.identity_established:
        raise IdentityNotEstablished


def stopped_so_far(request: DataRequest) -> int:
    """Seconds the clock has been stopped, including a stop still running."""
    running = 0
    if request.clock_stopped_at is not None:
        running = int((timezone.now() - request.clock_stopped_at).total_seconds())
    return request.stopped_seconds + running


def _recompute_due(request: DataRequest) -> None:
    request.due_at = deadlines.due_at(
        request.received_at,
        extended_months=request.extended_months,
        stopped_seconds=request.stopped_seconds,
    )


def request_create(
    *,
    kind: str,
    channel: str,
    by: Actor,
    client: Client | None = None,
    requester_name: str = "",
    requester_email: str = "",
    requester_address: str = "",
    details: str = "",
    received_at: Any = None,
) -> DataRequest:
    """A request from the portal (identified by the login) or entered by staff from a letter,
    a call or an email (identity to check)."""
    identified = (
        channel == RequestChannel.PORTAL
        and client is not None
        and by.user is not None
        and client.user_id == by.user.pk
    )
    with transaction.atomic():
        request = DataRequest(
            kind=kind,
            channel=channel,
            client=client,
            requester_name=requester_name,
            requester_email=requester_email,
            requester_address=requester_address,
            details=details,
            received_at=received_at or timezone.now(),
            identity=Identity.LOGIN if identified else Identity.TO_CHECK,
        )
        _recompute_due(request)
        request.save()
        request.reference = f"DR-{timezone.localtime(request.received_at):%Y}-{request.pk:05d}"
        request.save(update_fields=["reference"])
        record_event(request, "received", by=by, letter="acknowledgement")
    return request


def request_assign(*, request: DataRequest, assignee: User, by: Actor) -> DataRequest:
    with transaction.atomic():
        request = _locked(request)
        request.assignee = assignee
        if request.status == Status.RECEIVED:
            request.status = Status.IN_PROGRESS
        request.save(update_fields=["assignee", "status"])
        record_event(request, "assigned", by=by, audit_payload={"assignee": assignee.pk})
    return request


def request_note(*, request: DataRequest, note: str, by: Actor) -> RequestEvent:
    if not note.strip():
        raise ReasonRequired
    with transaction.atomic():
        return record_event(request, "noted", by=by, note=note.strip())


def request_extend(*, request: DataRequest, months: int, reason: str, by: Actor) -> DataRequest:
    """Up to two more months, for a complex or numerous request, decided and announced with
    its reason before the first deadline (art. 12(3))."""
    if not reason.strip() or months not in (1, 2):
        raise ExtensionRefused
    with transaction.atomic():
        request = _locked(request)
        first = deadlines.first_deadline(
            request.received_at, stopped_seconds=stopped_so_far(request)
        )
        if (
            timezone.now() > first
            or request.extended_months + months > deadlines.MAX_EXTENSION_MONTHS
        ):
            raise ExtensionRefused
        request.extended_months += months
        request.extension_reason = reason.strip()
        _recompute_due(request)
        request.save(update_fields=["extended_months", "extension_reason", "due_at"])
        record_event(
            request,
            "extended",
            by=by,
            note=reason.strip(),
            letter="extension",
            letter_context={"added": months},
            audit_payload={"months": months},
        )
    return request


def request_refuse(*, request: DataRequest, reason: str, by: Actor) -> DataRequest:
    """A refusal gives its reasons, the right to complain to the CNIL and to go to court
    (art. 12(4))."""
    if not reason.strip():
        raise ReasonRequired
    with transaction.atomic():
        request = _locked(request)
        request.status = Status.REFUSED
        request.refusal_reason = reason.strip()
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "refusal_reason", "closed_at"])
        _delete_identity_documents(request)
        record_event(request, "refused", by=by, note=reason.strip(), letter="refusal")
    return request


def request_close(
    *,
    request: DataRequest,
    answer: str,
    by: Actor,
    letter: str = "answer",
    letter_context: Mapping[str, Any] | None = None,
) -> DataRequest:
    with transaction.atomic():
        request = _locked(request)
        request.status = Status.DONE
        request.answer = answer.strip()
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "answer", "closed_at"])
        _delete_identity_documents(request)
        record_event(
            request,
            "closed",
            by=by,
            note=answer.strip(),
            letter=letter,
            letter_context=letter_context,
        )
    return request


def request_withdraw(*, request: DataRequest, by: Actor) -> DataRequest:
    with transaction.atomic():
        request = _locked(request)
        request.status = Status.WITHDRAWN
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "closed_at"])
        _delete_identity_documents(request)
        record_event(request, "withdrawn", by=by)
    return request


def _delete_identity_documents(request: DataRequest) -> None:
    from dsar.services.identity import identity_documents_delete

    identity_documents_delete(request=request)

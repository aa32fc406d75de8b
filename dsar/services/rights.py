"""Restriction (art. 18), objection (art. 21) and rectification (art. 16)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.services import client_update
from consent.models import Method, Purpose, Suppression
from consent.services import Proof, consent_set, suppression_add_client
from dsar.exceptions import LiftNotAnnounced, NothingChanged, ReasonRequired, RequestError
from dsar.models import DataRequest
from dsar.services.requests import _locked, record_event, request_close, require_identity
from portal.audit import Actor


def restriction_apply(*, request: DataRequest, by: Actor) -> DataRequest:
    """Freeze the client's data: kept, not used, no marketing, no purge."""
    with transaction.atomic():
        request = _locked(request)
        require_identity(request)
        assert request.client is not None
        client_update(client=request.client, data={"is_restricted": True}, by=by)
        # A notice given for an earlier restriction does not count for this one.
        request.restriction_applied_at = timezone.now()
        request.restriction_lift_notified_at = None
        request.save(update_fields=["restriction_applied_at", "restriction_lift_notified_at"])
        record_event(request, "restriction_applied", by=by, letter="restriction_applied")
    return request


def restriction_in_force(request: DataRequest) -> bool:
    """This request applied the restriction now in force: the latest one that did."""
    if request.restriction_applied_at is None or request.client is None:
        return False
    later = DataRequest.objects.filter(
        client=request.client_id, restriction_applied_at__gt=request.restriction_applied_at
    )
    return request.client.is_restricted and not later.exists()


def restriction_announce_lift(*, request: DataRequest, reason: str, by: Actor) -> DataRequest:
    """The person is told before the restriction is lifted (art. 18(3))."""
    if not reason.strip():
        raise ReasonRequired
    with transaction.atomic():
        request = DataRequest.objects.select_for_update().get(pk=request.pk)
        if not restriction_in_force(request):
            raise RequestError
        request.restriction_lift_notified_at = timezone.now()
        request.save(update_fields=["restriction_lift_notified_at"])
        record_event(
            request,
            "restriction_lift_announced",
            by=by,
            note=reason.strip(),
            letter="restriction_lift_notice",
            letter_context={"reason": reason.strip()},
        )
    return request


def restriction_lift(*, request: DataRequest, by: Actor) -> DataRequest:
    with transaction.atomic():
        request = DataRequest.objects.select_for_update().get(pk=request.pk)
        notified, applied = request.restriction_lift_notified_at, request.restriction_applied_at
        if (
            not restriction_in_force(request)
            or notified is None
            or applied is None
            or notified < applied
        ):
            raise LiftNotAnnounced
        assert request.client is not None
        client_update(client=request.client, data={"is_restricted": False}, by=by)
        record_event(request, "restriction_lifted", by=by, letter="restriction_lifted")
    return request


def objection_execute(*, request: DataRequest, by: Actor) -> DataRequest:
    """No reason needed: every marketing purpose is withdrawn at once and the contact is
    listed on the suppression list (art. 21(2)-(3))."""
    with transaction.atomic():
        request = _locked(request)
        require_identity(request)
        client = request.client
        assert client is not None
        for purpose in Purpose.objects.all():
            consent_set(
                client=client,
                purpose=purpose,
                granted=False,
                proof=Proof(method=Method.OBJECTION, reference=request.reference),
                by=by,
            )
        suppression_add_client(client=client, reason=Suppression.Reason.OBJECTION, by=by)
        record_event(request, "objection_executed", by=by)
        return request_close(request=request, answer="", by=by, letter="objection_done")


def rectification_record(
    *, request: DataRequest, changes: Mapping[str, Any], by: Actor
) -> DataRequest:
    """Correct the client's data. The old and new values are kept in the request's timeline
    (declared in the map of personal data); the audit trail names the fields."""
    with transaction.atomic():
        request = _locked(request)
        require_identity(request)
        client = request.client
        assert client is not None
        before = {name: str(getattr(client, name) or "") for name in changes}
        client = client_update(client=client, data=changes, by=by)
        after = {name: str(getattr(client, name) or "") for name in changes}
        changed = {
            name: [before[name], after[name]] for name in changes if before[name] != after[name]
        }
        if not changed:
            raise NothingChanged
        labels = [
            str(getattr(client._meta.get_field(name), "verbose_name", name)) for name in changed
        ]
        record_event(
            request,
            "rectified",
            by=by,
            data={"changes": changed},
            audit_payload={"fields": sorted(changed)},
            letter="rectification_done",
            letter_context={"fields": labels},
        )
    return request

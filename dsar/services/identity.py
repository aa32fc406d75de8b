"""Identity: a request from a logged-in client is identified. A copy of an identity
document may be asked only on a reasonable doubt, recorded with its reason; the clock stops
while it is awaited; the copy is encrypted at rest and deleted once identity is settled or
the request closes (GDPR art. 12(6), CNIL)."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dsar.exceptions import DoubtRequired, ReasonRequired
from dsar.models import DataRequest, Identity, IdentityDocument, Status
from dsar.services.requests import _locked, _recompute_due, record_event, request_refuse
from portal.audit import Actor, audit_log
from portal.files import files_delete_on_commit
from portal.uploads import DOCUMENT_TYPES, check_upload


def _fernet() -> Fernet:
    return Fernet(settings.FIELD_ENCRYPTION_KEY.encode())


def identity_record_doubt(*, request: DataRequest, reason: str, by: Actor) -> DataRequest:
    if not reason.strip():
        raise ReasonRequired
    with transaction.atomic():
        request = _locked(request)
        request.identity = Identity.DOUBT
        request.identity_doubt = reason.strip()
        request.save(update_fields=["identity", "identity_doubt"])
        record_event(request, "identity_doubted", by=by, note=reason.strip())
    return request


def identity_request_document(*, request: DataRequest, by: Actor) -> DataRequest:
    """Ask for a copy of an identity document; the clock stops until it arrives."""
    with transaction.atomic():
        request = _locked(request)
        if request.identity != Identity.DOUBT or not request.identity_doubt:
            raise DoubtRequired
        request.identity = Identity.DOCUMENT_REQUESTED
        request.status = Status.AWAITING_REQUESTER
        request.clock_stopped_at = timezone.now()
        request.save(update_fields=["identity", "status", "clock_stopped_at"])
        record_event(request, "identity_document_requested", by=by, letter="identity_document")
    return request


def _restart_clock(request: DataRequest) -> None:
    if request.clock_stopped_at is not None:
        request.stopped_seconds += int((timezone.now() - request.clock_stopped_at).total_seconds())
        request.clock_stopped_at = None
        _recompute_due(request)


def identity_document_receive(
    *, request: DataRequest, upload: UploadedFile, by: Actor
) -> IdentityDocument:
    """Store the copy encrypted, and restart the clock."""
    checked = check_upload(upload, allowed=DOCUMENT_TYPES)
    encrypted = _fernet().encrypt(b"".join(upload.chunks()))
    with transaction.atomic():
        request = _locked(request)
        document = IdentityDocument(request=request, content_type=checked.content_type)
        document.file.save("document.bin", ContentFile(encrypted), save=False)
        document.save()
        _restart_clock(request)
        request.status = Status.IN_PROGRESS
        request.save(update_fields=["stopped_seconds", "clock_stopped_at", "due_at", "status"])
        record_event(request, "identity_document_received", by=by)
    return document


def identity_document_read(*, document: IdentityDocument, by: Actor) -> bytes:
    """Decrypt a copy for staff who hold the permission (checked by the caller); audited."""
    audit_log(
        action="dsar.identity_document.opened",
        by=by,
        client=document.request.client if document.request.client_id else None,
        target=document.request,
    )
    with document.file.open("rb") as handle:
        return _fernet().decrypt(handle.read())


def identity_verify(*, request: DataRequest, by: Actor) -> DataRequest:
    with transaction.atomic():
        request = _locked(request)
        _restart_clock(request)
        request.identity = Identity.VERIFIED
        request.status = Status.IN_PROGRESS
        request.save(
            update_fields=["identity", "status", "stopped_seconds", "clock_stopped_at", "due_at"]
        )
        identity_documents_delete(request=request)
        record_event(request, "identity_verified", by=by)
    return request


def identity_fail(*, request: DataRequest, reason: str, by: Actor) -> DataRequest:
    """Identity could not be established: the request is refused, with its reason."""
    with transaction.atomic():
        request = _locked(request)
        request.identity = Identity.FAILED
        request.save(update_fields=["identity"])
        record_event(request, "identity_failed", by=by, note=reason)
        return request_refuse(request=request, reason=reason, by=by)


def identity_documents_delete(*, request: DataRequest) -> int:
    documents = list(request.identity_documents.all())
    with transaction.atomic():
        for document in documents:
            document.delete()
        files_delete_on_commit(document.file.name for document in documents)
    return len(documents)

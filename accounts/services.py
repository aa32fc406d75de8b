"""Changes to clients, logins, invitations and documents. Each writes its audit event."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.exceptions import (
    AccountsError,
    ClientHasAccount,
    ClientHasNoEmail,
    EmailTaken,
    InvitationInvalid,
    InvitationNotSent,
)
from accounts.models import Client, ContactRequest, Document, Invitation, User
from portal.audit import Actor, audit_log
from portal.contacts import contact_digest
from portal.files import files_delete_on_commit
from portal.mail import send_email
from portal.uploads import DOCUMENT_TYPES, check_upload

logger = logging.getLogger(__name__)

# What a client may correct themselves in "Vos données personnelles". The email address
# goes through allauth's verified change instead.
CLIENT_SELF_SERVICE_FIELDS = (
    "civility",
    "first_name",
    "last_name",
    "phone",
    *Client.ADDRESS_FIELDS,
    "language",
)


def _comparable(value: Any) -> Any:
    # Blank text, blank phone numbers and None all mean "nothing recorded"; forms carry
    # times to the second, so a time re-entered unchanged is the same time.
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
    return str(value) if not isinstance(value, bool | int) else value


# Clients.


def client_refresh_digests(client: Client) -> list[str]:
    """Recompute the contact digests; returns the names of those that changed."""
    changed = []
    for field, kind, value in (
        ("email_digest", "email", client.email),
        ("phone_digest", "phone", client.phone),
    ):
        digest = contact_digest(kind, value)  # type: ignore[arg-type]
        if getattr(client, field) != digest:
            setattr(client, field, digest)
            changed.append(field)
    return changed


def client_create(*, data: Mapping[str, Any], by: Actor) -> Client:
    with transaction.atomic():
        client = Client(**data)
        if not data.get("last_contact_at") and data.get("collected_at"):
            client.last_contact_at = data["collected_at"]  # collection is the first contact
        client_refresh_digests(client)
        client.save()
        if not client.customer_number:
            client.customer_number = f"{settings.CUSTOMER_NUMBER_PREFIX}{client.pk:06d}"
            client.save(update_fields=["customer_number"])
        audit_log(
            action="accounts.client.created",
            by=by,
            client=client,
            target=client,
            payload={"fields": sorted(k for k, v in data.items() if _comparable(v) != "")},
        )
    return client


def client_update(*, client: Client, data: Mapping[str, Any], by: Actor) -> Client:
    """Set the given fields; only those that really change are saved and audited."""
    with transaction.atomic():
        current = Client.objects.select_for_update().get(pk=client.pk)
        changed = sorted(
            name
            for name, value in data.items()
            if _comparable(getattr(current, name)) != _comparable(value)
        )
        if not changed:
            return current
        for name in changed:
            setattr(current, name, data[name])
        current.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
        digests = client_refresh_digests(current) if {"email", "phone"} & set(changed) else []
        current.save(update_fields=[*changed, *digests, "updated_at"])
        if "email" in changed:
            # A link sent to the former address must not open an account at it.
            Invitation.objects.filter(
                client=current, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        audit_log(
            action="accounts.client.updated",
            by=by,
            client=current,
            target=current,
            payload={"fields": changed},
        )
    return current


def contact_requests_handle(*, requests: QuerySet[ContactRequest], by: Actor) -> int:
    """Mark contact requests as handled; returns how many were still open."""
    handled = 0
    with transaction.atomic():
        for request in requests.filter(handled_at__isnull=True).select_related("client"):
            request.handled_at = timezone.now()
            request.save(update_fields=["handled_at"])
            audit_log(
                action="accounts.contact_request.handled",
                by=by,
                client=request.client,
                target=request,
            )
            handled += 1
    return handled


def contact_request_viewed(*, request: ContactRequest, by: Actor) -> None:
    audit_log(
        action="accounts.contact_request.viewed", by=by, client=request.client, target=request
    )


def client_record_viewed(*, client: Client, by: Actor) -> None:
    audit_log(action="accounts.client.viewed", by=by, client=client, target=client)


def client_search_made(*, results: int, by: Actor) -> None:
    """A staff search of the client list: how many records it showed, not what was typed."""
    audit_log(action="accounts.client.searched", by=by, payload={"results": results})


def document_viewed(*, document: Document, by: Actor) -> None:
    audit_log(action="accounts.document.viewed", by=by, client=document.client, target=document)


def client_login_email_changed(*, user: User, email: str, by: Actor) -> None:
    """A client's login address changed through allauth's verified change: the client
    record's contact address follows it."""
    client = Client.objects.filter(user=user).first()
    if client is not None:
        client_update(client=client, data={"email": email}, by=by)


# Invitations.


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_invite(*, client: Client, by: Actor) -> Invitation:
    """Send the client a single-use link to set their own password. Earlier links stop working."""
    if client.user_id:
        raise ClientHasAccount
    if not client.email:
        raise ClientHasNoEmail
    if User.objects.filter(email__iexact=client.email).exists():
        raise EmailTaken
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            client=client, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            client=client,
            email=client.email,
            token_hash=_token_hash(token),
            created_by=by.user,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        # Sent before the commit: the link exists only in this message (the database keeps
        # its hash), so if the provider refuses it the invitation is rolled back, not lost.
        try:
            send_email(
                "invitation",
                to=client.email,
                language=client.language,
                context={
                    "civility": client.get_civility_display() if client.civility else "",
                    "name": client.full_name,
                    "url": settings.PORTAL_BASE_URL
                    + reverse("invitation_accept", kwargs={"token": token}),
                    "expires_at": invitation.expires_at,
                },
            )
        except Exception as error:
            logger.exception("Invitation email to client %s failed", client.pk)
            raise InvitationNotSent from error
        audit_log(action="accounts.invitation.sent", by=by, client=client, target=invitation)
    return invitation


def invitation_get(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("client")
        .filter(
            token_hash=_token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if invitation is None:
        raise InvitationInvalid
    return invitation


def invitation_accept(*, token: str, password: str, by: Actor) -> User:
    """Create the client's login with the password they chose. Works once."""
    with transaction.atomic():
        invitation = invitation_get(token=token)
        # The conditional UPDATE claims the invitation: of two concurrent uses, one wins.
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=timezone.now())
        if claimed != 1:
            raise InvitationInvalid
        client = Client.objects.select_for_update().get(pk=invitation.client_id)
        if client.user_id:
            raise ClientHasAccount
        if client.email.lower() != invitation.email.lower():
            raise InvitationInvalid
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise EmailTaken
        user = User.objects.create_user(email=invitation.email, password=password)
        # Following the emailed link proves the address.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        client.user = user
        client.save(update_fields=["user", "updated_at"])
        audit_log(
            action="accounts.invitation.accepted",
            by=Actor(user=user, ip=by.ip),
            client=client,
            target=invitation,
        )
    return user


# Documents.


class DocumentProtected(AccountsError):
    default_message = _(
        "Une facture ou un avoir ne peut pas être supprimé : la loi impose de le conserver "
        "10 ans (Code de commerce, art. L123-22). Émettez un avoir pour l'annuler."
    )


def document_add(
    *,
    client: Client,
    kind: str,
    title: str,
    upload: UploadedFile,
    by: Actor,
    reference: str = "",
    issued_on: Any = None,
) -> Document:
    checked = check_upload(upload, allowed=DOCUMENT_TYPES)
    document = Document(
        client=client,
        kind=kind,
        title=title,
        reference=reference,
        issued_on=issued_on or timezone.localdate(),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by.user,
    )
    document.file.save(f"document{checked.extension}", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_log(
                action="accounts.document.added",
                by=by,
                client=client,
                target=document,
                payload={"kind": kind},
            )
    except BaseException:
        # The file reached the disk first; it must not stay behind without its row.
        document.file.storage.delete(document.file.name)
        raise
    return document


def document_update(*, document: Document, data: Mapping[str, Any], by: Actor) -> Document:
    with transaction.atomic():
        current = Document.objects.select_for_update().get(pk=document.pk)
        if current.is_accounting_document and data.get("kind", current.kind) != current.kind:
            # An invoice stays an invoice: otherwise it could be relabelled and then deleted.
            raise DocumentProtected
        changed = sorted(
            name
            for name, value in data.items()
            if _comparable(getattr(current, name)) != _comparable(value)
        )
        if not changed:
            return current
        for name in changed:
            setattr(current, name, data[name])
        current.save(update_fields=changed)
        audit_log(
            action="accounts.document.updated",
            by=by,
            client=current.client,
            target=current,
            payload={"fields": changed},
        )
    return current


def document_delete(*, document: Document, by: Actor) -> None:
    with transaction.atomic():
        # Decide from the stored row, not from an instance a form may have changed.
        document = Document.objects.select_for_update().select_related("client").get(pk=document.pk)
        if document.is_accounting_document:
            raise DocumentProtected
        name = document.file.name
        audit_log(
            action="accounts.document.deleted",
            by=by,
            client=document.client,
            target=document,
            payload={"kind": document.kind},
        )
        document.delete()
        files_delete_on_commit([name])


def document_open(*, document: Document, by: Actor) -> File:
    """Open a document for download; the download is audited."""
    audit_log(
        action="accounts.document.downloaded",
        by=by,
        client=document.client,
        target=document,
        payload={"kind": document.kind, "by_staff": bool(by.user and by.user.is_staff)},
    )
    return document.file.open("rb")

"""Threads between a client and staff: messages, attachments, read status, priority and the
answer due time, and who is told of what."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, User
from messaging.models import Appointment, Attachment, Message, Notification, Thread
from messaging.services.outbox import notification_create
from messaging.sla import answer_due
from portal.audit import Actor, audit_log
from portal.exceptions import PortalError
from portal.uploads import CheckedFile, without_location

MAX_ATTACHMENTS = 5


def shown_name(name: str) -> str:
    """A file name as given, safe to show: no folders (of any system), no control or
    reserved characters."""
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name or "")[-1])
    return "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')


def clean_file_name(name: str, extension: str) -> str:
    """The name to show and to download under, with the extension of the type read from the
    content."""
    stem = PurePosixPath(shown_name(name)).stem.strip(" .") or "piece-jointe"
    return f"{stem[:100]}{extension}"


def _attach(message: Message, files: Sequence[tuple[UploadedFile, CheckedFile]]) -> None:
    """Every file is read and cleaned before the first is written: one that fails leaves
    nothing on disk. A file written before its transaction is rolled back is removed by the
    sweep of files that no row names (portal.files)."""
    prepared = []
    for upload, checked in files:
        upload.seek(0)
        prepared.append((upload, checked, without_location(upload.read(), checked.content_type)))
    for upload, checked, data in prepared:
        attachment = Attachment(
            message=message,
            name=clean_file_name(upload.name or "", checked.extension),
            content_type=checked.content_type,
            size=len(data),
            sha256=checked.sha256,
        )
        attachment.file.save("upload", ContentFile(data), save=False)
        attachment.save()


def thread_create(
    *,
    client: Client,
    subject: str,
    category: str,
    body: str,
    files: Sequence[tuple[UploadedFile, CheckedFile]] = (),
    appointment: Appointment | None = None,
    by: Actor,
) -> Thread:
    with transaction.atomic():
        thread = Thread.objects.create(
            client=client, subject=subject.strip(), category=category, appointment=appointment
        )
        client_message_post(thread=thread, body=body, files=files, by=by)
    thread.refresh_from_db()
    return thread


def client_message_post(
    *,
    thread: Thread,
    body: str,
    files: Sequence[tuple[UploadedFile, CheckedFile]] = (),
    by: Actor,
) -> Message:
    """A message from the client. The thread waits for staff; the answer is due within the
    target of the client's priority on the day the message arrived."""
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("client").get(pk=thread.pk)
        message = Message.objects.create(
            thread=thread,
            author_kind=Message.Author.CLIENT,
            author=by.user,
            body=body.strip(),
            created_at=now,
        )
        _attach(message, files)
        priority = thread.client.has_valid_loyalty_card(on=timezone.localdate(now))
        # A new thread (no due time yet), or one that was answered or closed.
        arrived = thread.status != Thread.Status.WAITING or thread.due_at is None
        if arrived:
            thread.is_priority = priority
            thread.due_at = answer_due(now, priority=priority)
        elif priority and not thread.is_priority:
            # Still waiting, and the client became a priority client: the sooner target.
            thread.is_priority = True
            thread.due_at = min(filter(None, [thread.due_at, answer_due(now, priority=True)]))
        thread.status = Thread.Status.WAITING
        thread.closed_at = None
        thread.last_message_at = now
        thread.save(
            update_fields=["status", "is_priority", "due_at", "closed_at", "last_message_at"]
        )
        Client.objects.filter(pk=thread.client_id).update(last_contact_at=now)
        audit_log(
            action="messaging.message.sent",
            by=by,
            client=thread.client,
            target=thread,
            payload={"attachments": len(files)},
        )
        if arrived and thread.is_priority:
            _tell_staff(thread, message)
    return message


def staff_message_post(
    *,
    thread: Thread,
    body: str,
    files: Sequence[tuple[UploadedFile, CheckedFile]] = (),
    internal: bool = False,
    seen_up_to: int | None = None,
    by: Actor,
) -> Message:
    """A reply to the client, or an internal note the client never sees. A reply answers
    the thread and tells the client by the channels they chose for service messages.

    `seen_up_to` is the last message the member of staff had on screen: a client message
    that arrived after it is not answered by this reply, and the thread keeps waiting."""
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("client").get(pk=thread.pk)
        unseen = _unseen_client_messages(thread, seen_up_to)
        message = Message.objects.create(
            thread=thread,
            author_kind=Message.Author.STAFF,
            author=by.user,
            body=body.strip(),
            is_internal=internal,
            created_at=now,
        )
        _attach(message, files)
        if not internal:
            if not unseen:
                thread.status = Thread.Status.ANSWERED
                thread.due_at = None
            thread.last_message_at = now
            if thread.assigned_to_id is None and by.user is not None:
                thread.assigned_to = by.user
            thread.save(update_fields=["status", "due_at", "last_message_at", "assigned_to"])
            Client.objects.filter(pk=thread.client_id).update(last_contact_at=now)
            _tell_client(thread, message)
        audit_log(
            action="messaging.note.added" if internal else "messaging.reply.sent",
            by=by,
            client=thread.client,
            target=thread,
            payload={"attachments": len(files)},
        )
    return message


def _tell_client(thread: Thread, message: Message) -> None:
    client = thread.client
    context = {"thread": str(thread.public_id), "subject": thread.subject}
    for channel in service_channels(client):
        notification_create(
            key=f"reply-{message.pk}-{channel}",
            channel=channel,
            template="thread_reply",
            client=client,
            context=context,
        )


def service_channels(client: Client) -> list[str]:
    """The channels a client takes service messages on (replies, appointments, alerts)."""
    addresses = {Notification.Channel.EMAIL: client.email, Notification.Channel.SMS: client.phone}
    return [
        channel
        for channel, address in addresses.items()
        if address and client.takes_service_messages_by(channel)
    ]


def inbox_staff() -> Any:
    """The staff who may answer threads: told by email when a priority thread arrives."""
    perm = Permission.objects.get(codename="change_thread", content_type__app_label="messaging")
    return (
        User.objects.filter(is_staff=True, is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions=perm) | Q(groups__permissions=perm))
        .distinct()
    )


def _tell_staff(thread: Thread, message: Message) -> None:
    staff = [thread.assigned_to] if thread.assigned_to else list(inbox_staff())
    context = {
        "thread_id": thread.pk,
        "subject": thread.subject,
        "category": thread.get_category_display(),
        "due": date_format(timezone.localtime(thread.due_at), "SHORT_DATETIME_FORMAT")
        if thread.due_at
        else "",
    }
    for user in staff:
        if user is None:
            continue
        notification_create(
            key=f"priority-{message.pk}-{user.pk}",
            channel=Notification.Channel.EMAIL,
            template="staff_priority_thread",
            user=user,
            context=context,
        )


def thread_mark_read(*, thread: Thread, reader: str) -> int:
    """The reader opened the thread: the other side's messages are read now."""
    other = Message.Author.STAFF if reader == Message.Author.CLIENT else Message.Author.CLIENT
    messages = thread.messages.filter(author_kind=other, read_at__isnull=True)
    if reader == Message.Author.CLIENT:
        messages = messages.filter(is_internal=False)
    return messages.update(read_at=timezone.now())


def _unseen_client_messages(thread: Thread, seen_up_to: int | None) -> bool:
    if seen_up_to is None:
        return False
    return thread.messages.filter(author_kind=Message.Author.CLIENT, pk__gt=seen_up_to).exists()


class ThreadChanged(PortalError):
    default_message = _("Le client a écrit entre-temps : lisez son nouveau message avant de clore.")


def thread_close(*, thread: Thread, seen_up_to: int | None = None, by: Actor) -> None:
    """Close a thread, unless the client wrote since the member of staff last looked."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("client").get(pk=thread.pk)
        if _unseen_client_messages(thread, seen_up_to):
            raise ThreadChanged()
        thread.status = Thread.Status.CLOSED
        thread.due_at = None
        thread.closed_at = timezone.now()
        thread.save(update_fields=["status", "due_at", "closed_at"])
        audit_log(action="messaging.thread.closed", by=by, client=thread.client, target=thread)


class AssignmentChanged(PortalError):
    default_message = _(
        "La conversation a été confiée à quelqu'un d'autre entre-temps : attribution inchangée."
    )


def thread_assign(*, thread: Thread, to: User | None, seen_assignee: int | None, by: Actor) -> None:
    """Give the thread to a member of staff, unless someone else took it meanwhile."""
    updated = Thread.objects.filter(pk=thread.pk, assigned_to_id=seen_assignee).update(
        assigned_to=to
    )
    if not updated:
        raise AssignmentChanged()
    audit_log(
        action="messaging.thread.assigned",
        by=by,
        client=thread.client,
        target=thread,
        payload={"assigned": to is not None},
    )


def attachment_open(*, attachment: Attachment, by: Actor) -> File:
    """Open an attachment for download; the download is audited."""
    thread = attachment.message.thread
    audit_log(
        action="messaging.attachment.downloaded",
        by=by,
        client=thread.client,
        target=attachment,
        payload={"by_staff": bool(by.user and by.user.is_staff)},
    )
    return attachment.file.open("rb")

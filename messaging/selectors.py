from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Client
from messaging.models import Appointment, Attachment, Message, Thread


def client_threads(*, client: Client) -> QuerySet[Thread]:
    """The client's threads, each with the number of staff replies not yet read."""
    unread = Q(
        messages__author_kind=Message.Author.STAFF,
        messages__is_internal=False,
        messages__read_at__isnull=True,
    )
    return (
        Thread.objects.filter(client=client)
        .annotate(unread=Count("messages", filter=unread))
        .order_by("-last_message_at", "-pk")
    )


def unread_replies(*, client: Client) -> int:
    return Message.objects.filter(
        thread__client=client,
        author_kind=Message.Author.STAFF,
        is_internal=False,
        read_at__isnull=True,
    ).count()


def client_thread(*, client: Client, public_id: uuid.UUID) -> Thread:
    """One of the client's threads with what the client may see of it; 404 for anyone
    else's."""
    visible = Message.objects.filter(is_internal=False).prefetch_related("attachments")
    return get_object_or_404(
        Thread.objects.filter(client=client)
        .select_related("appointment")
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible_messages")),
        public_id=public_id,
    )


def client_attachment(*, client: Client, public_id: uuid.UUID) -> Attachment:
    """An attachment of a message the client can see; 404 otherwise (another client's, or
    one joined to an internal note)."""
    return get_object_or_404(
        Attachment.objects.select_related("message__thread__client"),
        public_id=public_id,
        message__thread__client=client,
        message__is_internal=False,
    )


def upcoming_appointments(*, client: Client) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            client=client, status=Appointment.Status.PLANNED, starts_at__gte=timezone.now()
        )
        .select_related("client")
        .order_by("starts_at")
    )


def client_appointment(*, client: Client, public_id: uuid.UUID) -> Appointment:
    return get_object_or_404(upcoming_appointments(client=client), public_id=public_id)

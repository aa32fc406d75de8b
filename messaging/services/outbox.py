"""The outbox: every email and SMS is a row, sent at most once by a thin task. Marketing is
checked against consent when it leaves, not only when it was queued, and waits for the
quiet hours to end; transactional messages go at once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Client
from consent.messages import marketing_email_headers, sms_opt_out
from consent.models import Purpose
from consent.selectors import may_contact
from consent.services import sms_stop_received
from messaging import sms
from messaging.models import Notification
from messaging.quiet_hours import is_allowed, next_allowed
from portal.audit import Actor
from portal.mail import render_email, render_text
from portal.models import Controller

logger = logging.getLogger(__name__)
Status = Notification.Status
WAITING = (Status.PENDING, Status.HELD)
# Service messages sent by the channels the client chose for them.
CLIENT_CHOSEN_TEMPLATES = frozenset(
    {
        "thread_reply",
        "appointment_confirmation",
        "appointment_reminder",
        "appointment_cancelled",
        "service_alert",
    }
)


class TransientSendError(Exception):
    """The provider could not take the message now; trying again later may work."""


def notification_create(
    *,
    key: str,
    channel: str,
    template: str,
    client: Client | None = None,
    user: Any = None,
    purpose: Purpose | None = None,
    context: dict[str, Any] | None = None,
    not_before: dt.datetime | None = None,
) -> Notification:
    """Queue a message. The same key twice gives the same row: nothing is queued twice."""
    notification, created = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "client": client,
            "user": user,
            "channel": channel,
            "template": template,
            "purpose": purpose,
            "context": context or {},
            "not_before": not_before,
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(notification.pk, eta=not_before))
    return notification


# A message due later than this is left to the beat's release (every 5 minutes) rather
# than given to the broker with a countdown: Redis hands back a task not acknowledged
# within an hour, and one due the next morning would be delivered again and again.
BROKER_HORIZON = dt.timedelta(minutes=5)
CHUNK = 1000  # messages per sending task


def enqueue(pk: int, *, eta: dt.datetime | None = None) -> None:
    from messaging.tasks import send_notification

    now = timezone.now()
    if eta is None or eta <= now:
        send_notification.delay(pk)
    elif eta - now <= BROKER_HORIZON:
        send_notification.apply_async((pk,), eta=eta)


def enqueue_many(pks: list[int]) -> None:
    """Queue messages by chunks: one task per thousand, not one per message."""
    from messaging.tasks import send_notifications

    for start in range(0, len(pks), CHUNK):
        send_notifications.delay(pks[start : start + CHUNK])


def notification_send(
    pk: int, *, now: dt.datetime | None = None, connection: Any = None
) -> Notification:
    """Send one notification if it is still waiting and due. Raises TransientSendError when
    the provider should be tried again; the row is then waiting again."""
    now = now or timezone.now()
    notification = Notification.objects.select_related("client", "purpose", "user", "campaign").get(
        pk=pk
    )
    if notification.status not in WAITING:
        return notification  # sent, failed or suppressed already: never twice
    if notification.not_before and notification.not_before > now:
        return notification  # a task for later exists
    if (reason := _service_refused(notification)) is not None:
        _finish(notification, Status.SUPPRESSED, now, error=reason)
        return notification
    if notification.is_marketing:
        client, purpose = _marketing(notification)
        if not may_contact(client, purpose):
            _finish(notification, Status.SUPPRESSED, now)
            return notification
        if not is_allowed(now):
            notification.status = Status.HELD
            notification.not_before = next_allowed(now)
            notification.save(update_fields=["status", "not_before"])
            enqueue(notification.pk, eta=notification.not_before)
            return notification
    # Claim: only one task gets past this line for a given row.
    claimed = Notification.objects.filter(pk=pk, status__in=WAITING).update(
        status=Status.SENDING, status_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        notification.refresh_from_db()
        return notification
    notification.status = Status.SENDING
    notification.attempts += 1
    to = _address(notification)
    if not to:
        _finish(notification, Status.FAILED, now, error="Aucune adresse pour ce canal.")
        return notification
    notification.to = to
    try:
        if notification.channel == Notification.Channel.EMAIL:
            provider_id = _send_email(notification, to, connection)
        else:
            provider_id = _send_sms(notification, to)
    except TransientSendError as error:
        notification.status = Status.PENDING
        notification.error = str(error)[:2000]
        notification.save(update_fields=["status", "error", "to"])
        raise
    except sms.SmsOptedOut as error:
        _finish(notification, Status.FAILED, now, error=str(error))
        # The provider says the person answered STOP: a withdrawal, recorded as such.
        sms_stop_received(phone=to, message_sid=notification.provider_id, by=Actor.system())
        return notification
    except (sms.SmsError, AnymailError) as error:
        bounced = isinstance(error, AnymailRecipientsRefused)
        _finish(notification, Status.BOUNCED if bounced else Status.FAILED, now, error=str(error))
        return notification
    notification.provider_id = provider_id
    notification.sent_at = now
    _finish(notification, Status.SENT, now)
    return notification


def _service_refused(notification: Notification) -> str | None:
    """Why a service message to a client must not leave now (the client changed their
    mind since it was queued, a reminder a day ahead say), or None."""
    client = notification.client
    if client is None or notification.is_marketing:
        return None
    if client.anonymised_at is not None:
        return "Client effacé."
    if notification.template == "service_alert" and client.is_restricted:
        return "Traitement limité (art. 18) : pas d'alerte."
    if notification.template in CLIENT_CHOSEN_TEMPLATES and not (
        client.takes_service_messages_by(notification.channel)
    ):
        return "Le client ne veut plus de messages de service par ce canal."
    return None


def _finish(notification: Notification, status: str, now: dt.datetime, error: str = "") -> None:
    notification.status = status
    notification.status_at = now
    notification.error = error[:2000]
    notification.save(
        update_fields=["status", "status_at", "error", "to", "provider_id", "sent_at"]
    )


def _marketing(notification: Notification) -> tuple[Client, Purpose]:
    """Marketing always has a client and a purpose (the database cannot say so)."""
    if notification.client is None or notification.purpose is None:
        raise ValueError("marketing needs a client and a purpose")
    return notification.client, notification.purpose


def _address(notification: Notification) -> str:
    if notification.client is not None:
        if notification.channel == Notification.Channel.EMAIL:
            return notification.client.email
        return str(notification.client.phone or "")
    if notification.user is not None and notification.channel == Notification.Channel.EMAIL:
        return str(notification.user.email)
    return ""


def _context(notification: Notification) -> dict[str, Any]:
    """What the template reads: the row's own context, and a campaign's text, kept once on
    the campaign rather than copied into each of its thousands of rows."""
    context = {**notification.context, "client": notification.client}
    if notification.campaign is not None:
        context.update(subject=notification.campaign.subject, body=notification.campaign.body)
    return context


def _language(notification: Notification) -> str:
    return notification.client.language if notification.client is not None else "fr"


def notification_subject(notification: Notification) -> str:
    """What a sent email or SMS was about, as its recipient read it: the email's subject,
    rendered again from the stored context ("Nouvelle réponse : Robot nettoyeur…")."""
    context = {
        **_context(notification),
        "controller": Controller.load(),
        "base_url": settings.PORTAL_BASE_URL,
    }
    try:
        with translation.override(_language(notification)):
            subject = render_text(f"emails/{notification.template}.subject.txt", context)
    except Exception:  # a template renamed since, or a context it no longer reads
        logger.warning("notification %s: subject not rendered", notification.pk, exc_info=True)
        return "—"
    return " ".join(subject.split()) or "—"


def _send_email(notification: Notification, to: str, connection: Any = None) -> str:
    message = render_email(
        notification.template,
        to=to,
        context=_context(notification),
        language=_language(notification),
    )
    if connection is not None:
        message.connection = connection  # one provider session for a whole chunk
    if notification.is_marketing:
        message.from_email = settings.MARKETING_FROM_EMAIL
        message.extra_headers.update(marketing_email_headers(*_marketing(notification)))
    try:
        message.send()
    except AnymailAPIError as error:
        if error.status_code is None or error.status_code == 429 or error.status_code >= 500:
            raise TransientSendError(str(error)) from error
        raise
    except OSError as error:  # SMTP or network trouble
        raise TransientSendError(str(error)) from error
    status = getattr(message, "anymail_status", None)
    return str(getattr(status, "message_id", "") or "")


def _send_sms(notification: Notification, to: str) -> str:
    language = _language(notification)
    context = {
        **_context(notification),
        "controller": Controller.load(),
        "base_url": settings.PORTAL_BASE_URL,
    }
    with translation.override(language):
        body = render_text(f"sms/{notification.template}.txt", context).strip()
        if notification.is_marketing:
            body = f"{body} {sms_opt_out(*_marketing(notification))}"
    try:
        callback = settings.PORTAL_BASE_URL + reverse("twilio_status")
        message = sms.Sms(to=sms.e164(to), body=body, status_callback=callback)
        return sms.get_backend().send(message)
    except ValueError as error:
        raise sms.SmsError(str(error), permanent=True) from error
    except sms.SmsError as error:
        if not error.permanent:
            raise TransientSendError(str(error)) from error
        raise


LOST_AFTER = dt.timedelta(minutes=10)
STUCK_AFTER = dt.timedelta(minutes=30)


def notifications_release_due(now: dt.datetime | None = None, limit: int = 100_000) -> int:
    """The safety net behind the tasks: held messages whose window has opened, and waiting
    ones whose task was lost (a broker restart), are queued again. Sending them twice is
    harmless: a row is claimed before it leaves."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(status__in=WAITING)
        .filter(
            models.Q(not_before__lte=now)
            | models.Q(not_before__isnull=True, created_at__lte=now - LOST_AFTER)
        )
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    pks = list(due)
    enqueue_many(pks)
    # A worker killed between the provider's answer and the save: whether the message left
    # is unknown, and it is not sent again blindly.
    Notification.objects.filter(status=Status.SENDING, status_at__lt=now - STUCK_AFTER).update(
        status=Status.FAILED,
        status_at=now,
        error="Envoi interrompu : vérifier chez le prestataire avant de renvoyer.",
    )
    return len(pks)

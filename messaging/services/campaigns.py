"""Campaigns and service alerts: the audience, a preview counted after consent, scheduling,
the fan-out in chunks, and the progress read from the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client, ClientTag
from consent.models import Purpose
from consent.selectors import contactable
from messaging.models import Campaign, Notification
from messaging.quiet_hours import is_allowed, next_allowed
from messaging.services.outbox import CHUNK, enqueue_many
from portal.audit import Actor, audit_log
from portal.exceptions import PortalError

Status = Notification.Status


class CampaignError(PortalError):
    pass


def campaign_segment(campaign: Campaign) -> QuerySet[Client]:
    """The clients the campaign is addressed to, before consent."""
    clients = Client.objects.filter(anonymised_at__isnull=True)
    if campaign.audience == Campaign.Audience.LOYALTY:
        return clients.filter(loyalty_card_valid_until__gte=timezone.localdate())
    if campaign.audience == Campaign.Audience.POSTAL_PREFIX:
        return clients.filter(postal_code__startswith=campaign.postal_prefix)
    if campaign.audience == Campaign.Audience.TAG:
        return clients.filter(
            Exists(ClientTag.objects.filter(client=OuterRef("pk"), tag=campaign.tag))
        )
    return clients


def campaign_recipients(
    campaign: Campaign, channel: str, purpose: Purpose | None
) -> QuerySet[Client]:
    """Who gets the campaign on `channel`.

    Marketing: the segment filtered by consent (or soft opt-in), restriction and the
    suppression list, exactly as each message is checked again when it leaves.
    A service alert needs no marketing consent, so it is narrower by law: only clients
    (a prospect has bought nothing to be alerted about), never a restricted record, and
    only on the channels each client chose for service messages.
    """
    segment = campaign_segment(campaign)
    if purpose is not None:
        return contactable(segment, purpose)
    alerted = segment.filter(
        status__in=(Client.Status.CLIENT, Client.Status.FORMER), is_restricted=False
    )
    if channel == Notification.Channel.EMAIL:
        return alerted.filter(service_by_email=True).exclude(email="")
    return alerted.filter(service_by_sms=True).exclude(phone="")


@dataclass(frozen=True)
class Preview:
    segment: int
    per_channel: list[tuple[str, int]]

    @property
    def messages(self) -> int:
        return sum(n for _channel, n in self.per_channel)


def campaign_preview(campaign: Campaign) -> Preview:
    return Preview(
        segment=campaign_segment(campaign).count(),
        per_channel=[
            (channel, campaign_recipients(campaign, channel, purpose).count())
            for channel, purpose in campaign.channels()
        ],
    )


def campaign_schedule(*, campaign: Campaign, at: dt.datetime, by: Actor) -> Campaign:
    """Schedule a draft. Marketing due outside the allowed hours starts when they open."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise CampaignError(_("Seule une campagne en brouillon peut être programmée."))
        if not campaign.channels():
            raise CampaignError(_("Choisissez au moins un canal."))
        if campaign.kind == Campaign.Kind.MARKETING:
            at = next_allowed(at)
        campaign.status = Campaign.Status.SCHEDULED
        campaign.scheduled_for = at
        campaign.save(update_fields=["status", "scheduled_for"])
        audit_log(
            action="messaging.campaign.scheduled",
            by=by,
            target=campaign,
            payload={"kind": campaign.kind, "audience": campaign.audience},
        )
        if at <= timezone.now():
            transaction.on_commit(lambda: _start(campaign.pk))
    return campaign


def _start(pk: int) -> None:
    from messaging.tasks import campaign_fan_out

    campaign_fan_out.delay(pk)


def campaign_cancel(*, campaign: Campaign, by: Actor) -> int:
    """Stop a scheduled campaign, or what has not left yet of one being sent."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (Campaign.Status.SCHEDULED, Campaign.Status.SENDING):
            raise CampaignError(_("Cette campagne n'est plus en cours."))
        campaign.status = Campaign.Status.CANCELLED
        campaign.save(update_fields=["status"])
        stopped = Notification.objects.filter(
            campaign=campaign, status__in=(Status.PENDING, Status.HELD)
        ).update(status=Status.CANCELLED, status_at=timezone.now())
        audit_log(
            action="messaging.campaign.cancelled",
            by=by,
            target=campaign,
            payload={"stopped": stopped},
        )
    return stopped


def campaigns_start_due(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        Campaign.objects.filter(
            Q(status=Campaign.Status.SCHEDULED, scheduled_for__lte=now)
            | Q(
                status=Campaign.Status.SENDING,
                finished_at__isnull=True,
                started_at__lt=now - STUCK_AFTER,
            )
        ).values_list("pk", flat=True)
    )
    for pk in due:
        _start(pk)
    return len(due)


STUCK_AFTER = dt.timedelta(minutes=30)


def campaign_fan_out(pk: int, *, now: dt.datetime | None = None) -> int:
    """Create the campaign's notifications in chunks and queue each chunk for sending.

    Claimed first: a second run finds it started and does nothing, unless the first died
    midway (started long ago and never finished): the keys make a rerun create only what is
    missing. Each chunk is written under the campaign's lock and only while it is still
    being sent: a cancellation stops the chunks that follow. Returns the number of
    notifications created."""
    now = now or timezone.now()
    campaign = Campaign.objects.get(pk=pk)
    if campaign.kind == Campaign.Kind.MARKETING and not is_allowed(now):
        Campaign.objects.filter(pk=pk, status=Campaign.Status.SCHEDULED).update(
            scheduled_for=next_allowed(now)
        )
        return 0
    due = Q(status=Campaign.Status.SCHEDULED, scheduled_for__lte=now)
    stuck = Q(
        status=Campaign.Status.SENDING,
        finished_at__isnull=True,
        started_at__lt=now - STUCK_AFTER,
    )
    if not Campaign.objects.filter(due | stuck, pk=pk).update(
        status=Campaign.Status.SENDING, started_at=now
    ):
        return 0
    created = 0
    for channel, purpose in campaign.channels():
        recipients = campaign_recipients(campaign, channel, purpose).order_by("pk")
        for client_ids in _chunks(recipients.values_list("pk", flat=True)):
            with transaction.atomic():
                locked = Campaign.objects.select_for_update().get(pk=pk)
                if locked.status != Campaign.Status.SENDING:
                    return created  # cancelled meanwhile
                pks = _create_chunk(campaign, channel, purpose, client_ids)
                created += len(pks)
                locked.recipients = F("recipients") + len(pks)
                locked.save(update_fields=["recipients"])
                if pks:
                    transaction.on_commit(partial(_send_chunk, pks))
    Campaign.objects.filter(pk=pk).update(finished_at=timezone.now())
    campaign_mark_sent_if_done(pk)  # its chunks may all have left already
    return created


QUEUED = (Status.PENDING, Status.HELD, Status.SENDING)


def campaign_mark_sent_if_done(pk: int) -> bool:
    """A campaign whose fan-out is over and whose messages have all left reads "Envoyée",
    as soon as its last chunk is sent. One statement, safe when several workers finish
    chunks at once: the last to commit sees nothing queued."""
    waiting = Notification.objects.filter(campaign=OuterRef("pk"), status__in=QUEUED)
    return bool(
        Campaign.objects.filter(pk=pk, status=Campaign.Status.SENDING, finished_at__isnull=False)
        .exclude(Exists(waiting))
        .update(status=Campaign.Status.SENT)
    )


def _create_chunk(
    campaign: Campaign, channel: str, purpose: Purpose | None, client_ids: list[int]
) -> list[int]:
    """The chunk's rows, once: a rerun finds the existing keys and creates nothing for them.
    Returns the rows created now and still waiting to be sent."""
    keys = [f"campaign-{campaign.pk}-{channel}-{client_id}" for client_id in client_ids]
    existing = set(
        Notification.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    rows = [
        Notification(
            client_id=client_id,
            campaign=campaign,
            channel=channel,
            purpose=purpose,
            template="campaign" if purpose is not None else "service_alert",
            idempotency_key=key,
        )
        for client_id, key in zip(client_ids, keys, strict=True)
        if key not in existing
    ]
    # The rows' keys, not bulk_create's result: with ignore_conflicts it has no ids.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows], status=Status.PENDING
        ).values_list("pk", flat=True)
    )


def _send_chunk(pks: list[int]) -> None:
    enqueue_many(pks)


def _chunks(ids: QuerySet[Client, int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    for client_id in ids.iterator(chunk_size=CHUNK):
        chunk.append(client_id)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Progress:
    queued: int
    sent: int
    delivered: int
    failed: int
    suppressed: int
    cancelled: int

    @property
    def total(self) -> int:
        return (
            self.queued
            + self.sent
            + self.delivered
            + self.failed
            + self.suppressed
            + self.cancelled
        )

    @property
    def done(self) -> int:
        return self.total - self.queued

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def campaign_progress(campaign: Campaign) -> Progress:
    """Counts by outcome, in one query. A campaign whose messages have all left is marked
    sent."""
    counts = dict(
        Notification.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    progress = Progress(
        queued=sum(counts.get(s, 0) for s in (Status.PENDING, Status.HELD, Status.SENDING)),
        sent=counts.get(Status.SENT, 0),
        delivered=counts.get(Status.DELIVERED, 0),
        failed=counts.get(Status.FAILED, 0) + counts.get(Status.BOUNCED, 0),
        suppressed=counts.get(Status.SUPPRESSED, 0),
        cancelled=counts.get(Status.CANCELLED, 0),
    )
    if (
        campaign.status == Campaign.Status.SENDING
        and campaign.finished_at is not None
        and progress.queued == 0
    ):
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT
        )
        campaign.status = Campaign.Status.SENT
    return progress

"""Before a client is anonymised for inactivity, one email asks whether they want us to keep
their data (the CNIL's single re-solicitation of a prospect); the purge waits 30 days. A
click on "keep" is an explicit yes: it counts as a contact. An opened email does not."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Client
from accounts.services import client_update
from portal.audit import Actor, audit_log
from portal.mail import send_email
from retention.models import RetentionRule
from retention.rules import cutoff

NOTICE = timedelta(days=30)
# A warning older than this, or older than the last contact, no longer counts: the client
# is warned again before any purge.
WARNING_VALID = timedelta(days=90)
INACTIVITY_EVENTS = (RetentionRule.Event.LAST_CONTACT,)
_SALT = "retention.keep"
_FIELD = "last_contact_at"

logger = logging.getLogger(__name__)


def is_inactivity_rule(rule: RetentionRule) -> bool:
    return rule.data_kind == "accounts.client_profile" and rule.event in INACTIVITY_EVENTS


def needs_warning(now: dt.datetime) -> Q:
    """Never warned, or the warning is stale: older than the last contact or 90 days."""
    return (
        Q(retention_warned_at__isnull=True)
        | Q(retention_warned_at__lt=F(_FIELD))
        | Q(retention_warned_at__lt=now - WARNING_VALID)
    )


def waited_long_enough(now: dt.datetime | None = None) -> Q:
    """Clients the purge may take: warned, by a warning that still counts, 30 days ago or
    more; or with no address to warn."""
    now = now or timezone.now()
    return Q(email="") | Q(
        retention_warned_at__lte=now - NOTICE,
        retention_warned_at__gte=now - WARNING_VALID,
        retention_warned_at__gt=F(_FIELD),
    )


def to_warn(
    rule: RetentionRule, spare: QuerySet[Any], now: dt.datetime | None = None
) -> QuerySet[Client]:
    """Clients this rule will reach within 30 days, with an address, and no warning that
    still counts."""
    now = now or timezone.now()
    soon = timezone.make_aware(dt.datetime.combine(cutoff(rule) + NOTICE, dt.time.min))
    clients = Client.objects.filter(**{f"{_FIELD}__lt": soon}).filter(needs_warning(now))
    clients = clients.exclude(email="").exclude(pk__in=spare).filter(anonymised_at__isnull=True)
    if rule.client_status:
        clients = clients.filter(status=rule.client_status)
    return clients


def warn(client: Client, purge_on: dt.date) -> bool:
    """Send the one warning. The client is claimed first with a conditional UPDATE, so two
    runs never send it twice; if the email cannot leave, the claim is undone and the purge
    keeps waiting."""
    now = timezone.now()
    claimed = (
        Client.objects.filter(pk=client.pk)
        .filter(needs_warning(now))
        .update(retention_warned_at=now)
    )
    if not claimed:
        return False
    token = keep_token(client)
    try:
        send_email(
            "retention_warning",
            to=client.email,
            language=client.language,
            context={
                "name": client.full_name,
                "purge_on": purge_on,
                "url": settings.PORTAL_BASE_URL
                + reverse("retention_keep", kwargs={"token": token}),
            },
        )
    except Exception:
        Client.objects.filter(pk=client.pk, retention_warned_at=now).update(
            retention_warned_at=client.retention_warned_at
        )
        logger.exception("Retention warning to client %s not sent", client.pk)
        return False
    audit_log(action="retention.client.warned", by=Actor.system(), client=client)
    return True


def keep_token(client: Client) -> str:
    """The token of the warning's "keep my data" link (valid 90 days)."""
    return signing.dumps({"c": client.pk}, salt=_SALT)


def keep_read(token: str) -> Client | None:
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=90))
    except signing.BadSignature:
        return None
    return Client.objects.filter(pk=data.get("c")).first()


def keep_confirm(*, client: Client, by: Actor) -> Client:
    """The explicit yes: a contact, which restarts the retention period."""
    client = client_update(client=client, data={"last_contact_at": timezone.now()}, by=by)
    Client.objects.filter(pk=client.pk).update(retention_warned_at=None)
    return client

"""Before a client is anonymised for inactivity, one email asks whether they want us to keep
their data (the CNIL's single re-solicitation of a prospect); the purge waits 30 days. A
click on "keep" is an explicit yes: it counts as a contact. An opened email does not."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Client
from accounts.services import client_update
from portal.audit import Actor, audit_log
from portal.mail import send_email
from retention.models import RetentionRule
from retention.rules import cutoff

NOTICE = timedelta(days=30)
INACTIVITY_EVENTS = (RetentionRule.Event.LAST_CONTACT, RetentionRule.Event.COLLECTION)
_SALT = "retention.keep"


def is_inactivity_rule(rule: RetentionRule) -> bool:
    return rule.data_kind == "accounts.client_profile" and rule.event in INACTIVITY_EVENTS


def waited_long_enough(now: dt.datetime | None = None) -> Q:
    """Clients the purge may take: warned 30 days ago or more, or with no address to warn."""
    now = now or timezone.now()
    return Q(email="") | Q(retention_warned_at__lte=now - NOTICE)


def to_warn(rule: RetentionRule, spare: QuerySet[Any]) -> QuerySet[Client]:
    """Clients this rule will reach within 30 days, not yet warned, with an address."""
    field = {"last_contact": "last_contact_at", "collection": "collected_at"}[rule.event]
    soon = timezone.make_aware(dt.datetime.combine(cutoff(rule) + NOTICE, dt.time.min))
    clients = Client.objects.filter(**{f"{field}__lt": soon}, retention_warned_at__isnull=True)
    clients = clients.exclude(email="").exclude(pk__in=spare).exclude(last_name="Client effacé")
    if rule.client_status:
        clients = clients.filter(status=rule.client_status)
    return clients


def warn(client: Client, purge_on: dt.date) -> None:
    token = signing.dumps({"c": client.pk}, salt=_SALT)
    send_email(
        "retention_warning",
        to=client.email,
        language=client.language,
        context={
            "name": client.full_name,
            "purge_on": purge_on,
            "url": settings.PORTAL_BASE_URL + reverse("retention_keep", kwargs={"token": token}),
        },
    )
    Client.objects.filter(pk=client.pk).update(retention_warned_at=timezone.now())
    audit_log(action="retention.client.warned", by=Actor.system(), client=client)


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

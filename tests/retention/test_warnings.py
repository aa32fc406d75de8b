from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.utils import timezone

from accounts.models import Client
from retention.services.purge import purge_run
from tests.factories import ClientFactory
from tests.retention.test_purge import _rule, activity  # noqa: F401


def _old_prospect(**extra) -> Client:
    return ClientFactory(
        user=None,
        status="prospect",
        email="p@client.test",
        last_contact_at=timezone.now() - dt.timedelta(days=4 * 365),
        **extra,
    )


def test_a_prospect_is_warned_once_and_the_purge_waits_30_days(activity) -> None:  # noqa: F811
    _rule(activity)
    prospect = _old_prospect()
    first = purge_run()
    assert first.total == 0
    assert next(iter(first.counts.values()))["warned"] == 1
    assert len(mail.outbox) == 1
    assert "conserve vos coordonnées" in mail.outbox[0].subject
    assert purge_run().total == 0  # still waiting, and no second message
    assert len(mail.outbox) == 1
    Client.objects.filter(pk=prospect.pk).update(
        retention_warned_at=timezone.now() - dt.timedelta(days=31)
    )
    assert purge_run().total == 1
    prospect.refresh_from_db()
    assert prospect.last_name == "Client effacé"


def test_keeping_is_an_explicit_yes_that_restarts_the_clock(browser_client, activity) -> None:  # noqa: F811
    client = browser_client
    _rule(activity)
    prospect = _old_prospect()
    purge_run()
    path = re.search(r"https://portail\.test(/conserver/[^\s]+/)", mail.outbox[0].body).group(1)
    assert "Oui, conservez-les" in client.get(path).content.decode()
    client.post(path)
    prospect.refresh_from_db()
    assert prospect.last_contact_at > timezone.now() - dt.timedelta(minutes=1)
    assert prospect.retention_warned_at is None
    Client.objects.filter(pk=prospect.pk).update(
        retention_warned_at=timezone.now() - dt.timedelta(days=31)
    )
    assert purge_run().total == 0  # no longer inactive


def test_a_dry_run_sends_no_warning(activity) -> None:  # noqa: F811
    _rule(activity)
    _old_prospect()
    run = purge_run(dry_run=True)
    assert next(iter(run.counts.values()))["warned"] == 1
    assert mail.outbox == []
    assert not Client.objects.filter(retention_warned_at__isnull=False).exists()


def test_a_contact_without_email_is_not_waited_for(activity) -> None:  # noqa: F811
    _rule(activity)
    ClientFactory(
        user=None,
        status="prospect",
        email="",
        last_contact_at=timezone.now() - dt.timedelta(days=4 * 365),
    )
    assert purge_run().total == 1

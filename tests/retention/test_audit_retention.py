from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from portal.audit import Actor, audit_chain_verify, audit_log
from portal.models import AuditChainHead, AuditEvent
from retention.models import LegalHold
from retention.services.purge import purge_run
from tests.retention.test_purge import _rule, activity  # noqa: F401


def _event_at(moment: dt.datetime, client=None) -> AuditEvent:
    with mock.patch("portal.audit.timezone.now", return_value=moment):
        return audit_log(action="accounts.client.viewed", by=Actor(), client=client)


def test_old_audit_events_go_and_the_chain_still_verifies(activity, alice) -> None:  # noqa: F811
    _rule(
        activity,
        data_kind="portal.audit_trail",
        label="Journal",
        duration=1,
        unit="years",
        event="collection",
        action="delete",
    )
    old = timezone.now() - dt.timedelta(days=500)
    olds = [_event_at(old + dt.timedelta(minutes=i), alice) for i in range(5)]
    recent = [
        audit_log(action="accounts.client.viewed", by=Actor(), client=alice) for _ in range(3)
    ]
    # A legal hold does not keep security logs past their period.
    LegalHold.objects.create(
        client=alice, reason="litigation", legal_reference="Litige", starts_on="2020-01-01"
    )
    run = purge_run(batch_size=2)
    assert run.total == 5
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in olds]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 3
    head = AuditChainHead.objects.get()
    assert head.anchor_event_id == olds[-1].pk
    report = audit_chain_verify()
    assert report.ok
    audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    assert audit_chain_verify().ok


def test_a_deletion_past_the_checkpoint_is_still_detected(activity, alice) -> None:  # noqa: F811
    from django.db import connection

    _rule(
        activity,
        data_kind="portal.audit_trail",
        label="Journal",
        duration=1,
        unit="years",
        event="collection",
        action="delete",
    )
    _event_at(timezone.now() - dt.timedelta(days=500), alice)
    kept = [audit_log(action="accounts.client.viewed", by=Actor(), client=alice) for _ in range(3)]
    purge_run()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [kept[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    assert audit_chain_verify().reason == "missing-or-reordered"


def test_expired_opposition_listings_go(activity) -> None:  # noqa: F811
    from consent.models import Suppression

    _rule(
        activity,
        data_kind="consent.suppression",
        label="Opposition",
        duration=0,
        unit="days",
        event="expiry",
        action="delete",
    )
    now = timezone.now()
    Suppression.objects.create(
        kind="email",
        digest="a" * 64,
        reason="objection",
        created_at=now - dt.timedelta(days=1200),
        expires_at=now - dt.timedelta(days=2),
    )
    Suppression.objects.create(
        kind="email",
        digest="b" * 64,
        reason="objection",
        created_at=now,
        expires_at=now + dt.timedelta(days=1000),
    )
    assert purge_run().total == 1
    assert list(Suppression.objects.values_list("digest", flat=True)) == ["b" * 64]

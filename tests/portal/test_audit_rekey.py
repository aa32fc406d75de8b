"""Upgrading a portal whose audit chain was sealed without a key: the migration verifies the
chain as it stands, then seals it again with AUDIT_HMAC_KEY, and refuses to re-seal a chain
that was tampered with."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.audit import _actor_digest, _subject_digest, audit_chain_verify
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("portal", "0006_file_deletion_journal"), ("consent", "0004_suppression_after_erasure")]
rekey = importlib.import_module("portal.migrations.0007_audit_chain_keyed_and_guarded")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _unkeyed_chain(count: int) -> list[int]:
    """Events as the portal sealed them before: plain SHA-256, written behind the trigger."""
    prev, ids = "0" * 64, []
    start = timezone.now() - dt.timedelta(days=3)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        for n in range(count):
            row = {
                "at": start + dt.timedelta(minutes=n),
                "action": "accounts.client.viewed",
                "actor_kind": "system",
                "payload": {"n": n},
                "actor_digest": _actor_digest(actor_id=None, ip=None),
                "subject_digest": _subject_digest(
                    nonce="", client_id=None, target_type="", target_id=""
                ),
            }
            digest = hashlib.sha256(rekey._content(prev, row)).hexdigest()
            event = AuditEvent.objects.create(**row, prev_hash=prev, hash=digest)
            ids.append(event.pk)
            prev = digest
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    with connection.cursor() as cursor:  # the table as it stood before 0007
        cursor.execute("DELETE FROM portal_auditchainhead")
        cursor.execute(
            "INSERT INTO portal_auditchainhead (id, last_event_id, last_hash, count, "
            "anchor_event_id, anchor_hash) VALUES (1, %s, %s, %s, NULL, %s)",
            [ids[-1], prev, count, "0" * 64],
        )
    return ids


def test_an_unkeyed_chain_is_verified_then_sealed_with_the_key() -> None:
    _migrate(BEFORE)
    try:
        _unkeyed_chain(4)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    report = audit_chain_verify()
    assert (report.ok, report.checked) == (True, 4)


def test_a_tampered_unkeyed_chain_is_not_sealed_again() -> None:
    _migrate(BEFORE)
    try:
        ids = _unkeyed_chain(4)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
            cursor.execute(
                "UPDATE portal_auditevent SET action = 'accounts.client.updated' WHERE id = %s",
                [ids[1]],
            )
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
        with pytest.raises(RuntimeError, match=f"broken at event {ids[1]}"):
            _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    finally:
        AuditEvent.objects.all().delete() if connection.vendor != "postgresql" else None
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
                cursor.execute("DELETE FROM portal_auditevent")
                cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE portal_auditchainhead SET last_event_id = NULL, last_hash = %s, count = 0",
                ["0" * 64],
            )
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

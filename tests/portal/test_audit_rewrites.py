"""What someone holding the application's database credentials could do to the audit trail
and the consent ledger, and what `verify_audit_chain` says of each rewrite: the exceptions
to the append-only triggers do not open from a plain session, TRUNCATE is refused, the chain
is keyed with a secret that is not in the database, and the daily anchors reveal a trail cut
short with its stored head moved back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from datetime import UTC

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from consent.models import ConsentRecord, Purpose
from consent.services import consent_scrub_client
from portal.audit import Actor, audit_chain_verify, audit_log, audit_scrub_client
from portal.audit_anchors import Anchor, audit_anchor_publish, audit_anchor_take
from portal.models import AuditChainHead, AuditEvent, Controller
from tests.consent.conftest import choose

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles and triggers are PostgreSQL's"
)
APP_ROLE = "portal_app_test"


def _events(client, n: int = 5) -> list[AuditEvent]:
    return [audit_log(action="accounts.client.viewed", by=Actor(), client=client) for _ in range(n)]


def _as_owner(*statements: tuple[str, list[object]]) -> None:
    """Rewrites by someone with the owner's rights, who can switch the trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


def _verify(*anchors: str) -> str:
    out = io.StringIO()
    args = [arg for line in anchors for arg in ("--anchor", line)]
    call_command("verify_audit_chain", *args, stdout=out)
    return out.getvalue()


# The application's role: it owns nothing, and may only read and write rows.


@pytest.fixture
def app_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    return APP_ROLE


def _refused_as_app(*statements: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        for statement in statements[:-1]:
            cursor.execute(statement)
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute(statements[-1], params)


@postgresql_only
def test_the_app_role_cannot_open_the_exceptions(app_role, alice) -> None:
    event = _events(alice, 1)[0]
    record = choose(alice, Purpose.objects.get(key="marketing_email"), True)
    # A session setting no longer opens the retention purge's exception...
    _refused_as_app(
        "SELECT set_config('portal.audit_purge', 'on', false)",
        "DELETE FROM portal_auditevent WHERE id = %s",
        params=[event.pk],
    )
    # ... nor the erasure's, on the trail or on the ledger.
    _refused_as_app(
        "SELECT set_config('portal.audit_scrub', 'on', false)",
        "UPDATE portal_auditevent SET client_id = NULL, target_type = '', target_id = '', "
        "subject_nonce = '', scrubbed_at = now() WHERE id = %s",
        params=[event.pk],
    )
    _refused_as_app(
        "SELECT set_config('portal.consent_scrub', 'on', false)",
        "UPDATE consent_consentrecord SET ip = NULL, user_agent = '', proof = '', note = '', "
        "scrubbed_at = now() WHERE id = %s",
        params=[record.pk],
    )
    # The role owns nothing: it can neither switch the trigger off nor empty the tables.
    _refused_as_app("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
    _refused_as_app("TRUNCATE portal_auditevent")
    _refused_as_app("TRUNCATE consent_consentrecord")
    _refused_as_app("SELECT portal_audit_purge_through(%s)", params=[event.pk])  # too young
    assert AuditEvent.objects.filter(pk=event.pk, client=alice).exists()
    assert ConsentRecord.objects.filter(pk=record.pk, scrubbed_at__isnull=True).exists()


@postgresql_only
def test_the_app_role_still_erases_through_the_owners_functions(app_role, alice, carol) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    audit_log(action="accounts.client.viewed", by=Actor(user=carol), client=alice)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        assert audit_scrub_client(client=alice) >= 1
        assert consent_scrub_client(client=alice) == 1
    assert not AuditEvent.objects.filter(client=alice).exists()
    assert not ConsentRecord.objects.filter(client=alice, scrubbed_at__isnull=True).exists()
    assert audit_chain_verify().ok


@postgresql_only
def test_truncate_is_refused_even_to_the_owner(app_role) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            # The test runs as a superuser, who can do anything: act as a plain owner.
            cursor.execute(
                "DO $$ BEGIN CREATE ROLE portal_owner_test NOLOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
            cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO portal_owner_test")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE portal_owner_test")
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            cursor.execute("TRUNCATE portal_auditevent")


# Rewrites by someone who could switch the trigger off, and what verification says.


def test_a_chain_recomputed_without_the_key_is_detected(alice) -> None:
    events = _events(alice)
    # Insert an event in the middle and seal every later one again, as the chain was sealed
    # before it had a key: plain SHA-256 over the same fields.
    rows = list(AuditEvent.objects.filter(pk__gte=events[2].pk).order_by("pk").values())
    prev = events[1].hash
    statements = []
    for row in rows:
        content = json.dumps(
            {
                "prev": prev,
                "at": row["at"].astimezone(UTC).isoformat(timespec="microseconds"),
                "action": "accounts.client.updated",
                "actor_kind": row["actor_kind"],
                "payload": row["payload"],
                "actor": row["actor_digest"],
                "subject": row["subject_digest"],
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        new = hashlib.sha256(content).hexdigest()
        statements.append(
            (
                "UPDATE portal_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                ["accounts.client.updated", prev, new, row["id"]],
            )
        )
        prev = new
    statements.append(("UPDATE portal_auditchainhead SET last_hash = %s", [prev]))
    _as_owner(*statements)
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.reason) == (False, events[2].pk, "content-altered")
    with pytest.raises(CommandError, match="contenu de l'événement a été modifié"):
        _verify()


def test_a_trail_cut_short_with_its_head_moved_back_is_caught_by_the_anchor(alice) -> None:
    events = _events(alice)
    anchor = audit_anchor_take()
    assert anchor is not None
    line = anchor.line()
    assert "Journal d'audit intègre : 5 événements vérifiés, 1 ancre" in _verify(line)
    # Delete the last two events and move the stored head back: the chain alone is whole.
    _as_owner(
        ("DELETE FROM portal_auditevent WHERE id >= %s", [events[3].pk]),
        (
            "UPDATE portal_auditchainhead SET last_event_id = %s, last_hash = %s, count = 3",
            [events[2].pk, events[2].hash],
        ),
    )
    assert audit_chain_verify().ok
    with pytest.raises(CommandError, match="la fin du journal a été supprimée"):
        _verify(line)


def test_an_emptied_trail_is_caught_by_the_anchor(alice) -> None:
    _events(alice, 3)
    line = audit_anchor_take().line()
    _as_owner(
        ("DELETE FROM portal_auditevent", []),
        (
            "UPDATE portal_auditchainhead SET last_event_id = NULL, last_hash = %s, count = 0",
            ["0" * 64],
        ),
    )
    assert audit_chain_verify().ok
    with pytest.raises(CommandError, match="a disparu"):
        _verify(line)


def test_a_forged_anchor_is_refused(alice) -> None:
    _events(alice, 2)
    line = audit_anchor_take().line()
    forged = line.replace("nombre=2", "nombre=1")
    assert Anchor.parse(forged) is None
    with pytest.raises(CommandError, match="signature fausse"):
        _verify(forged)


def test_the_anchor_goes_to_the_log_and_to_the_dpo(alice, caplog) -> None:
    Controller.objects.update_or_create(pk=1, defaults={"dpo_email": "dpo@entreprise.test"})
    _events(alice, 2)
    with caplog.at_level("INFO", logger="portal.audit.anchor"):
        line = audit_anchor_publish()
    assert line in caplog.text
    assert mail.outbox[-1].to == ["dpo@entreprise.test"]
    assert line in mail.outbox[-1].body
    assert "journal d'audit" in mail.outbox[-1].subject
    assert Anchor.parse(mail.outbox[-1].body) is not None
    # A later day's check, from the email as received.
    assert "1 ancre" in _verify(mail.outbox[-1].body.split("\n")[4])


def test_events_purged_by_retention_since_an_anchor_are_not_a_fault(alice) -> None:
    from unittest import mock

    from portal.audit import audit_purge_through
    from portal.models import AuditChainHead as Head

    old = dt.datetime(2024, 1, 1, tzinfo=UTC)
    with mock.patch("portal.audit.timezone.now", return_value=old):
        olds = _events(alice, 3)
    line = audit_anchor_take().line()  # the head was the last old event
    _events(alice, 2)
    assert audit_purge_through(olds[-1].pk) == 3
    assert Head.objects.get().anchor_event_id == olds[-1].pk
    assert "1 ancre" in _verify(line)


def test_the_head_row_is_one_of_the_things_checked(alice) -> None:
    _events(alice, 2)
    _as_owner(("UPDATE portal_auditchainhead SET count = 7", []))
    assert not audit_chain_verify().ok
    assert AuditChainHead.objects.get().count == 7


@postgresql_only
def test_no_temporary_object_of_the_app_role_stands_in_for_the_real_ones(app_role, alice) -> None:
    events = _events(alice, 3)
    # A temporary pg_class that names the app role as the owner of the audit trail.
    _refused_as_app(
        "CREATE TEMP TABLE pg_class (oid oid, relowner oid)",
        "INSERT INTO pg_temp.pg_class SELECT 'portal_auditevent'::regclass::oid, "
        "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)",
        "SELECT set_config('portal.audit_purge', 'on', true)",
        "DELETE FROM portal_auditevent",
    )
    # A temporary portal_auditevent whose trigger would run as the owner inside the
    # owner's function.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute("CREATE TEMP TABLE portal_auditevent (LIKE public.portal_auditevent)")
        cursor.execute(
            "CREATE FUNCTION pg_temp.evil() RETURNS trigger AS $$ BEGIN "
            "DELETE FROM public.portal_auditevent; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER evil BEFORE UPDATE ON pg_temp.portal_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.evil()"
        )
        cursor.execute(
            "INSERT INTO pg_temp.portal_auditevent SELECT * FROM public.portal_auditevent"
        )
        cursor.execute("SELECT portal_audit_scrub(%s, NULL)", [alice.pk])
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in events]).count() == 3
    assert audit_chain_verify().ok


def test_a_checkpoint_moved_forward_to_hide_deleted_events_is_detected(alice) -> None:
    events = _events(alice, 4)
    line = audit_anchor_take().line()
    # Delete everything and pretend retention did it: the head's checkpoint moved forward.
    _as_owner(
        ("DELETE FROM portal_auditevent", []),
        (
            "UPDATE portal_auditchainhead SET anchor_event_id = %s, anchor_hash = %s, count = 0",
            [events[-1].pk, events[-1].hash],
        ),
    )
    report = audit_chain_verify()
    assert (report.ok, report.reason) == (False, "checkpoint-forged")
    with pytest.raises(CommandError, match="point de reprise"):
        _verify()
    # Even with a valid signature, a young event cannot have left by retention.
    from portal.audit import checkpoint_signature

    _as_owner(
        (
            "UPDATE portal_auditchainhead SET anchor_signature = %s",
            [checkpoint_signature(events[-1].pk, events[-1].hash)],
        )
    )
    assert audit_chain_verify().ok
    with pytest.raises(CommandError, match="a disparu"):
        _verify(line)


@pytest.mark.parametrize("where", ["behind the checkpoint", "beyond the head"])
def test_a_row_inserted_outside_the_chain_is_detected(alice, where) -> None:
    events = _events(alice, 3)
    if where == "behind the checkpoint":
        from portal.audit import checkpoint_signature

        _as_owner(
            (
                "UPDATE portal_auditchainhead SET anchor_event_id = %s, anchor_hash = %s, "
                "anchor_signature = %s, count = 0",
                [
                    events[-1].pk,
                    events[-1].hash,
                    checkpoint_signature(events[-1].pk, events[-1].hash),
                ],
            ),
            ("DELETE FROM portal_auditevent WHERE id > %s", [events[0].pk]),
        )
        # events[0] stays behind the checkpoint: as if it had been inserted there.
    else:
        row = AuditEvent.objects.filter(pk=events[-1].pk).values().get()
        row.update(id=events[-1].pk + 1000, hash="f" * 64, prev_hash=events[-1].hash)
        _as_owner(
            (
                "INSERT INTO portal_auditevent (id, at, action, actor_kind, payload, "
                "subject_nonce, actor_digest, subject_digest, prev_hash, hash, target_type, "
                "target_id) SELECT %s, at, action, actor_kind, payload, subject_nonce, "
                "actor_digest, subject_digest, %s, %s, target_type, target_id "
                "FROM portal_auditevent WHERE id = %s",
                [row["id"], row["prev_hash"], row["hash"], events[-1].pk],
            )
        )
    report = audit_chain_verify()
    assert (report.ok, report.reason) == (False, "foreign-rows")

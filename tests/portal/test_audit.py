from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from portal.audit import Actor, AuditPayloadError, audit_chain_verify, audit_log, audit_scrub_client
from portal.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[object]) -> None:
    """An edit made directly in the database, behind the application's back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger refuses it; an attacker with the owner's rights could disable it.
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


def _three_events(client) -> list[AuditEvent]:
    by = Actor(user=client.user, ip="203.0.113.7")
    return [
        audit_log(
            action="accounts.client.updated", by=by, client=client, payload={"fields": ["phone"]}
        ),
        audit_log(
            action="accounts.document.downloaded", by=by, client=client, payload={"kind": "quote"}
        ),
        audit_log(action="accounts.client.viewed", by=by, client=client),
    ]


def test_events_form_a_chain(alice) -> None:
    AuditEvent.objects.all()
    events = _three_events(alice)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert AuditChainHead.objects.get().last_hash == events[2].hash
    report = audit_chain_verify()
    assert report.ok
    assert report.checked == AuditEvent.objects.count()


def test_event_records_actor_client_time_ip_and_payload(alice) -> None:
    event = audit_log(
        action="accounts.client.updated",
        by=Actor(user=alice.user, ip="203.0.113.7"),
        client=alice,
        target=alice,
        payload={"fields": ["phone"]},
    )
    event.refresh_from_db()
    assert event.actor == alice.user
    assert event.client == alice
    assert event.ip == "203.0.113.7"
    assert event.target_type == "accounts.client"
    assert event.target_id == str(alice.pk)
    assert event.payload == {"fields": ["phone"]}
    assert event.at is not None


@pytest.mark.parametrize(
    "payload", [{"email": "alice@client.test"}, {"phone": "+33 6 12 34 56 78"}, {"obj": object()}]
)
def test_payload_refuses_personal_data(alice, payload) -> None:
    with pytest.raises(AuditPayloadError):
        audit_log(action="accounts.client.updated", by=Actor(), client=alice, payload=payload)


def test_action_must_be_dotted(alice) -> None:
    with pytest.raises(ValueError, match="dotted"):
        audit_log(action="updated", by=Actor(), client=alice)


def test_verify_detects_an_edit_in_the_database(alice) -> None:
    events = _three_events(alice)
    _raw(
        "UPDATE portal_auditevent SET action = %s WHERE id = %s",
        ["accounts.client.created", events[1].pk],
    )
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_at == events[1].pk
    assert report.reason == "content-altered"


def test_verify_detects_a_changed_identity(alice, bob) -> None:
    events = _three_events(alice)
    _raw("UPDATE portal_auditevent SET client_id = %s WHERE id = %s", [bob.pk, events[0].pk])
    report = audit_chain_verify()
    assert report.reason == "identity-altered"
    assert report.broken_at == events[0].pk


def test_verify_detects_a_deletion_in_the_middle(alice) -> None:
    events = _three_events(alice)
    _raw("DELETE FROM portal_auditevent WHERE id = %s", [events[1].pk])
    report = audit_chain_verify()
    assert report.reason == "missing-or-reordered"
    assert report.broken_at == events[2].pk


def test_verify_detects_a_deletion_at_the_end(alice) -> None:
    events = _three_events(alice)
    _raw("DELETE FROM portal_auditevent WHERE id = %s", [events[2].pk])
    assert audit_chain_verify().reason == "tail-missing"


def test_command_reports_in_french(alice, capsys) -> None:
    events = _three_events(alice)
    call_command("verify_audit_chain")
    assert "Journal d'audit intègre" in capsys.readouterr().out
    _raw(
        "UPDATE portal_auditevent SET payload = %s WHERE id = %s",
        ['{"kind": "invoice"}', events[1].pk],
    )
    with pytest.raises(CommandError, match=f"altéré à l'événement n° {events[1].pk}"):
        call_command("verify_audit_chain")


def test_scrub_blanks_identity_and_keeps_the_chain_valid(alice, carol) -> None:
    own = audit_log(
        action="accounts.client.updated", by=Actor(user=alice.user, ip="203.0.113.7"), client=alice
    )
    staff = audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    assert audit_scrub_client(client=alice) >= 2
    own.refresh_from_db()
    staff.refresh_from_db()
    assert (own.actor_id, own.client_id, own.ip) == (None, None, None)
    # What staff did stays attributed to them; only whom it was about goes.
    assert (staff.actor_id, staff.client_id, staff.ip) == (carol.pk, None, "198.51.100.4")
    assert own.scrubbed_at
    assert staff.scrubbed_at
    assert audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_update_and_delete(alice) -> None:
    event = audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    for statement in (
        "UPDATE portal_auditevent SET action = 'x.y.z' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
        "UPDATE portal_auditevent SET client_id = NULL WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_scrub_mode_still_refuses_content_changes(alice) -> None:
    event = audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.audit_scrub', 'on', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(
                "UPDATE portal_auditevent SET action = 'x.y.z', scrubbed_at = now() WHERE id = %s",
                [event.pk],
            )


def test_behind_the_proxy_the_audit_records_the_clients_address(alice, settings, rf) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    request.user = alice.user
    assert Actor.from_request(request).ip == "203.0.113.9"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert Actor.from_request(request).ip == "10.0.0.2"


def test_after_scrub_nothing_links_an_event_to_the_client(alice, carol) -> None:
    staff = audit_log(
        action="accounts.client.viewed",
        by=Actor(user=carol, ip="198.51.100.4"),
        client=alice,
        target=alice,
    )
    audit_scrub_client(client=alice)
    staff.refresh_from_db()
    assert (staff.client_id, staff.target_type, staff.target_id, staff.subject_nonce) == (
        None,
        "",
        "",
        "",
    )
    # The subject digest was salted with the blanked nonce: trying every client id finds nothing.
    from portal.audit import _subject_digest

    guesses = {
        _subject_digest(nonce="", client_id=pk, target_type="accounts.client", target_id=str(pk))
        for pk in range(1, 1000)
    }
    assert staff.subject_digest not in guesses
    assert audit_chain_verify().ok


def test_verify_detects_a_scrubbed_staff_event_given_to_someone_else(alice, carol, dana) -> None:
    event = audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    audit_scrub_client(client=alice)
    _raw(
        "UPDATE portal_auditevent SET actor_id = %s, ip = %s WHERE id = %s",
        [dana.pk, "192.0.2.1", event.pk],
    )
    assert audit_chain_verify().reason == "identity-altered"


def test_verify_detects_a_fake_scrub_hiding_a_staff_member(alice, carol) -> None:
    event = audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    _raw(
        "UPDATE portal_auditevent SET actor_id = NULL, ip = NULL, client_id = NULL, "
        "target_type = '', target_id = '', subject_nonce = '', scrubbed_at = %s "
        "WHERE id = %s",
        ["2026-11-01 10:00:00+00", event.pk],
    )
    assert audit_chain_verify().reason == "identity-altered"


def test_verify_ignores_events_appended_after_it_started(alice, monkeypatch) -> None:
    from portal import audit

    _three_events(alice)
    head = AuditChainHead.objects.get()
    late = audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    # As if the late event had been written while the check was reading: the head it read
    # first still ends the chain it verifies, and the head read again at the end has moved.
    first = iter([head])
    monkeypatch.setattr(audit, "_chain_head", lambda: next(first))
    report = audit_chain_verify()
    assert report.ok
    assert report.checked == head.count
    assert late.pk > head.last_event_id


@pytest.mark.parametrize(
    "payload",
    [{"due_on": "2026-12-22"}, {"fields": ["last_name", "phone"]}, {"count": 3, "ok": True}],
)
def test_payload_accepts_codes_dates_and_counts(alice, payload) -> None:
    assert (
        audit_log(
            action="accounts.client.updated", by=Actor(), client=alice, payload=payload
        ).payload
        == payload
    )


@pytest.mark.parametrize(
    "payload",
    [{"note": "Mme Dupont, 3 rue des Lilas"}, {"Nom complet": "x"}, {"ref": "0612345678"}],
)
def test_payload_refuses_free_text_and_odd_keys(alice, payload) -> None:
    with pytest.raises(AuditPayloadError):
        audit_log(action="accounts.client.updated", by=Actor(), client=alice, payload=payload)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_scrub_mode_refuses_to_blank_a_staff_member(alice, carol) -> None:
    event = audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.audit_scrub', 'on', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(
                "UPDATE portal_auditevent SET actor_id = NULL, ip = NULL, client_id = NULL, "
                "target_type = '', target_id = '', subject_nonce = '', scrubbed_at = now() "
                "WHERE id = %s",
                [event.pk],
            )


def test_clients_see_who_acted_but_not_staff_addresses(alice, alice_http, carol) -> None:
    audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    audit_log(
        action="accounts.client.updated", by=Actor(user=alice.user, ip="203.0.113.7"), client=alice
    )
    page = alice_http.get("/espace-client/donnees-personnelles/consultations/").content.decode()
    assert "Un membre de l&#x27;équipe" in page
    assert carol.email not in page
    assert "198.51.100.4" not in page
    assert "203.0.113.7" not in page  # the client's own IP is in the archive, not here
    from portal.personal_data import registry

    exported = registry.get("portal.audit_trail").export(alice)
    assert {row["ip"] for row in exported} == {None, "203.0.113.7"}

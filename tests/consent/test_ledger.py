from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from consent.exceptions import NoteRequired
from consent.models import ConsentRecord, ConsentState, Method, Purpose
from consent.services import Proof, consent_scrub_client, consent_set, purpose_set_wording
from portal.audit import Actor
from portal.models import AuditEvent
from tests.consent.conftest import choose


def test_every_purpose_starts_off(alice) -> None:
    from consent.selectors import client_choices

    choices = client_choices(alice)
    assert [c.purpose.key for c in choices] == [
        "marketing_email",
        "marketing_sms",
        "newsletter",
        "partners",
    ]
    assert not any(c.granted for c in choices)
    assert all(c.last is None for c in choices)


def test_a_record_holds_the_proof_and_the_state_follows(alice, email_purpose) -> None:
    record = choose(alice, email_purpose, True, user_agent="Firefox", reference="form-1")
    assert (record.granted, record.method, record.wording, record.ip) == (
        True,
        "portal",
        email_purpose.wording,
        "203.0.113.0",
    )
    assert record.user_agent == "Firefox"
    assert record.proof == "form-1"
    state = ConsentState.objects.get(client=alice, purpose=email_purpose)
    assert (state.granted, state.record) == (True, record)
    choose(alice, email_purpose, False)
    state.refresh_from_db()
    assert state.granted is False
    assert ConsentRecord.objects.filter(client=alice).count() == 2
    actions = list(
        AuditEvent.objects.filter(client=alice).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "consent.choice.granted",
        "consent.choice.withdrawn",
        "consent.suppression.added",
    ]


def test_ipv6_is_truncated_to_48_bits(alice, email_purpose) -> None:
    record = consent_set(
        client=alice,
        purpose=email_purpose,
        granted=True,
        proof=Proof(method=Method.PORTAL),
        by=Actor(user=alice.user, ip="2001:db8:abcd:12:1:2:3:4"),
    )
    assert record.ip == "2001:db8:abcd::"


def test_staff_must_write_a_note(alice, carol, email_purpose) -> None:
    with pytest.raises(NoteRequired):
        consent_set(
            client=alice,
            purpose=email_purpose,
            granted=True,
            proof=Proof(method=Method.STAFF_PHONE),
            by=Actor(user=carol),
        )
    record = consent_set(
        client=alice,
        purpose=email_purpose,
        granted=True,
        proof=Proof(
            method=Method.STAFF_PHONE, note="Appel du 12/11, accord pour les offres par e-mail"
        ),
        by=Actor(user=carol),
    )
    assert record.recorded_by == carol


def test_a_new_text_is_a_new_version_and_old_records_keep_theirs(
    alice, dana, email_purpose
) -> None:
    first = choose(alice, email_purpose, True)
    purpose = purpose_set_wording(
        purpose=email_purpose,
        label="Nos offres par e-mail",
        explanation="Nouveau texte",
        by=Actor(user=dana),
    )
    assert purpose.wording.version == 2
    unchanged = purpose_set_wording(
        purpose=purpose,
        label="Nos offres par e-mail",
        explanation="Nouveau texte",
        by=Actor(user=dana),
    )
    assert unchanged.wording.version == 2
    second = choose(alice, purpose, False)
    first.refresh_from_db()
    assert first.wording.version == 1
    assert first.wording.label == "Offres et nouveautés par e-mail"
    assert second.wording.version == 2


def test_scrub_keeps_the_choice_and_drops_the_identity(alice, email_purpose) -> None:
    choose(alice, email_purpose, True, user_agent="Firefox", reference="m-1")
    assert consent_scrub_client(client=alice) == 1
    record = ConsentRecord.objects.get(client=alice)
    assert (record.granted, record.method, record.ip, record.user_agent, record.proof) == (
        True,
        "portal",
        None,
        "",
        "",
    )
    assert record.scrubbed_at is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_the_ledger(alice, email_purpose) -> None:
    record = choose(alice, email_purpose, True)
    for statement in (
        "UPDATE consent_consentrecord SET granted = false WHERE id = %s",
        "DELETE FROM consent_consentrecord WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [record.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.consent_scrub', 'on', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(
                "UPDATE consent_consentrecord SET granted = false, ip = NULL, user_agent = '', "
                "proof = '', note = '', scrubbed_at = now() WHERE id = %s",
                [record.pk],
            )


def test_the_ledger_is_in_the_map_and_on_the_page(alice, alice_http, email_purpose) -> None:
    choose(alice, email_purpose, True)
    page = alice_http.get("/espace-client/donnees-personnelles/").content.decode()
    assert "Historique de vos choix de prospection" in page
    assert Purpose.objects.count() == 4

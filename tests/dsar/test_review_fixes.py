"""What a review of the request workflow found, each pinned by a test that fails without
its fix."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from consent.models import ConsentRecord, Purpose
from dsar.exceptions import IdentityNotEstablished, LiftNotAnnounced
from dsar.models import DataRequest, Kind, RequestChannel, RequestEvent, Status
from dsar.services import erasure, rights
from dsar.services.requests import request_create
from portal.audit import Actor
from portal.models import AuditEvent
from portal.personal_data import registry
from tests.consent.conftest import choose
from tests.dsar.conftest import file_request


def _by_phone(client, kind: str, staff_user) -> DataRequest:
    return request_create(
        kind=kind, channel=RequestChannel.PHONE, client=client, by=Actor(user=staff_user)
    )


def test_nothing_is_erased_for_an_unproven_identity(dana_http, dana, alice) -> None:
    request = _by_phone(alice, Kind.ERASURE, dana)
    assert dana_http.post(f"/admin/dsar/datarequest/{request.pk}/action/erase/").status_code == 404
    with pytest.raises(IdentityNotEstablished):
        erasure.erasure_execute(request=request, by=Actor(user=dana))
    alice.refresh_from_db()
    assert alice.email == "alice@client.test"


def test_a_crash_at_the_last_step_is_finished_from_the_admin(
    dana_http, dana, alice, monkeypatch
) -> None:
    declaration = registry.get("portal.audit_trail")
    original = type(declaration).erase
    monkeypatch.setattr(
        type(declaration),
        "erase",
        lambda self, client: (_ for _ in ()).throw(RuntimeError("panne")),
    )
    request = file_request(alice, kind=Kind.ERASURE)
    with pytest.raises(RuntimeError):
        erasure.erasure_execute(request=request, by=Actor(user=dana))
    monkeypatch.setattr(type(declaration), "erase", original)
    request.refresh_from_db()
    assert request.erasure_unfinished
    assert dana_http.post(f"/admin/dsar/datarequest/{request.pk}/action/erase/").status_code == 302
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert request.erasure_report["finished_at"]
    assert not AuditEvent.objects.filter(client=alice).exists()


def test_erasure_scrubs_the_request_timelines_and_keeps_the_proof(dana, alice) -> None:
    rectification = file_request(alice, kind=Kind.RECTIFICATION, details="J'habite à Lure")
    rights.rectification_record(
        request=rectification, changes={"city": "Lure"}, by=Actor(user=dana)
    )
    erasure.erasure_execute(request=file_request(alice, kind=Kind.ERASURE), by=Actor(user=dana))
    rectification.refresh_from_db()
    assert rectification.details == ""
    assert rectification.kind == Kind.RECTIFICATION  # the proof that it was handled stays
    for event in RequestEvent.objects.filter(request__client=alice):
        text = str(event.data) + event.note
        assert "Lure" not in text
        assert "Vesoul" not in text
        assert "Alice" not in text


@pytest.mark.django_db(transaction=True)
def test_two_erasures_at_once_do_each_step_once(dana, alice) -> None:
    request = file_request(alice, kind=Kind.ERASURE)

    def run(_n: int) -> str:
        try:
            return str(
                erasure.erasure_execute(request=request, by=Actor(user=dana)).get("finished_at")
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    assert all(results)
    assert RequestEvent.objects.filter(request=request, action="erasure_executed").count() == 1
    assert RequestEvent.objects.filter(request=request, action="closed").count() == 1


def test_a_stale_notice_does_not_lift_a_new_restriction(dana, alice) -> None:
    by = Actor(user=dana)
    first = file_request(alice, kind=Kind.RESTRICTION)
    rights.restriction_apply(request=first, by=by)
    rights.restriction_announce_lift(request=first, reason="Vérification terminée", by=by)
    rights.restriction_lift(request=first, by=by)
    second = file_request(alice, kind=Kind.RESTRICTION)
    rights.restriction_apply(request=second, by=by)
    with pytest.raises(LiftNotAnnounced):
        rights.restriction_lift(request=first, by=by)
    with pytest.raises(LiftNotAnnounced):
        rights.restriction_lift(request=second, by=by)
    alice.refresh_from_db()
    assert alice.is_restricted


def test_an_invalid_rectification_is_shown_not_crashed(dana_http, alice) -> None:
    request = file_request(alice, kind=Kind.RECTIFICATION)
    response = dana_http.post(
        f"/admin/dsar/datarequest/{request.pk}/action/rectify/",
        {"field": "phone", "value": "pas un numéro"},
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    response = dana_http.post(
        f"/admin/dsar/datarequest/{request.pk}/action/rectify/",
        {"field": "city", "value": "Vesoul"},
    )
    assert (
        "Aucune donnée n" in response.content.decode()
    )  # nothing changed, no letter saying otherwise


def test_a_portal_objection_applies_at_once(alice_http, alice) -> None:
    from consent.selectors import may_contact

    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    alice_http.post(
        "/espace-client/donnees-personnelles/demandes/nouvelle/objection/", {"details": ""}
    )
    assert not may_contact(alice, "marketing_email")
    assert DataRequest.objects.get().status == Status.DONE


def test_a_staff_objection_leaves_no_staff_address_in_the_ledger(dana_http, alice) -> None:
    request = file_request(alice, kind=Kind.OBJECTION)
    dana_http.post(f"/admin/dsar/datarequest/{request.pk}/action/object/")
    assert set(ConsentRecord.objects.filter(client=alice).values_list("ip", flat=True)) == {None}


def test_a_stopped_clock_is_neither_late_nor_reminded(dana_http, dana, alice) -> None:
    from dsar.services import identity
    from dsar.services.reminders import reminders_send
    from portal.models import Controller

    Controller.objects.update_or_create(pk=1, defaults={"dpo_email": "dpo@entreprise.test"})
    request = file_request(alice, received_at=timezone.now() - dt.timedelta(days=40))
    identity.identity_record_doubt(request=request, reason="Adresse inconnue", by=Actor(user=dana))
    identity.identity_request_document(request=request, by=Actor(user=dana))
    assert (
        request.reference
        not in dana_http.get("/admin/dsar/datarequest/?echeance=overdue").content.decode()
    )
    mail.outbox.clear()
    assert reminders_send() == 0


def test_a_client_withdraws_an_open_request(alice_http, alice) -> None:
    request = file_request(alice)
    alice_http.post(f"/espace-client/donnees-personnelles/demandes/{request.reference}/retirer/")
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_a_second_extension_letter_states_the_months_added(
    dana, alice, django_capture_on_commit_callbacks
) -> None:
    from dsar.services.requests import request_extend

    request = file_request(alice)
    request_extend(request=request, months=1, reason="Demande complexe", by=Actor(user=dana))
    with django_capture_on_commit_callbacks(execute=True):
        request_extend(request=request, months=1, reason="Documents à réunir", by=Actor(user=dana))
    assert "d\u2019un mois" in mail.outbox[-1].body


def test_the_printable_letter_for_a_postal_requester(dana_http, dana) -> None:
    request = request_create(
        kind=Kind.ACCESS,
        channel=RequestChannel.LETTER,
        requester_name="Jean Dupont",
        requester_address="1 rue du Port\n70000 Vesoul",
        by=Actor(user=dana),
    )
    event = request.events.get(action="received")
    page = dana_http.get(f"/admin/dsar/datarequest/courrier/{event.pk}/").content.decode()
    assert "Jean Dupont" in page
    assert "70000 Vesoul" in page
    assert "CNIL" in page

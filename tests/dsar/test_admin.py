from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Client
from consent.models import Purpose
from consent.selectors import may_contact
from dsar.models import AccessArchive, DataRequest, Identity, Kind, Status
from portal.demo import minimal_pdf
from portal.models import AuditEvent
from tests.consent.conftest import choose
from tests.dsar.conftest import file_request


def _act(http, request: DataRequest, name: str, data: dict | None = None):
    return http.post(f"/admin/dsar/datarequest/{request.pk}/action/{name}/", data or {})


def test_the_inbox_is_sorted_by_due_date_and_colours_what_is_late(dana_http, alice, bob) -> None:
    late = file_request(alice, received_at=timezone.now() - dt.timedelta(days=40))
    soon = file_request(bob, received_at=timezone.now() - dt.timedelta(days=27))
    later = file_request(alice, kind=Kind.PORTABILITY)
    page = dana_http.get("/admin/dsar/datarequest/").content.decode()
    assert page.index(late.reference) < page.index(soon.reference) < page.index(later.reference)
    assert "dsar-overdue" in page
    assert "dsar-soon" in page
    overdue = dana_http.get("/admin/dsar/datarequest/?echeance=overdue").content.decode()
    assert late.reference in overdue
    assert soon.reference not in overdue
    week = dana_http.get("/admin/dsar/datarequest/?echeance=week").content.decode()
    assert soon.reference in week
    assert late.reference not in week
    by_kind = dana_http.get("/admin/dsar/datarequest/?kind__exact=portability").content.decode()
    assert later.reference in by_kind
    assert late.reference not in by_kind


def test_staff_enter_a_request_received_by_letter(dana_http, dana) -> None:
    response = dana_http.post(
        "/admin/dsar/datarequest/add/",
        {
            "kind": "access",
            "channel": "letter",
            "client": "",
            "requester_name": "Jean Dupont",
            "requester_email": "",
            "requester_address": "1 rue du Port, 70000 Vesoul",
            "details": "Lettre reçue le 15/11",
            "received_at_0": "15/11/2026",
            "received_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = DataRequest.objects.get()
    assert (request.requester_name, request.identity, request.channel) == (
        "Jean Dupont",
        Identity.TO_CHECK,
        "letter",
    )
    assert timezone.localtime(request.due_at).date() == dt.date(2026, 12, 15)
    # No email address: the letter is kept in the timeline, to print and post.
    event = request.events.get(action="received")
    assert "Jean Dupont" in event.data["letter"]["body"]
    assert event.data["letter"]["emailed"] is False


def test_a_request_needs_a_way_to_answer(dana_http) -> None:
    response = dana_http.post(
        "/admin/dsar/datarequest/add/",
        {
            "kind": "access",
            "channel": "phone",
            "requester_name": "Jean",
            "received_at_0": "15/11/2026",
            "received_at_1": "09:00:00",
        },
    )
    assert response.status_code == 200
    assert "moyen de lui répondre" in response.content.decode().replace("&#x27;", "'")


def test_access_end_to_end_from_the_admin(dana_http, dana, alice) -> None:
    request = file_request(alice)
    page = dana_http.get(f"/admin/dsar/datarequest/{request.pk}/change/").content.decode()
    assert "Générer l&#x27;archive" in page or "Générer l'archive" in page
    assert _act(dana_http, request, "assign", {"assignee": dana.pk}).status_code == 302
    assert _act(dana_http, request, "archive").status_code == 302
    assert AccessArchive.objects.filter(request=request).exists()
    _act(dana_http, request, "close", {"answer": "Vous trouverez vos données dans votre espace."})
    request.refresh_from_db()
    assert (request.status, request.assignee) == (Status.DONE, dana)
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["received", "assigned", "archive_generated", "closed"]
    assert AuditEvent.objects.filter(action="dsar.request.archive_generated").exists()


def test_identity_doubt_document_and_verification_from_the_admin(dana_http, alice) -> None:
    request = file_request(alice)
    _act(dana_http, request, "doubt", {"reason": "Demande arrivée d'une adresse inconnue"})
    _act(dana_http, request, "request_document")
    request.refresh_from_db()
    assert request.clock_stopped_at is not None
    upload = SimpleUploadedFile("id.pdf", minimal_pdf("ID"))
    assert _act(dana_http, request, "receive_document", {"file": upload}).status_code == 302
    document = request.identity_documents.get()
    shown = dana_http.get(f"/admin/dsar/datarequest/piece/{document.pk}/")
    assert shown.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="dsar.identity_document.opened").exists()
    _act(dana_http, request, "verify")
    request.refresh_from_db()
    assert request.identity == Identity.VERIFIED
    assert not request.identity_documents.exists()


def test_only_staff_with_the_permission_open_identity_documents(
    carol_http, dana_http, alice
) -> None:
    request = file_request(alice)
    _act(dana_http, request, "doubt", {"reason": "Adresse inconnue"})
    _act(dana_http, request, "request_document")
    _act(
        dana_http,
        request,
        "receive_document",
        {"file": SimpleUploadedFile("id.pdf", minimal_pdf("ID"))},
    )
    document = request.identity_documents.get()
    assert carol_http.get(f"/admin/dsar/datarequest/piece/{document.pk}/").status_code == 403


def test_erasure_end_to_end_from_the_admin(
    dana_http, alice, django_capture_on_commit_callbacks
) -> None:
    request = file_request(alice, kind=Kind.ERASURE)
    with django_capture_on_commit_callbacks(execute=True):
        assert _act(dana_http, request, "erase").status_code == 302
    request.refresh_from_db()
    assert request.status == Status.DONE
    alice.refresh_from_db()
    assert alice.email == ""
    page = dana_http.get(f"/admin/dsar/datarequest/{request.pk}/change/").content.decode()
    assert "Code de commerce" in page  # the report says what was kept and why


def test_objection_restriction_and_rectification_from_the_admin(dana_http, alice) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    objection = file_request(alice, kind=Kind.OBJECTION)
    _act(dana_http, objection, "object")
    assert not may_contact(alice, "marketing_email")
    restriction = file_request(alice, kind=Kind.RESTRICTION)
    _act(dana_http, restriction, "restrict")
    assert Client.objects.get(pk=alice.pk).is_restricted
    assert _act(dana_http, restriction, "lift").status_code == 404  # not before the notice
    _act(dana_http, restriction, "announce_lift", {"reason": "Vérification terminée"})
    _act(dana_http, restriction, "lift")
    assert not Client.objects.get(pk=alice.pk).is_restricted
    rectification = file_request(alice, kind=Kind.RECTIFICATION)
    _act(dana_http, rectification, "rectify", {"field": "city", "value": "Lure"})
    assert Client.objects.get(pk=alice.pk).city == "Lure"


def test_refusal_needs_a_reason_and_tells_the_cnil_route(
    dana_http, alice, django_capture_on_commit_callbacks
) -> None:
    request = file_request(alice)
    response = _act(dana_http, request, "refuse", {"reason": ""})
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _act(
            dana_http, request, "refuse", {"reason": "Demande manifestement excessive (art. 12.5)"}
        )
    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert "CNIL" in mail.outbox[-1].body
    assert "tribunaux" in mail.outbox[-1].body


def test_staff_without_permission_see_no_request(carol_http, alice) -> None:
    request = file_request(alice)
    assert carol_http.get("/admin/dsar/datarequest/").status_code == 403
    assert _act(carol_http, request, "close").status_code == 403


@pytest.mark.parametrize("name", ["erase", "object", "rectify"])
def test_actions_that_do_not_apply_are_not_offered(dana_http, alice, name) -> None:
    request = file_request(alice)  # an access request
    assert _act(dana_http, request, name).status_code == 404


def test_the_dpo_dashboard(dana_http, alice, dana) -> None:
    from dsar.services.requests import request_close
    from portal.audit import Actor

    for kind in (Kind.ACCESS, Kind.ERASURE, Kind.ACCESS):
        request = file_request(alice, kind=kind)
    request_close(request=request, answer="", by=Actor(user=dana))
    page = dana_http.get("/admin/dsar/datarequest/tableau-de-bord/").content.decode()
    assert "<svg" in page
    assert "Réponses dans les délais" in page
    assert "100 %" in page

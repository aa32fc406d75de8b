from __future__ import annotations

import html

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from dsar.models import DataRequest, Identity, Kind, PostMortemDirective
from tests.factories import PASSWORD

PAGE = "/espace-client/donnees-personnelles/"


@pytest.mark.parametrize("kind", [k for k in Kind.values if k not in ("erasure", "post_mortem")])
def test_a_client_files_any_request_in_two_clicks(
    alice_http, alice, kind, django_capture_on_commit_callbacks
) -> None:
    page = alice_http.get(PAGE).content.decode()
    assert f"/espace-client/donnees-personnelles/demandes/nouvelle/{kind}/" in page  # click 1
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_http.post(f"{PAGE}demandes/nouvelle/{kind}/", {"details": ""})  # click 2
    request = DataRequest.objects.get()
    assert response["Location"] == f"{PAGE}demandes/{request.reference}/"
    assert (request.kind, request.client, request.identity) == (kind, alice, Identity.LOGIN)
    assert mail.outbox[0].to == ["alice@client.test"]
    assert request.reference in mail.outbox[0].subject
    detail = html.unescape(alice_http.get(response["Location"]).content.decode())
    assert "est bien reçue" in detail  # the acknowledgement, in the page too
    if kind == "objection":  # applied at once, no reason asked
        assert "opposition enregistrée" in detail
        assert request.__class__.objects.get(pk=request.pk).status == "done"
    else:
        assert "Réponse au plus tard le" in detail
        assert date_format(timezone.localtime(request.due_at), "DATE_FORMAT") in detail


def test_confirming_an_erasure_needs_a_recent_reauthentication(alice_http, alice) -> None:
    url = f"{PAGE}demandes/nouvelle/erasure/"
    assert "définitif" in alice_http.get(url).content.decode()
    response = alice_http.post(url, {"details": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/reauthenticate/")
    assert not DataRequest.objects.exists()
    # allauth replays the confirmation once the password is given again.
    alice_http.post(response["Location"], {"password": PASSWORD})
    assert DataRequest.objects.get().kind == Kind.ERASURE


def test_the_request_list_shows_status_and_due_date(alice_http, alice) -> None:
    alice_http.post(f"{PAGE}demandes/nouvelle/access/", {"details": "Tout, merci"})
    page = alice_http.get(PAGE).content.decode()
    request = DataRequest.objects.get()
    assert request.reference in page
    assert "reçue" in page.lower()


def test_post_mortem_directives_can_be_saved_edited_and_revoked(alice_http, alice) -> None:
    url = f"{PAGE}directives/"
    response = alice_http.post(url, {"choice": "communicate"})
    assert response.status_code == 400
    assert "Indiquez la personne" in html.unescape(response.content.decode())
    alice_http.post(
        url,
        {
            "choice": "communicate",
            "trusted_person_name": "Paul Martin",
            "trusted_person_contact": "paul@exemple.test",
        },
    )
    directive = PostMortemDirective.objects.get(client=alice)
    assert (directive.choice, directive.trusted_person_name) == ("communicate", "Paul Martin")
    alice_http.post(url, {"choice": "erase"})
    directive.refresh_from_db()
    assert directive.choice == "erase"
    alice_http.post(f"{url}revoquer/")
    directive.refresh_from_db()
    assert directive.revoked_at is not None
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(client=alice, action="dsar.post_mortem.revoked").exists()

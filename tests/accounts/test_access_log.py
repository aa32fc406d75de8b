"""« Qui a consulté vos données »: when staff or the portal viewed, changed or exported a
client's record, by role and never by name or address; the client's own actions counted."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import DPO_GROUP, OWNER_GROUP
from portal.audit import Actor, audit_log
from portal.models import Controller
from tests.conftest import _staff

URL = "/espace-client/donnees-personnelles/consultations/"


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def test_staff_access_shows_a_role_a_purpose_and_no_name_or_address(
    alice, alice_http, carol
) -> None:
    audit_log(
        action="accounts.client.viewed", by=Actor(user=carol, ip="198.51.100.4"), client=alice
    )
    page = alice_http.get(URL).content.decode()
    rows = _rows(page)
    assert len(rows) == 1
    assert "Un membre de l&#x27;équipe" in rows[0]
    assert "Consultation de votre fiche par notre équipe" in rows[0]
    assert "Gestion de votre dossier client" in rows[0]
    for secret in (carol.email, "carol", "198.51.100.4"):
        assert secret not in page


def test_the_dpo_and_the_owner_are_named_by_their_role(alice, alice_http, carol, db) -> None:
    dpo = _staff("dpo@entreprise.test", group=Group.objects.get_or_create(name=DPO_GROUP)[0])
    owner = _staff("gerant@entreprise.test", group=Group.objects.get_or_create(name=OWNER_GROUP)[0])
    audit_log(action="dsar.request.viewed", by=Actor(user=dpo), client=alice)
    audit_log(action="accounts.document.viewed", by=Actor(user=owner), client=alice)
    controller = Controller.load()
    controller.dpo_email = carol.email  # a DPO known by the controller's address, not a group
    controller.save()
    audit_log(action="messaging.thread.viewed", by=Actor(user=carol), client=alice)
    rows = _rows(alice_http.get(URL).content.decode())
    assert "Notre délégué à la protection des données" in rows[0]
    assert "Réponse à vos messages et rendez-vous" in rows[0]
    assert "La direction de l&#x27;entreprise" in rows[1]
    assert "Notre délégué à la protection des données" in rows[2]
    assert "Traitement de vos demandes sur vos données" in rows[2]


def test_the_portal_acting_alone_says_so(alice, alice_http) -> None:
    audit_log(action="retention.client.warned", by=Actor(), client=alice)
    rows = _rows(alice_http.get(URL).content.decode())
    assert "Le portail, automatiquement" in rows[0]
    assert "Message avant l&#x27;effacement de vos coordonnées" in rows[0]


def test_the_clients_own_actions_are_counted_not_listed(alice, alice_http) -> None:
    me = Actor(user=alice.user, ip="203.0.113.7")
    for _ in range(7):
        audit_log(action="consent.choice.granted", by=me, client=alice)
    earlier = timezone.now() - dt.timedelta(days=40)
    with mock.patch("portal.audit.timezone.now", return_value=earlier):
        audit_log(action="messaging.message.sent", by=me, client=alice)
    page = alice_http.get(URL).content.decode()
    assert "Personne de notre équipe n'a consulté ni modifié vos données." in page
    own = page.split('id="own-title"', 1)[1]
    assert own.count("<li>") == 2
    assert "Accord donné pour une finalité</strong> —\n      7 fois, le" in own
    assert "Message envoyé à notre équipe</strong> —\n      le" in own
    assert "203.0.113.7" not in page


def test_another_clients_events_and_searches_are_not_shown(alice, bob, alice_http, carol) -> None:
    audit_log(action="accounts.client.viewed", by=Actor(user=carol), client=bob)
    audit_log(action="accounts.client.searched", by=Actor(user=carol), client=alice)
    audit_log(action="portal.unknown.action", by=Actor(user=carol), client=alice)
    rows = _rows(alice_http.get(URL).content.decode())
    assert len(rows) == 1
    assert "Opération sur vos données" in rows[0]
    assert "portal.unknown" not in rows[0]


def test_long_histories_are_paged_and_queries_do_not_grow(
    alice, alice_http, carol, django_assert_max_num_queries
) -> None:
    for _ in range(60):
        audit_log(action="accounts.client.viewed", by=Actor(user=carol), client=alice)
    with django_assert_max_num_queries(20):
        first = alice_http.get(URL).content.decode()
    assert len(_rows(first)) == 50
    assert "Page 1 sur 2" in first
    assert len(_rows(alice_http.get(URL + "?page=2").content.decode())) == 10
    assert alice_http.get(URL + "?page=abc").status_code == 200


def test_the_summary_links_to_it_with_the_last_staff_access(alice, alice_http, carol) -> None:
    page = alice_http.get("/espace-client/donnees-personnelles/").content.decode()
    assert "Aucune consultation par notre équipe" in page
    assert URL in page
    audit_log(action="accounts.client.viewed", by=Actor(user=carol), client=alice)
    page = alice_http.get("/espace-client/donnees-personnelles/").content.decode()
    assert "Dernière consultation par notre équipe le" in page


def test_only_a_client_sees_it(client, carol_http) -> None:
    assert client.get(URL).status_code == 302
    assert carol_http.get(URL).status_code in (302, 403)

"""Every client URL, as alice, bob, an anonymous visitor and staff: nobody reaches another
client's data or documents."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import logged_in

CLIENT_URL_NAMES = {
    "client_dashboard",
    "client_personal_data",
    "client_access_log",
    "client_documents",
    "client_document_download",
    "consent_history",
    "consent_choice_set",  # POST only: covered by test_a_switch_changes_only_ones_own_choice
    "consent_withdraw_all",
    "dsar_new_request",
    "dsar_request_detail",
    "dsar_archive_download",
    "dsar_post_mortem",
    "dsar_post_mortem_revoke",  # POST only: covered in tests/dsar/test_portal.py
    "dsar_request_withdraw",  # POST only: covered in tests/dsar/test_portal.py
    "messaging_threads",
    "messaging_thread_new",
    "messaging_thread",
    "messaging_attachment",
    "messaging_preferences",  # POST only: covered in tests/messaging/test_threads.py
}


def _client_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (prefix + str(p.pattern)).startswith(
                "espace-client/"
            ):
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_client_url_is_covered_here() -> None:
    assert _client_url_names() == CLIENT_URL_NAMES


def _request_of(client):
    from dsar.models import DataRequest
    from tests.dsar.conftest import file_request

    return DataRequest.objects.filter(client=client).first() or file_request(client)


def _thread_of(client):
    from messaging.models import Thread
    from tests.messaging.conftest import open_thread, photo, upload

    return Thread.objects.filter(client=client).first() or open_thread(
        client, files=[upload("photo.png", photo(fmt="PNG"))]
    )


# The last PRIVATE urls of a client are their own records: anyone else gets 404.
PRIVATE = 4


def _urls_of(client) -> list[str]:
    document = client.documents.first()
    thread = _thread_of(client)
    attachment = thread.messages.first().attachments.first()
    return [
        "/espace-client/messagerie/",
        "/espace-client/messagerie/nouveau/",
        "/espace-client/",
        "/espace-client/donnees-personnelles/",
        "/espace-client/donnees-personnelles/consultations/",
        "/espace-client/donnees-personnelles/choix/historique/",
        "/espace-client/donnees-personnelles/choix/tout-refuser/",
        "/espace-client/donnees-personnelles/directives/",
        "/espace-client/donnees-personnelles/demandes/nouvelle/access/",
        "/espace-client/documents/",
        f"/espace-client/donnees-personnelles/demandes/{_request_of(client).reference}/",
        f"/espace-client/documents/{document.public_id}/",
        f"/espace-client/messagerie/{thread.public_id}/",
        f"/espace-client/messagerie/pieces-jointes/{attachment.public_id}/",
    ]


def test_anonymous_visitors_are_sent_to_login(client, alice) -> None:
    for url in _urls_of(alice):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/compte/login/?next=")


def test_alice_reaches_her_own_pages(alice, alice_http) -> None:
    for url in _urls_of(alice):
        assert alice_http.get(url).status_code == 200, url


def test_bob_gets_404_for_alices_document_and_request_and_sees_none_of_her_data(
    alice, bob, bob_http
) -> None:
    for alices in _urls_of(alice)[-PRIVATE:]:
        assert bob_http.get(alices).status_code == 404, alices
    for url in _urls_of(bob)[:-PRIVATE]:
        page = bob_http.get(url).content.decode()
        assert alice.last_name not in page
        assert alice.customer_number not in page
        assert "Devis liner" not in page


@pytest.mark.parametrize("persona", ["carol", "dana"])
def test_staff_have_no_client_area(request, alice, persona) -> None:
    http = logged_in(request.getfixturevalue(persona))
    for url in _urls_of(alice):
        response = http.get(url)
        assert response.status_code in (403, 404), url
        assert alice.last_name not in response.content.decode()


def test_posting_to_the_data_page_changes_only_ones_own_record(alice, bob, bob_http) -> None:
    bob_http.post(
        "/espace-client/donnees-personnelles/",
        {"last_name": "Pirate", "language": "fr", "client": alice.pk, "id": alice.pk},
    )
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.last_name == "Martin"
    assert bob.last_name == "Pirate"


def test_staff_get_their_own_navigation(carol_http) -> None:
    page = carol_http.get("/compte/email/").content.decode()
    assert "/admin/" in page
    assert "Se déconnecter" in page
    assert "/espace-client/documents/" not in page


def test_a_switch_changes_only_ones_own_choice(
    browser_client, alice, bob, bob_http, carol_http
) -> None:
    from consent.models import ConsentState

    client = browser_client

    url = "/espace-client/donnees-personnelles/choix/marketing_email/"
    assert client.post(url, {"granted": "1", "client": alice.pk})["Location"].startswith(
        "/compte/login/"
    )
    assert carol_http.post(url, {"granted": "1"}).status_code == 403
    bob_http.post(url, {"granted": "1", "client": alice.pk, "client_id": alice.pk})
    assert list(ConsentState.objects.values_list("client_id", flat=True)) == [bob.pk]


def test_an_archive_downloads_only_for_its_client_after_reauthentication(alice, bob, dana) -> None:
    from dsar.services.archive import archive_build
    from portal.audit import Actor
    from tests.factories import PASSWORD

    archive = archive_build(request=_request_of(alice), by=Actor(user=dana))
    url = f"/espace-client/donnees-personnelles/archives/{archive.public_id}/"
    for client, expected in ((bob, 404), (alice, 200)):
        http = logged_in(client.user)
        first = http.get(url)
        assert first.status_code == 302
        assert first["Location"].startswith("/compte/reauthenticate/")
        http.post(first["Location"], {"password": PASSWORD})
        assert http.get(url).status_code == expected

from __future__ import annotations

from consent.models import ConsentRecord, ConsentState, Purpose
from tests.consent.conftest import choose

PAGE = "/espace-client/donnees-personnelles/"
SWITCH = "/espace-client/donnees-personnelles/choix/marketing_email/"


def test_every_switch_is_a_labelled_switch_and_starts_off(alice_http) -> None:
    page = alice_http.get(PAGE).content.decode()
    assert page.count('role="switch"') == Purpose.objects.filter(is_active=True).count()
    assert 'aria-checked="true"' not in page
    assert 'aria-labelledby="purpose-marketing_email-label"' in page
    assert "Aucun choix enregistré : désactivé." in page
    assert 'name="granted" value="1"' in page


def test_without_javascript_the_form_posts_and_comes_back(alice_http, alice) -> None:
    response = alice_http.post(SWITCH, {"granted": "1"}, HTTP_USER_AGENT="Lynx/2.9")
    assert response.status_code == 302
    assert response["Location"] == PAGE + "#choix"
    record = ConsentRecord.objects.get(client=alice)
    assert (record.granted, record.method, record.user_agent, record.ip) == (
        True,
        "portal",
        "Lynx/2.9",
        "127.0.0.0",
    )
    page = alice_http.get(PAGE).content.decode()
    assert 'aria-checked="true"' in page
    assert "Accordé le" in page
    assert "par votre espace client" in page
    assert "vous recevrez « Offres et nouveautés par e-mail »" in page


def test_with_javascript_it_answers_json(alice_http, alice) -> None:
    response = alice_http.post(SWITCH, {"granted": "1"}, HTTP_ACCEPT="application/json")
    data = response.json()
    assert data["granted"] is True
    assert data["status"].startswith("Accordé le")
    assert "vous recevrez" in data["message"]
    response = alice_http.post(SWITCH, {"granted": "0"}, HTTP_ACCEPT="application/json")
    assert response.json()["granted"] is False
    assert ConsentState.objects.get(client=alice).granted is False


def test_a_bad_request_changes_nothing(alice_http, alice) -> None:
    assert alice_http.post(SWITCH, {"granted": "maybe"}).status_code == 400
    assert (
        alice_http.post(
            "/espace-client/donnees-personnelles/choix/inconnu/", {"granted": "1"}
        ).status_code
        == 404
    )
    assert alice_http.get(SWITCH).status_code == 405
    assert not ConsentRecord.objects.exists()


def test_history_lists_every_choice_on_demand(alice_http, alice) -> None:
    purpose = Purpose.objects.get(key="marketing_sms")
    for granted in (True, False, True):
        choose(alice, purpose, granted)
    page = alice_http.get("/espace-client/donnees-personnelles/choix/historique/").content.decode()
    assert page.count("<tr>") == 4  # header + 3 choices
    assert "version 1" in page


def test_page_queries_do_not_grow_with_the_history(alice_http, alice) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    purpose = Purpose.objects.get(key="marketing_email")
    # Granted then withdrawn, as the 60 choices below end: the same kinds of data are there.
    choose(alice, purpose, True)
    choose(alice, purpose, False)
    alice_http.get(PAGE)  # fills the process-wide caches (content types)
    with CaptureQueriesContext(connection) as few:
        alice_http.get(PAGE)
    for index in range(60):
        choose(alice, purpose, index % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        alice_http.get(PAGE)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_switch_records_the_text_the_page_showed(alice_http, alice, dana) -> None:
    from consent.services import purpose_set_wording
    from portal.audit import Actor

    purpose = Purpose.objects.get(key="marketing_email")
    shown = purpose.wording
    purpose_set_wording(
        purpose=purpose, label="Texte changé entre-temps", explanation="", by=Actor(user=dana)
    )
    alice_http.post(SWITCH, {"granted": "1", "wording": shown.pk})
    assert ConsentRecord.objects.get().wording == shown


def test_every_described_by_points_to_an_element(alice_http, client) -> None:
    import re

    for http, url in ((alice_http, PAGE), (client, "/contact/")):
        page = http.get(url).content.decode()
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        for described in re.findall(r'aria-describedby="([^"]+)"', page):
            assert set(described.split()) <= ids, (url, described)


def test_a_purpose_no_longer_offered_cannot_be_switched_on(alice_http) -> None:
    Purpose.objects.filter(key="newsletter").update(is_active=False)
    response = alice_http.post(
        "/espace-client/donnees-personnelles/choix/newsletter/",
        {"granted": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 404


def test_nothing_more_withdraws_every_purpose_once(alice, alice_http) -> None:
    from consent.models import ConsentRecord, ConsentState, Purpose
    from tests.consent.conftest import choose

    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    url = "/espace-client/donnees-personnelles/choix/tout-refuser/"
    page = alice_http.get(url).content.decode()
    assert "Offres et nouveautés par e-mail" in page  # what is on, named before confirming
    assert not ConsentState.objects.filter(client=alice, granted=False).exists()
    response = alice_http.post(url, follow=True)
    assert "vous ne recevrez plus aucune offre" in response.content.decode()
    active = Purpose.objects.filter(is_active=True).count()
    assert ConsentState.objects.filter(client=alice, granted=False).count() == active
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == active
    again = alice_http.post(url, follow=True)
    assert "rien n&#x27;a changé" in again.content.decode()
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == active

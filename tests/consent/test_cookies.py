from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from consent.cookies import COOKIE_MAX_AGE, COOKIE_NAME
from consent.models import CookieBannerVersion, CookieChoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


NECESSARY = {"csrftoken", "sessionid", "messages", COOKIE_NAME}


def test_no_non_essential_cookie_before_a_choice(client) -> None:
    response = client.get("/contact/")
    page = response.content.decode()
    assert "Tout accepter" in page
    assert "Tout refuser" in page
    assert "Personnaliser" in page
    assert set(response.cookies) <= {"csrftoken"}
    assert not CookieChoice.objects.exists()


def test_the_three_buttons_are_equally_prominent(client) -> None:
    page = client.get("/contact/").content.decode()
    banner = page[
        page.index('class="cookie-banner"') : page.index(
            "</section>", page.index('class="cookie-banner"')
        )
    ]
    assert banner.count('class="button"') == 3


def test_refusing_takes_one_click_and_is_recorded_with_the_banner_version(client) -> None:
    response = client.post(
        "/cookies/", {"action": "refuse_all", "next": "/contact/"}, HTTP_USER_AGENT="Firefox"
    )
    assert response.status_code == 302
    assert response["Location"] == "/contact/"
    cookie = response.cookies[COOKIE_NAME]
    assert int(cookie["max-age"]) == int(COOKIE_MAX_AGE.total_seconds())
    assert int(cookie["max-age"]) < 13 * 31 * 24 * 3600
    assert cookie["httponly"]
    choice = CookieChoice.objects.get()
    assert (choice.functional, choice.audience, choice.advertising, choice.method) == (
        False,
        False,
        False,
        "refuse_all",
    )
    assert choice.banner == CookieBannerVersion.objects.get()
    assert choice.banner.snapshot["buttons"] == ["Tout accepter", "Tout refuser", "Personnaliser"]
    assert [c["key"] for c in choice.banner.snapshot["categories"]] == [
        "necessary",
        "functional",
        "audience",
        "advertising",
    ]
    assert 'class="cookie-banner"' not in client.get("/contact/").content.decode()


def test_accepting_and_customising(client) -> None:
    client.post("/cookies/", {"action": "accept_all"})
    assert CookieChoice.objects.latest("id").advertising is True
    response = client.post("/cookies/", {"action": "save", "audience": "on"})
    latest = CookieChoice.objects.latest("id")
    assert (latest.functional, latest.audience, latest.advertising) == (False, True, False)
    assert CookieChoice.objects.values("consent_id").distinct().count() == 1  # the same visitor
    assert response.status_code == 302


def test_personnaliser_opens_the_preferences(client) -> None:
    response = client.post("/cookies/", {"action": "customize", "next": "/contact/"})
    assert response["Location"] == "/cookies/?next=/contact/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="cookie-necessary" checked disabled' in page
    assert "Mesure d&#x27;audience" in page or "Mesure d'audience" in page


def test_the_footer_reopens_the_choices(client) -> None:
    client.post("/cookies/", {"action": "refuse_all"})
    page = client.get("/contact/").content.decode()
    assert "/cookies/?next=" in page


def test_the_choice_is_asked_again_after_six_months(client, settings) -> None:
    client.post("/cookies/", {"action": "refuse_all"})
    later = dt.datetime.now(dt.UTC) + COOKIE_MAX_AGE + dt.timedelta(days=1)
    original = signing.time.time
    signing.time.time = lambda: later.timestamp()
    try:
        assert 'class="cookie-banner"' in client.get("/contact/").content.decode()
    finally:
        signing.time.time = original


def test_a_forged_cookie_counts_as_no_choice(client) -> None:
    client.cookies[COOKIE_NAME] = "forged"
    assert 'class="cookie-banner"' in client.get("/contact/").content.decode()


def test_gpc_without_a_choice_is_a_recorded_refusal_of_advertising(client) -> None:
    response = client.get("/contact/", HTTP_SEC_GPC="1")
    choice = CookieChoice.objects.get()
    # GPC speaks of advertising only: the rest is not expressed.
    assert (choice.method, choice.advertising, choice.functional, choice.audience) == (
        "gpc",
        False,
        None,
        None,
    )
    assert COOKIE_NAME in response.cookies
    page = client.get("/contact/", HTTP_SEC_GPC="1").content.decode()
    assert "Global Privacy Control" in page  # the banner still asks about the rest
    assert CookieChoice.objects.count() == 1  # recorded once
    client.post("/cookies/", {"action": "refuse_all"}, HTTP_SEC_GPC="1")
    assert 'class="cookie-banner"' not in client.get("/contact/", HTTP_SEC_GPC="1").content.decode()


def test_a_logged_in_clients_choices_are_in_their_data(alice_http, alice) -> None:
    alice_http.post("/cookies/", {"action": "accept_all"})
    from portal.personal_data import registry

    assert len(registry.get("consent.cookies").export(alice)) == 1


def test_an_outside_next_is_not_followed(client) -> None:
    response = client.post("/cookies/", {"action": "refuse_all", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_browser_that_keeps_no_cookie_is_recorded_once_an_hour(client) -> None:
    from django.test import Client as HttpClient

    for _ in range(3):
        HttpClient().get("/contact/", HTTP_SEC_GPC="1")
    assert CookieChoice.objects.filter(method="gpc").count() == 1


def test_switching_language_does_not_ask_again(client) -> None:
    client.post("/cookies/", {"action": "refuse_all"})
    page = client.get("/contact/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="cookie-banner"' not in page
    client.cookies["django_language"] = "en"
    assert 'class="cookie-banner"' not in client.get("/contact/").content.decode()


def test_a_changed_banner_asks_again(client, monkeypatch) -> None:
    from consent import cookies

    client.post("/cookies/", {"action": "refuse_all"})
    monkeypatch.setattr(cookies, "BANNER_TEXT", "Un nouveau texte de bandeau")
    assert 'class="cookie-banner"' in client.get("/contact/").content.decode()

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_pages_are_in_french_by_default(client) -> None:
    response = client.get("/compte/login/")
    assert response["Content-Language"] == "fr"
    assert "Mot de passe" in response.content.decode()


@pytest.mark.django_db
def test_english_is_available(client) -> None:
    response = client.get("/compte/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert "Password" in response.content.decode()


def test_a_client_switches_language_from_the_footer(alice_http) -> None:
    response = alice_http.post("/i18n/setlang/", {"language": "en", "next": "/espace-client/"})
    assert response.status_code == 302
    page = alice_http.get("/espace-client/donnees-personnelles/").content.decode()
    assert 'lang="en"' in page
    assert "Your personal data" in page
    assert "Vos données personnelles" not in page

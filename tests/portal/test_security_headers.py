from __future__ import annotations

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/compte/login/", "/sante/"])
def test_every_page_sends_the_security_headers(client, url: str) -> None:
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_client_pages_are_not_cached(alice_http) -> None:
    response = alice_http.get("/espace-client/donnees-personnelles/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_static_files_are_served_by_whitenoise(client, settings) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # in production they come from collectstatic
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)

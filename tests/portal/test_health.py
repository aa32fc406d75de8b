from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_check_reports_the_database(client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_check_fails_when_redis_is_unreachable(client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["redis"] == "error"

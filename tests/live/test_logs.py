"""The portal served by gunicorn as in production: neither gunicorn's access log nor the
portal's own log lines show the tokens that links carry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from portal.logs import redact
from tests.conftest import database_url
from tests.live.conftest import free_port, wait_until_served

ROOT = Path(__file__).resolve().parents[2]
SECRET_LINKS = [
    "/compte/invitation/SECRETinvitation123/",
    "/compte/password/reset/key/3-SECRETreset456/",
    "/compte/confirm-email/SECRETconfirm789/",
    "/desinscription/1-2-SECRETunsubscribe/",
    "/conserver/SECRETkeep:1abc:def/",
    "/contact/confirmation/SECRETcontact/",
]


@contextmanager
def _gunicorn(tmp_path: Path, *, workers: int = 1) -> Iterator[tuple[str, Path]]:
    """The portal served by gunicorn with its production config, on the test database,
    without Redis: the embedded default an owner may also serve with several workers."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--config"]
    command += ["gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_served(url)
            yield url, log
        finally:
            # Whatever happened, the server goes: it holds a connection to the test database.
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    with _gunicorn(tmp_path) as served:
        yield served


def test_no_token_reaches_a_log_line(gunicorn) -> None:
    url, log = gunicorn
    for path in SECRET_LINKS:
        response = requests.get(url + path, headers={"Referer": url + path}, timeout=10)
        assert response.status_code in (200, 302, 400, 404)
        requests.post(url + path, timeout=10)
    time.sleep(0.5)
    written = log.read_text()
    for path in SECRET_LINKS:
        assert path.split("/")[-2] not in written, path
        assert redact(path) in written  # the line is there, masked
    assert "Not Found: /desinscription/[masqué]/" in written  # the portal's own log


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ('"GET /conserver/abc:1x:y/ HTTP/1.1" 200', '"GET /conserver/[masqué]/ HTTP/1.1" 200'),
        (
            "/compte/login/?next=%2Fdesinscription%2F1-2-abc%2F",
            "next=%2Fdesinscription%2F[masqué]%2F",
        ),
        ("/espace-client/donnees-personnelles/", "/espace-client/donnees-personnelles/"),
        ("Not Found: /compte/invitation/tok", "Not Found: /compte/invitation/[masqué]"),
        ('"GET /conserver/abc%3A1x%3Asig/ HTTP/1.1"', '"GET /conserver/[masqué]/ HTTP/1.1"'),
        ("/desinscription/%201-1-sig/", "/desinscription/[masqué]/"),
        ("/compte/invitation/%C3%A9%C3%A9SECRET/", "/compte/invitation/[masqué]/"),
    ],
)
def test_redaction(line: str, masked: str) -> None:
    assert masked in redact(line)
    assert redact(redact(line)) == redact(line)


def test_gunicorns_error_log_is_masked_too() -> None:
    import logging

    from gunicorn.config import Config

    from portal.logs import GunicornRedactingLogger

    logger = GunicornRedactingLogger(Config())
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger.error_log.addHandler(Keep())
    logger.error("Error handling request %s", "/conserver/abc:1x:secret/")
    assert [record.getMessage() for record in records] == [
        "Error handling request /conserver/[masqué]/"
    ]

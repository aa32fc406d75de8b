"""The TLS proxy of docker-compose (deploy/caddy/Caddyfile), run here in front of a served
portal over plain HTTP: it forwards the portal's pages and refuses an oversized body itself,
before the portal sees a byte of it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.live.conftest import free_port, wait_until_served
from tests.live.test_large_bodies import _announce

ROOT = Path(__file__).resolve().parents[2]
CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(
    CADDY is None and os.environ.get("REQUIRE_PROXY") != "1",
    reason="needs Debian's caddy (apt install caddy)",
)


@pytest.fixture
def proxy(portal, tmp_path) -> str:
    assert CADDY is not None, "REQUIRE_PROXY=1 but caddy is not installed"
    port = free_port()
    upstream = urlsplit(portal.url).netloc
    env = {
        **os.environ,
        "PORTAL_DOMAIN": f"http://127.0.0.1:{port}",
        "PORTAL_UPSTREAM": upstream,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    server = subprocess.Popen(
        [CADDY, "run", "--config", str(ROOT / "deploy/caddy/Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_proxy_serves_the_portal(proxy) -> None:
    response = requests.get(proxy + "/contact/", timeout=10)
    assert response.status_code == 200
    assert "Contact" in response.text or "contact" in response.text


def test_the_proxy_refuses_an_oversized_body_itself(proxy) -> None:
    took, answer = _announce(proxy + "/espace-client/messagerie/nouveau/", 300 * 2**20, b"--x\r\n")
    head = answer.split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 413")
    assert took < 5
    # Caddy's own answer: the portal, which sets a CSP on every response, never saw it.
    assert "content-security-policy" not in head

"""A served portal, called over real HTTP as outside callers call it: providers with their own
signature or credentials, mail clients and people following a link from an email, with no
session, no cookie and no CSRF token unless the page itself gave one."""

from __future__ import annotations

import base64
import html
import re
import socket
import time
from dataclasses import dataclass

import pytest
import requests

TWILIO_TOKEN = "twilio-live-auth-token"
BREVO_CREDENTIALS = "brevo:live-s3cret"


@dataclass(frozen=True)
class Portal:
    url: str

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def portal(live_server, settings) -> Portal:
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": BREVO_CREDENTIALS}
    return Portal(live_server.url)


def basic_auth(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def form_token(page: str) -> str:
    """The CSRF token a page's form carries, as a browser would submit it."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the page has no form with a CSRF token"
    return html.unescape(match.group(1))


def submit(session: requests.Session, url: str, data: dict[str, str] | None = None):
    """Open a page and post its form, as a person with a browser does: the cookie the page
    set, the token its form holds, and the Origin header a browser adds."""
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    origin = re.match(r"https?://[^/]+", url).group(0)
    return session.post(
        url,
        data={"csrfmiddlewaretoken": form_token(page.text), **(data or {})},
        headers={"Origin": origin, "Referer": url},
        allow_redirects=False,
        timeout=10,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_served(url: str) -> None:
    """Until a server started by a test answers its health check (60 s at most: a loaded
    machine starts a worker slowly, and a first answer may take more than a second)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url + "/sante/", timeout=5)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)

"""A body far larger than any form takes is refused from its announced length, at once and
in French, before the portal reads it (a client on a slow line must not wait for a 300 MB
upload to be told it is too large, and the server must not read it)."""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from messaging.models import Attachment


def _announce(
    url: str,
    length: int,
    sent: bytes,
    read_all: bool = False,
    content_type: str = "multipart/form-data; boundary=xyz",
) -> tuple[float, bytes]:
    """Send the headers of a POST of `length` bytes and only `sent` of them; return how long
    the answer took and what it was."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        started = time.monotonic()
        connection.sendall(
            (
                f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {length}\r\n\r\n"
            ).encode()
            + sent
        )
        answer = b""
        while not _complete(answer, read_all):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return time.monotonic() - started, answer


def _complete(answer: bytes, read_all: bool) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    return not read_all or (length is not None and len(body) >= int(length.group(1)))


def test_a_300_mb_upload_is_refused_before_it_is_read(portal, alice_http) -> None:
    took, answer = _announce(
        portal("/espace-client/messagerie/nouveau/"), 300 * 1024 * 1024, b"--xyz\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert took < 5  # the 300 MB never had to be sent
    assert not Attachment.objects.exists()


def test_the_refusal_is_a_french_page(portal) -> None:
    _took, answer = _announce(portal("/contact/"), 200 * 1024 * 1024, b"x" * 10, read_all=True)
    page = answer.decode()
    assert page.startswith("HTTP/1.1 413")
    assert "Envoi trop volumineux" in page
    assert re.search(r"dépasse 51,0\s+Mio", page.replace("\xa0", " "))  # the limit


def test_a_body_within_the_limit_goes_through(portal) -> None:
    assert requests.post(portal("/contact/"), data={"x": "y"}, timeout=10).status_code == 403


@pytest.mark.parametrize(
    ("length", "sent"),
    [(300 * 1024 * 1024, b"x=1"), (3 * 1024 * 1024, b"x=" + b"y" * (3 * 1024 * 1024 - 2))],
)
def test_an_oversized_form_is_a_french_413_with_every_header(portal, length, sent) -> None:
    took, answer = _announce(
        portal("/contact/"),
        length,
        sent,
        read_all=True,
        content_type="application/x-www-form-urlencoded",
    )
    page = answer.decode()
    head = page.split("\r\n\r\n")[0].lower()
    assert head.startswith("http/1.1 413")
    assert "Envoi trop volumineux" in page
    assert "content-security-policy" in head
    assert "x-frame-options: deny" in head
    assert took < 5

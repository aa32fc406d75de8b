"""The letters the law asks for, in the requester's language, each with the CNIL notice.
Sent by email when there is an address; the text is kept in the request's timeline either
way, so that a letter to post can be printed from the admin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from dsar.models import DataRequest
from portal.mail import send_email
from portal.models import Controller


@dataclass(frozen=True)
class Letter:
    name: str
    subject: str
    body: str
    emailed: bool


def letter_send(
    request: DataRequest, name: str, context: Mapping[str, Any] | None = None
) -> Letter:
    language = request.client.language if request.client_id and request.client else "fr"
    ctx = {"request": request, "controller": Controller.load(), **(context or {})}
    with translation.override(language):
        subject = " ".join(render_to_string(f"dsar/letters/{name}.subject.txt", ctx).split())
        body = render_to_string(f"dsar/letters/{name}.txt", ctx).strip()
    to = request.contact_email
    if to:
        send_email(
            "dsar_letter",
            to=to,
            language=language,
            context={"subject": subject, "body": body, "request": request},
        )
    return Letter(name=name, subject=subject, body=body, emailed=bool(to))

"""The letters the law asks for, in the requester's language, each ending with the rights
and the CNIL notice. The text is kept in the request's timeline, where it can be read in the
client area and printed from the admin for a requester without email. Email goes out once
the change is committed, so that an email outage never loses a request (nor sends a letter
about a change that did not happen)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dsar.models import DataRequest
from portal.mail import send_email
from portal.models import Controller

logger = logging.getLogger(__name__)


# What each letter is, for a reader of the request's history.
LETTER_LABELS = {
    "acknowledgement": _("Accusé de réception"),
    "answer": _("Réponse"),
    "archive_ready": _("Copie de vos données prête"),
    "erasure_done": _("Confirmation de l'effacement"),
    "extension": _("Prolongation du délai"),
    "identity_document": _("Demande de justificatif d'identité"),
    "objection_done": _("Confirmation de votre opposition"),
    "rectification_done": _("Confirmation de la rectification"),
    "refusal": _("Refus motivé"),
    "restriction_applied": _("Confirmation de la limitation"),
    "restriction_lift_notice": _("Annonce de la levée de la limitation"),
    "restriction_lifted": _("Levée de la limitation"),
}


def letter_label(name: str) -> str:
    if not name:
        return "—"
    return str(LETTER_LABELS.get(name, _("Courrier")))


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
        body += "\n\n" + render_to_string("dsar/letters/_rights.txt", ctx).strip()
    to = request.contact_email
    if to:
        transaction.on_commit(
            partial(
                _email, to=to, language=language, subject=subject, body=body, request_id=request.pk
            ),
            robust=True,
        )
    return Letter(name=name, subject=subject, body=body, emailed=bool(to))


def _email(*, to: str, language: str, subject: str, body: str, request_id: int) -> None:
    try:
        send_email(
            "dsar_letter", to=to, language=language, context={"subject": subject, "body": body}
        )
    except Exception:
        # The letter stays in the timeline, readable in the client area and printable.
        logger.exception("Letter for request %s could not be emailed", request_id)
        raise

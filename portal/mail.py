"""Transactional email rendered from templates/emails/<name>.{subject.txt,txt,html}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from portal.models import Controller


def render_email(
    name: str, *, to: str, context: Mapping[str, Any], language: str = "fr"
) -> EmailMultiAlternatives:
    """Render a message in the recipient's language, with the controller named as sender."""
    controller = Controller.load()
    ctx = {
        "controller": controller,
        "base_url": settings.PORTAL_BASE_URL,
        "language": language,
        **context,
    }
    with translation.override(language):
        subject = render_to_string(f"emails/{name}.subject.txt", ctx).strip()
        text = render_to_string(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send_email(name: str, *, to: str, context: Mapping[str, Any], language: str = "fr") -> None:
    render_email(name, to=to, context=context, language=language).send()

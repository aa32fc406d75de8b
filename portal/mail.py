"""Transactional email rendered from templates/emails/<name>.{subject.txt,txt,html}."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import console
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from portal.logs import redact
from portal.models import Controller


def render_text(name: str, context: Mapping[str, Any]) -> str:
    """A plain-text template (a subject, an email's text part, an SMS) rendered without
    HTML escaping: « l'abri & spa » stays as typed, never « l&#x27;abri &amp; spa »."""
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(dict(context), autoescape=False)))


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
        subject = render_text(f"emails/{name}.subject.txt", ctx).strip()
        text = render_text(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send_email(name: str, *, to: str, context: Mapping[str, Any], language: str = "fr") -> None:
    render_email(name, to=to, context=context, language=language).send()


class ConsoleEmailBackend(console.EmailBackend):
    """Django's console backend; with DEBUG=0 (chosen explicitly, EMAIL_BACKEND=console) the
    tokens of links are masked, since the console is the log. In development they stay, so
    that the links printed can be followed."""

    def write_message(self, message: Any) -> None:
        if settings.DEBUG:
            super().write_message(message)
            return
        stream, self.stream = self.stream, io.StringIO()
        try:
            super().write_message(message)
            written = self.stream.getvalue()
        finally:
            self.stream = stream
        self.stream.write(redact(written))

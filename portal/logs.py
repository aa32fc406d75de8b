"""No secret in the logs: the tokens that links carry (invitations, password resets, email
confirmations, unsubscribe, keep and contact confirmations) are masked in every log line, by
the portal's handlers and in gunicorn's access log (gunicorn.conf.py names the logger)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

MASK = "[masqué]"
# Paths whose next segment is a secret, as routed in portal/urls.py and by allauth.
SECRET_PREFIXES = (
    "compte/invitation",
    "compte/confirm-email",
    "compte/password/reset/key",
    "desinscription",
    "conserver",
    "contact/confirmation",
)


@lru_cache(maxsize=1)
def _secret_path() -> re.Pattern[str]:
    slash = r"(?:/|%2[Ff])"
    prefixes = "|".join(
        slash.join(re.escape(part) for part in prefix.split("/")) for prefix in SECRET_PREFIXES
    )
    # The segment after the prefix, up to the next slash (or %2F), quote, space or query;
    # percent-encoded characters inside it are part of it.
    return re.compile(rf"({slash}(?:{prefixes}){slash})(?:(?!%2[Ff])[^/\s?&\"'<>])+")


def redact(text: str) -> str:
    """`text` with every token of a secret link masked."""
    return _secret_path().sub(lambda match: match.group(1) + MASK, text)


class RedactSecrets(logging.Filter):
    """For the portal's handlers: the formatted message, masked, replaces message and args."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_text is None and record.exc_info[0] is not None:
            # Tracebacks quote URLs too: format once, masked, and keep that.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class GunicornRedactingLogger(GunicornLogger):
    """gunicorn's own logger, with the request line, path, query and referer masked in the
    access log, and its error log ("Error handling request /…") filtered like the portal's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactSecrets())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }

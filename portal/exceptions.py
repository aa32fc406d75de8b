"""The base of every app's errors: a message that is safe to show to the person."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    default_message: object = _("L'opération n'a pas pu aboutir.")

    def __init__(self, message: object = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))

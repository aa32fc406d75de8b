"""Errors of the consent services; their messages are safe to show."""

from django.utils.translation import gettext_lazy as _


class ConsentError(Exception):
    default_message = _("Ce choix n'a pas pu être enregistré.")

    def __init__(self, message: object = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NoteRequired(ConsentError):
    default_message = _(
        "Précisez dans la note ce que le client a dit, quand et comment (appel, courrier) : "
        "c'est la preuve de son choix."
    )


class InactivePurpose(ConsentError):
    default_message = _("Cette finalité n'est plus proposée.")

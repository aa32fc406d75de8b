"""Errors of the consent services; their messages are safe to show."""

from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError


class ConsentError(PortalError):
    default_message = _("Ce choix n'a pas pu être enregistré.")


class NoteRequired(ConsentError):
    default_message = _(
        "Précisez dans la note ce que le client a dit, quand et comment (appel, courrier) : "
        "c'est la preuve de son choix."
    )


class InactivePurpose(ConsentError):
    default_message = _("Cette finalité n'est plus proposée.")

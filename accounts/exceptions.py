"""Errors of the accounts services; their messages are safe to show."""

from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError


class AccountsError(PortalError):
    pass


class InvitationError(AccountsError):
    default_message = _("Ce lien d'invitation n'est plus valable.")


class InvitationInvalid(InvitationError):
    default_message = _(
        "Ce lien d'invitation n'est plus valable : il a déjà servi, a expiré ou a été "
        "remplacé par un plus récent. Demandez une nouvelle invitation à notre équipe."
    )


class ClientHasAccount(InvitationError):
    default_message = _(
        "Ce client a déjà un compte : il peut utiliser « Mot de passe oublié » sur la page "
        "de connexion."
    )


class ClientHasNoEmail(InvitationError):
    default_message = _("Ce client n'a pas d'adresse e-mail : ajoutez-en une avant de l'inviter.")


class InvitationNotSent(InvitationError):
    default_message = _(
        "L'e-mail d'invitation n'a pas pu être envoyé ; rien n'a été enregistré. "
        "Vérifiez l'adresse du client puis réessayez."
    )


class EmailTaken(InvitationError):
    default_message = _("Un compte existe déjà avec cette adresse e-mail.")

"""Errors of the request services; their messages are safe to show."""

from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError


class RequestError(PortalError):
    default_message = _("Cette action n'est pas possible sur cette demande.")


class RequestClosed(RequestError):
    default_message = _("Cette demande est close.")


class ExtensionRefused(RequestError):
    default_message = _(
        "Prolongation impossible : elle doit être décidée avant la première échéance, avec un "
        "motif, et ne peut dépasser deux mois au total."
    )


class ReasonRequired(RequestError):
    default_message = _("Un motif est obligatoire.")


class DoubtRequired(RequestError):
    default_message = _(
        "Une pièce d'identité ne peut être demandée qu'en cas de doute raisonnable, enregistré "
        "avec son motif."
    )


class IdentityNotEstablished(RequestError):
    default_message = _(
        "L'identité du demandeur n'est pas établie : vérifiez-la avant d'exécuter la demande."
    )


class NothingChanged(RequestError):
    default_message = _("Aucune donnée n'a changé : rien à rectifier.")


class ErasureRefused(RequestError):
    default_message = _("L'effacement est impossible pour le moment.")


class LiftNotAnnounced(RequestError):
    default_message = _(
        "La personne doit être informée avant la levée de la limitation : envoyez d'abord "
        "l'annonce de levée."
    )

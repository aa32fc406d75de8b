"""Personal data held by the consent app: the ledger, the current choices, the suppression
list and cookie choices."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Client
from consent.models import (
    ConsentRecord,
    ConsentState,
    CookieBannerVersion,
    CookieChoice,
    Purpose,
    PurposeWording,
    Suppression,
)
from consent.selectors import client_suppressions
from consent.services import consent_scrub_client
from portal.audit import register_action_labels
from portal.personal_data import Activity, Category, PersonalData, registry

register_action_labels(
    {
        "consent.choice.granted": _("Accord donné pour une finalité"),
        "consent.choice.withdrawn": _("Accord retiré pour une finalité"),
        "consent.suppression.added": _("Inscription sur la liste d'opposition"),
        "consent.suppression.lifted": _("Levée de l'opposition après un nouvel accord"),
        "consent.purpose.reworded": _("Nouveau texte pour une finalité"),
    }
)


class LedgerData(PersonalData):
    def erase(self, client: Client) -> int:
        return consent_scrub_client(client=client)


registry.register(
    LedgerData(
        key="consent.ledger",
        export_as={"purpose": "purpose__key", "wording": "wording__version"},
        count_text=ngettext_lazy(
            "%(count)d choix enregistré", "%(count)d choix enregistrés", "count"
        ),
        kept_with="accounts.client_profile",
        client_page="consent_history",
        label=_("Historique de vos choix de prospection"),
        description=_(
            "Chaque accord ou retrait, avec le texte présenté : c'est la preuve de vos choix."
        ),
        activity=Activity.MARKETING,
        categories=(Category.PREFERENCES, Category.CONNECTION),
        model=ConsentRecord,
        client_path="client",
        fields=("at", "purpose", "granted", "method", "wording", "ip"),
        labels={"purpose": _("finalité"), "wording": _("texte présenté")},
        related=("purpose__wording",),
        # Kept as proof as long as the client's record; no date-based purge.
        ordering=("-at", "-id"),
    )
)

registry.register(
    PersonalData(
        key="consent.states",
        export_as={"purpose": "purpose__key"},
        count_text=ngettext_lazy(
            "%(count)d choix en vigueur", "%(count)d choix en vigueur", "count"
        ),
        kept_with="accounts.client_profile",
        label=_("Vos choix de prospection en vigueur"),
        activity=Activity.MARKETING,
        categories=(Category.PREFERENCES,),
        model=ConsentState,
        client_path="client",
        fields=("purpose", "granted", "updated_at"),
        labels={"purpose": _("finalité"), "granted": _("accordé"), "updated_at": _("depuis le")},
        related=("purpose__wording",),
        # Deleting a refusal by date would let soft opt-in apply again: no date-based purge.
    )
)


class SuppressionData(PersonalData):
    """Digests only, found through the client's own digests."""

    def for_client(self, client: Client) -> QuerySet[Any]:
        return client_suppressions(client)


registry.register(
    SuppressionData(
        key="consent.suppression",
        count_text=ngettext_lazy("%(count)d inscription", "%(count)d inscriptions", "count"),
        label=_("Liste d'opposition"),
        description=_(
            "Une empreinte chiffrée de votre adresse ou de votre numéro, pour ne plus vous "
            "solliciter, même si vos coordonnées nous parviennent à nouveau."
        ),
        activity=Activity.MARKETING,
        categories=(Category.CONTACT,),
        model=Suppression,
        client_path=None,
        fields=("kind", "reason", "created_at", "expires_at"),
        events={"expiry": "expires_at"},
        erase_mode="keep",
        legal_obligation=_("Respect de votre opposition (CPCE L34-5) : 3 ans après l'opposition"),
    )
)

registry.register(
    PersonalData(
        key="consent.cookies",
        count_text=ngettext_lazy("%(count)d choix", "%(count)d choix", "count"),
        label=_("Vos choix de cookies"),
        activity=Activity.COOKIES,
        categories=(Category.PREFERENCES, Category.CONNECTION),
        model=CookieChoice,
        client_path="user__client",
        fields=("at", "functional", "audience", "advertising", "method", "ip"),
        events={"collection": "at"},
    )
)

registry.exempt(Purpose, reason="The business's marketing purposes.")
registry.exempt(PurposeWording, reason="The texts shown for each purpose.")
registry.exempt(CookieBannerVersion, reason="Snapshots of the cookie banner's text.")

"""Personal data held by the accounts app: client records, logins, invitations, documents."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, Now
from django.db.models.query import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Client, ClientTag, ContactRequest, Document, Invitation, Tag, User
from accounts.user_agents import describe
from consent.services import consent_scrub_clients
from portal.personal_data import Activity, Category, FilePersonalData, PersonalData, registry

CONTACT_FIELDS = (
    "civility",
    "first_name",
    "last_name",
    "email",
    "phone",
    *Client.ADDRESS_FIELDS,
    "language",
)


NAME_FIELDS = ("civility", "first_name", "last_name")
# How the client wants to hear of replies and appointments: their own choice.
SERVICE_FIELDS = ("service_by_email", "service_by_sms")
# What goes with a client record the purge anonymises: the login and everything that lets
# someone sign in as them, and what would still describe them. (The consent ledger is
# scrubbed, not deleted: it is proof.)
SATELLITES = (
    "accounts.login_emails",
    "accounts.mfa",
    "accounts.sessions",
    "accounts.invitations",
    "accounts.client_tags",
    "messaging.threads",
    "messaging.appointments",
)


def has_accounting_documents() -> Exists:
    return Exists(
        Document.objects.filter(client=OuterRef("pk"), kind__in=Document.ACCOUNTING_KINDS)
    )


class ClientProfileData(PersonalData):
    """Anonymisation keeps the name only while invoices must be kept: an invoice names its
    client (Code de commerce L123-22); everything else goes. The purge anonymises the same
    way as an erasure, in one statement per batch, and takes the login along."""

    def erase(self, client: Client) -> int:
        return self._anonymise(self.for_client(client))

    def _anonymise(self, qs: QuerySet[Any]) -> int:
        """Two statements: with invoices the name stays, without it goes too."""
        without_names = {k: v for k, v in self.anonymised.items() if k not in NAME_FIELDS}
        kept_names = qs.filter(has_accounting_documents()).update(**without_names)
        return kept_names + qs.exclude(has_accounting_documents()).update(**self.anonymised)

    def apply_action(self, qs: QuerySet[Any], action: str) -> int:
        if action != "anonymise":
            return super().apply_action(qs, action)
        ids = qs.values("pk")
        with transaction.atomic():
            consent_scrub_clients(clients=ids)
            for key in SATELLITES:
                satellite = registry.get(key)
                rows = satellite.model._default_manager.filter(
                    **{f"{satellite.client_path}__in": ids}
                )
                satellite.apply_action(rows, "delete")
            login = registry.get("accounts.login")
            login.apply_action(User.objects.filter(client__in=ids), "anonymise")
            return self._anonymise(qs)


registry.register(
    ClientProfileData(
        key="accounts.client_profile",
        count_text=ngettext_lazy("%(count)d fiche", "%(count)d fiches", "count"),
        label=_("Votre fiche client"),
        description=_("Votre identité, vos coordonnées et l'historique de notre relation."),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.IDENTITY, Category.CONTACT, Category.COMMERCIAL),
        model=Client,
        client_path="",
        fields=(
            "customer_number",
            *CONTACT_FIELDS,
            "status",
            "source",
            "collected_at",
            "last_contact_at",
            "last_purchase_on",
            "relationship_ended_on",
            "loyalty_card_valid_until",
            *SERVICE_FIELDS,
            "is_restricted",
        ),
        provided_fields=(*CONTACT_FIELDS, *SERVICE_FIELDS),
        # Done once anonymised, unless the name kept for invoices can go now.
        done_filters={
            "anonymise": Q(anonymised_at__isnull=False)
            & (Q(last_name="Client effacé") | Q(has_accounting_documents()))
        },
        events={
            "collection": "collected_at",
            "last_contact": "last_contact_at",
            "last_purchase": "last_purchase_on",
            "relationship_end": "relationship_ended_on",
        },
        # The row stays, so that the invoices archived by law keep their client number.
        erase_mode="anonymise",
        anonymised={
            "civility": "",
            "first_name": "",
            "last_name": "Client effacé",  # stored data, the same in every language
            "email": "",
            "phone": "",
            "address_line1": "",
            "address_line2": "",
            "postal_code": "",
            "city": "",
            "country": "",
            "source": "",
            "loyalty_card_valid_until": None,
            "email_digest": "",
            "phone_digest": "",
            "anonymised_at": Now(),
        },
    )
)

registry.register(
    PersonalData(
        key="accounts.login",
        count_text=ngettext_lazy("%(count)d compte", "%(count)d comptes", "count"),
        kept_with="accounts.client_profile",
        label=_("Votre compte de connexion"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.CONTACT, Category.CONNECTION),
        model=User,
        client_path="client",
        fields=("email", "date_joined", "last_login", "is_active"),
        provided_fields=("email",),
        events={"collection": "date_joined", "last_contact": "last_login"},
        erase_mode="anonymise",
        anonymised={
            # The address must stay unique: it becomes a placeholder built from the id.
            "email": Concat(Value("efface-"), Cast("pk", CharField()), Value("@invalid.example")),
            "is_active": False,
            "password": "!",  # unusable
        },
    )
)

registry.register(
    PersonalData(
        key="accounts.login_emails",
        count_text=ngettext_lazy("%(count)d adresse", "%(count)d adresses", "count"),
        kept_with="accounts.client_profile",
        label=_("Adresses e-mail de connexion"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.CONTACT,),
        model=EmailAddress,
        client_path="user__client",
        fields=("email", "verified", "primary"),
        labels={"email": _("adresse"), "verified": _("vérifiée"), "primary": _("principale")},
    )
)

registry.register(
    PersonalData(
        key="accounts.email_confirmations",
        count_text=ngettext_lazy(
            "%(count)d confirmation en cours", "%(count)d confirmations en cours", "count"
        ),
        label=_("Confirmations d'adresse e-mail en cours"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.CONNECTION,),
        model=EmailConfirmation,
        client_path="email_address__user__client",
        fields=("created", "sent"),
        labels={"created": _("créée le"), "sent": _("envoyée le")},
        events={"collection": "created"},
    )
)

registry.register(
    PersonalData(
        key="accounts.mfa",
        count_text=ngettext_lazy("%(count)d méthode", "%(count)d méthodes", "count"),
        kept_with="accounts.client_profile",
        label=_("Double authentification"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.SECURITY,),
        model=Authenticator,
        client_path="user__client",
        fields=("type", "created_at", "last_used_at"),
        labels={
            "type": _("méthode"),
            "created_at": _("activée le"),
            "last_used_at": _("dernière utilisation"),
        },
    )
)


class SessionsData(PersonalData):
    """Ending a session must also delete Django's session row, which UserSession.end() does."""

    def _delete(self, qs: QuerySet[UserSession]) -> int:
        count = 0
        for session in qs.iterator():
            session.end()
            count += 1
        return count


registry.register(
    SessionsData(
        key="accounts.sessions",
        count_text=ngettext_lazy("%(count)d session", "%(count)d sessions", "count"),
        label=_("Vos sessions de connexion"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.CONNECTION,),
        model=UserSession,
        client_path="user__client",
        fields=("created_at", "last_seen_at", "ip", "user_agent"),
        labels={
            "created_at": _("ouverte le"),
            "last_seen_at": _("dernière activité"),
            "ip": _("adresse IP"),
            "user_agent": _("navigateur"),
        },
        formatters={"user_agent": describe},
        events={"collection": "created_at", "last_contact": "last_seen_at"},
        ordering=("-last_seen_at",),
    )
)

registry.register(
    PersonalData(
        key="accounts.invitations",
        count_text=ngettext_lazy("%(count)d invitation", "%(count)d invitations", "count"),
        kept_with="accounts.client_profile",
        label=_("Invitations à l'espace client"),
        activity=Activity.ACCOUNT_SECURITY,
        categories=(Category.CONTACT,),
        model=Invitation,
        client_path="client",
        fields=("email", "created_at", "expires_at", "accepted_at"),
        events={"collection": "created_at"},
    )
)

registry.register(
    FilePersonalData(
        key="accounts.documents",
        count_text=ngettext_lazy("%(count)d document", "%(count)d documents", "count"),
        label=_("Vos documents"),
        description=_(
            "Devis, bons de commande, bons de livraison, notices déposés dans votre espace."
        ),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=Document,
        client_path="client",
        scope=~Q(kind__in=Document.ACCOUNTING_KINDS),
        fields=("kind", "title", "reference", "issued_on", "uploaded_at"),
        events={"document_date": "issued_on", "collection": "uploaded_at"},
        # Job-site documents (guarantees) may be kept in the restricted archive.
        archived={"archived_at": Now()},
        done_filters={"archive": Q(archived_at__isnull=False)},
        ordering=("-issued_on", "-pk"),
    )
)

registry.register(
    FilePersonalData(
        key="accounts.invoices",
        count_text=ngettext_lazy(
            "%(count)d facture ou avoir", "%(count)d factures ou avoirs", "count"
        ),
        label=_("Vos factures et avoirs"),
        description=_(
            "Gardés même après une demande d'effacement, le temps que la loi impose : ils "
            "passent alors en archive, hors de votre espace."
        ),
        activity=Activity.ACCOUNTING,
        categories=(Category.ECONOMIC,),
        model=Document,
        client_path="client",
        scope=Q(kind__in=Document.ACCOUNTING_KINDS),
        fields=("kind", "title", "reference", "issued_on", "uploaded_at", "archived_at"),
        events={"document_date": "issued_on"},
        legal_obligation=_("Code de commerce, art. L123-22 : 10 ans"),
        archived={"archived_at": Now()},
        done_filters={"archive": Q(archived_at__isnull=False)},
        ordering=("-issued_on", "-pk"),
    )
)

registry.register(
    PersonalData(
        key="accounts.client_tags",
        export_as={"tag": "tag__name"},
        count_text=ngettext_lazy("%(count)d catégorie", "%(count)d catégories", "count"),
        kept_with="accounts.client_profile",
        label=_("Vos catégories de client"),
        description=_(
            "Les étiquettes que nous vous attribuons (par exemple le produit que vous avez) "
            "pour vous adresser les informations qui vous concernent."
        ),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=ClientTag,
        client_path="client",
        fields=("tag", "added_at"),
        labels={"tag": _("étiquette")},
        related=("tag",),
        ordering=("tag__name", "id"),
    )
)

registry.register(
    PersonalData(
        key="accounts.contact_requests",
        count_text=ngettext_lazy("%(count)d demande", "%(count)d demandes", "count"),
        label=_("Vos demandes de contact"),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=ContactRequest,
        client_path="client",
        fields=("created_at", "kind", "message", "handled_at"),
        provided_fields=("created_at", "kind", "message"),
        # A request is itself a contact: from a stranger it is the last one we know of.
        events={"collection": "created_at", "last_contact": "created_at"},
        ordering=("-created_at",),
    )
)
registry.exempt(Tag, reason="The names of the labels staff give clients.")

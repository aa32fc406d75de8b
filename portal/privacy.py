"""Personal data held by the portal itself (the audit trail, the admin's own log), and the
models that hold none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Client, Document, User
from portal.audit import (
    audit_purge_through,
    audit_scrub_client,
    client_action_label,
    register_action_labels,
)
from portal.models import (
    AuditChainHead,
    AuditEvent,
    ContactDigestKey,
    Controller,
    FileDeletion,
    JobRun,
)
from portal.personal_data import Activity, Category, PersonalData, registry, who_text

register_action_labels(
    {
        "accounts.client.created": _("Création de votre fiche client"),
        "accounts.client.updated": _("Modification de vos coordonnées"),
        "accounts.client.viewed": _("Consultation de votre fiche par notre équipe"),
        "accounts.client.searched": _("Recherche dans la liste des clients"),
        "accounts.document.viewed": _("Consultation d'un document par notre équipe"),
        "accounts.contact_request.received": _("Réception de votre demande de contact"),
        "accounts.contact_request.handled": _("Traitement de votre demande de contact"),
        "accounts.contact_request.viewed": _("Lecture de votre demande par notre équipe"),
        "retention.client.warned": _("Message avant l'effacement de vos coordonnées"),
        "accounts.invitation.sent": _("Envoi d'une invitation à l'espace client"),
        "accounts.invitation.accepted": _("Activation de votre espace client"),
        "accounts.document.added": _("Dépôt d'un document"),
        "accounts.document.updated": _("Modification d'un document"),
        "accounts.document.deleted": _("Suppression d'un document"),
        "accounts.document.downloaded": _("Téléchargement d'un document"),
    }
)


class AuditTrailData(PersonalData):
    """The client sees who acted on their data; the address an action came from only for
    their own actions, since staff's addresses are staff's personal data."""

    def erase(self, client: Client) -> int:
        return audit_scrub_client(client=client)

    def apply_action(self, qs: QuerySet[Any], action: str) -> int:
        # Only whole stretches from the start of the chain go, so that it still verifies.
        if action != "delete":
            raise ValueError("Audit events past their retention are deleted, never edited")
        last = qs.order_by("-pk").values_list("pk", flat=True).first()
        return audit_purge_through(last) if last is not None else 0

    def display(self, obj: models.Model, name: str) -> str:
        if name == "ip" and getattr(obj, "actor_kind", None) != AuditEvent.ActorKind.CLIENT:
            return "—"
        return super().display(obj, name)

    def export_iter(
        self, client: Client, *, provided_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        for row in super().export_iter(client, provided_only=provided_only):
            if row.get("actor_kind") != AuditEvent.ActorKind.CLIENT:
                row["ip"] = None
            yield row


registry.register(
    AuditTrailData(
        key="portal.audit_trail",
        client_page="client_access_log",
        count_text=ngettext_lazy("%(count)d événement", "%(count)d événements", "count"),
        label=_("Journal des accès à vos données"),
        description=_("Qui a consulté ou modifié vos données, quand et pourquoi."),
        activity=Activity.COMPLIANCE,
        categories=(Category.CONNECTION,),
        model=AuditEvent,
        client_path="client",
        fields=("at", "action", "actor_kind", "ip"),
        formatters={"action": client_action_label, "actor_kind": who_text},
        events={"collection": "at"},
        # Security logs: kept 6 to 12 months whoever they are about; a purge must take a
        # whole stretch from the start of the chain.
        purge_spares_clients=False,
        ordering=("-at", "-id"),
    )
)


class AdminLogData(PersonalData):
    """The admin's own history names the objects it changed ("Alice Martin (C000001)")."""

    def for_client(self, client: Client) -> QuerySet[LogEntry]:
        types = ContentType.objects.get_for_models(Client, Document, User)
        document_ids = [str(pk) for pk in client.documents.values_list("pk", flat=True)]
        about = Q(content_type=types[Client], object_id=str(client.pk)) | Q(
            content_type=types[Document], object_id__in=document_ids
        )
        if client.user_id:
            about |= Q(content_type=types[User], object_id=str(client.user_id))
        return self.queryset().filter(about)


registry.register(
    AdminLogData(
        key="portal.admin_log",
        count_text=ngettext_lazy("%(count)d modification", "%(count)d modifications", "count"),
        label=_("Historique des modifications par notre équipe"),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY,),
        model=LogEntry,
        client_path=None,
        fields=("action_time", "object_repr"),
        labels={"action_time": _("date"), "object_repr": _("fiche concernée")},
        erase_mode="anonymise",
        anonymised={"object_repr": "—", "change_message": ""},
        events={"collection": "action_time"},
        ordering=("-action_time",),
    )
)

registry.exempt(Controller, reason="The business's own identity, published on every page.")
registry.exempt(AuditChainHead, reason="The last hash of the audit chain.")
registry.exempt(Permission, reason="Permission names.")
registry.exempt(Group, reason="Staff role names.")
registry.exempt(ContentType, reason="Model names.")
registry.exempt(
    Session,
    reason="Opaque session rows; who holds them, from where, is declared as accounts.sessions.",
)
registry.exempt(ContactDigestKey, reason="The secret salting contact digests.")
registry.exempt(FileDeletion, reason="Random file names awaiting deletion, kept minutes.")
registry.exempt(JobRun, reason="When each periodic job ran and how it ended: counts, no person.")

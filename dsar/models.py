from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, private_storage


class Kind(models.TextChoices):
    ACCESS = "access", _("Accès à mes données")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Effacement")
    RESTRICTION = "restriction", _("Limitation du traitement")
    PORTABILITY = "portability", _("Portabilité")
    OBJECTION = "objection", _("Opposition")
    POST_MORTEM = "post_mortem", _("Directives post mortem")


class RequestChannel(models.TextChoices):
    PORTAL = "portal", _("Espace client")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Courrier")
    PHONE = "phone", _("Téléphone")
    IN_PERSON = "in_person", _("En personne")


class Identity(models.TextChoices):
    LOGIN = "login", _("identifié par sa connexion")
    TO_CHECK = "to_check", _("à vérifier")
    DOUBT = "doubt", _("doute raisonnable enregistré")
    DOCUMENT_REQUESTED = "document_requested", _("pièce d'identité demandée")
    VERIFIED = "verified", _("vérifiée")
    FAILED = "failed", _("non établie")


class Status(models.TextChoices):
    RECEIVED = "received", _("reçue")
    IN_PROGRESS = "in_progress", _("en cours")
    AWAITING_REQUESTER = "awaiting_requester", _("en attente du demandeur")
    DONE = "done", _("traitée")
    REFUSED = "refused", _("refusée")
    WITHDRAWN = "withdrawn", _("retirée")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_REQUESTER)


class DataRequest(models.Model):
    """A request from a person exercising their rights (GDPR art. 15 to 22, LIL art. 85)."""

    reference = models.CharField(_("référence"), max_length=20, unique=True, blank=True)
    kind = models.CharField(_("demande"), max_length=14, choices=Kind.choices)
    channel = models.CharField(_("reçue par"), max_length=10, choices=RequestChannel.choices)
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    requester_name = models.CharField(_("nom du demandeur"), max_length=200, blank=True)
    requester_email = models.EmailField(_("e-mail du demandeur"), blank=True)
    requester_address = models.TextField(_("adresse du demandeur"), blank=True)
    details = models.TextField(_("précisions de la demande"), blank=True)
    received_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    due_at = models.DateTimeField(_("à traiter avant le"))
    extended_months = models.PositiveSmallIntegerField(_("prolongation (mois)"), default=0)
    extension_reason = models.TextField(_("motif de la prolongation"), blank=True)
    # The clock stops while an identity document is awaited (GDPR art. 12(6)).
    clock_stopped_at = models.DateTimeField(_("horloge arrêtée depuis"), null=True, blank=True)
    stopped_seconds = models.PositiveBigIntegerField(default=0)
    identity = models.CharField(_("identité"), max_length=20, choices=Identity.choices)
    identity_doubt = models.TextField(_("motif du doute"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    answer = models.TextField(_("réponse au demandeur"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chargé de la demande"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    erasure_report = models.JSONField(_("rapport d'effacement"), default=dict, blank=True)
    restriction_applied_at = models.DateTimeField(
        _("limitation appliquée le"), null=True, blank=True
    )
    restriction_lift_notified_at = models.DateTimeField(
        _("levée de la limitation annoncée le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("demande RGPD")
        verbose_name_plural = _("demandes RGPD")
        ordering = ("due_at",)
        indexes: ClassVar = [
            models.Index(fields=["status", "due_at"], name="dsar_inbox"),
            models.Index(fields=["assignee", "status", "due_at"], name="dsar_assignee"),
            models.Index(fields=["kind", "received_at"], name="dsar_kind_received"),
            models.Index(fields=["client", "-received_at"], name="dsar_client"),
        ]
        permissions: ClassVar = [
            ("view_identity_document", _("Ouvrir les pièces d'identité")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def identity_established(self) -> bool:
        return self.identity in (Identity.LOGIN, Identity.VERIFIED)

    @property
    def erasure_unfinished(self) -> bool:
        report = self.erasure_report or {}
        return bool(report.get("steps")) and not report.get("finished_at")

    @property
    def display_name(self) -> str:
        return self.client.full_name if self.client_id and self.client else self.requester_name

    @property
    def contact_email(self) -> str:
        return self.client.email if self.client_id and self.client else self.requester_email


class RequestEvent(models.Model):
    """One line of a request's timeline. Never edited, never deleted."""

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("date"), default=timezone.now)
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    letter = models.CharField(_("courrier envoyé"), max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("historique")
        ordering = ("at", "id")

    def __str__(self) -> str:
        from dsar.privacy import request_action_label

        at = formats.date_format(timezone.localtime(self.at), "DATETIME_FORMAT")
        return f"{at} — {request_action_label(self.action)}"


def identity_upload_to(instance: IdentityDocument, filename: str) -> str:
    return f"identity/{uuid.uuid4().hex}.bin"


class IdentityDocument(models.Model):
    """A copy of an identity document, asked only on a recorded doubt. Encrypted at rest with
    FIELD_ENCRYPTION_KEY, and deleted once identity is settled or the request closes."""

    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="identity_documents"
    )
    file = models.FileField(storage=private_storage, upload_to=identity_upload_to, max_length=200)
    content_type = models.CharField(_("type de fichier"), max_length=100)
    uploaded_at = models.DateTimeField(_("reçue le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce d'identité")
        verbose_name_plural = _("pièces d'identité")

    def __str__(self) -> str:
        return f"{self.request_id} {self.uploaded_at:%Y-%m-%d}"


def archive_upload_to(instance: AccessArchive, filename: str) -> str:
    return f"archives/{uuid.uuid4().hex}.zip"


class AccessArchive(models.Model):
    """The copy of a client's data (access) or of what they provided (portability)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="archives")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="access_archives")
    portability = models.BooleanField(_("portabilité"), default=False)
    file = models.FileField(
        storage=private_storage, upload_to=archive_upload_to, max_length=200, blank=True
    )
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    created_at = models.DateTimeField(_("préparée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("disponible jusqu'au"))
    downloaded_at = models.DateTimeField(_("téléchargée le"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("fichier supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("archive de données")
        verbose_name_plural = _("archives de données")
        indexes: ClassVar = [
            models.Index(fields=["expires_at", "deleted_at"], name="archive_expiry")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.created_at:%Y-%m-%d}"


class PostMortemDirective(models.Model):
    """What the client wants done with their data after their death (LIL art. 85)."""

    class Choice(models.TextChoices):
        KEEP = "keep", _("Conserver mes données le temps prévu")
        ERASE = "erase", _("Effacer mes données")
        COMMUNICATE = "communicate", _("Les communiquer à la personne désignée")

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="post_mortem")
    choice = models.CharField(_("ma directive"), max_length=12, choices=Choice.choices)
    trusted_person_name = models.CharField(_("personne désignée"), max_length=200, blank=True)
    trusted_person_contact = models.CharField(_("ses coordonnées"), max_length=300, blank=True)
    instructions = models.TextField(_("précisions"), blank=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("directive post mortem")
        verbose_name_plural = _("directives post mortem")

    def __str__(self) -> str:
        return self.get_choice_display()

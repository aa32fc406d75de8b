from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login: a client's, or a staff member's. The data subject is `Client`."""

    email = models.EmailField(_("adresse e-mail de connexion"), unique=True)
    is_staff = models.BooleanField(
        _("membre de l'équipe"),
        default=False,
        help_text=_(
            "Peut se connecter à l'administration, après avoir activé la double authentification."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("date de création"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("compte de connexion")
        verbose_name_plural = _("comptes de connexion")
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email


class Client(models.Model):
    """The data subject: a prospect, a client or a former client of the business."""

    class Civility(models.TextChoices):
        NONE = "", _("Non précisée")
        MR = "M.", _("Monsieur")
        MRS = "Mme", _("Madame")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        CLIENT = "client", _("Client")
        FORMER = "former", _("Ancien client")

    ADDRESS_FIELDS: ClassVar = ("address_line1", "address_line2", "postal_code", "city", "country")

    customer_number = models.CharField(_("numéro client"), max_length=20, unique=True, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("compte de connexion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="client",
    )
    civility = models.CharField(
        _("civilité"), max_length=3, choices=Civility.choices, default="", blank=True
    )
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = PhoneNumberField(_("téléphone"), blank=True)
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=100, default="France", blank=True)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PROSPECT
    )
    source = models.CharField(
        _("origine des données"),
        max_length=200,
        blank=True,
        help_text=_("Comment ces données ont été obtenues, quand ce n'est pas auprès du client."),
    )
    collected_at = models.DateTimeField(_("date de collecte"), default=timezone.now)
    # Collection is the first contact: retention for inactivity counts from here.
    last_contact_at = models.DateTimeField(
        _("dernier contact"),
        default=timezone.now,
        help_text=_("La collecte compte comme premier contact."),
    )
    last_purchase_on = models.DateField(_("dernier achat"), null=True, blank=True)
    relationship_ended_on = models.DateField(
        _("fin de la relation commerciale"), null=True, blank=True
    )
    loyalty_card_valid_until = models.DateField(
        _("carte de fidélité valable jusqu'au"), null=True, blank=True
    )
    # The single message before an inactivity purge (CNIL: one re-solicitation of a prospect).
    retention_warned_at = models.DateTimeField(
        _("prévenu avant effacement le"), null=True, blank=True, editable=False
    )
    # Set when the purge or an erasure anonymises the record.
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)
    # How the client wants to hear of replies, appointments and service alerts. These are
    # not marketing: they need no consent, only the client's say on the channel.
    service_by_email = models.BooleanField(
        _("messages de service par e-mail"),
        default=True,
        db_default=True,  # rows written in SQL (imports, COPY) take it too
        help_text=_("Réponses à vos messages, rendez-vous, alertes importantes."),
    )
    service_by_sms = models.BooleanField(
        _("messages de service par SMS"),
        default=True,
        db_default=True,  # rows written in SQL (imports, COPY) take it too
        help_text=_("Réponses à vos messages, rendez-vous, alertes importantes."),
    )
    is_restricted = models.BooleanField(
        _("traitement limité"),
        default=False,
        help_text=_(
            "Limitation du traitement (art. 18 RGPD) : données gelées, aucune prospection."
        ),
    )
    # Salted digests of the email and phone (portal.contacts), kept by the services so that
    # the suppression list can be matched in SQL.
    email_digest = models.CharField(max_length=64, blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ("last_name", "first_name", "pk")
        indexes: ClassVar = [
            models.Index(fields=["last_name", "first_name"], name="client_name"),
            models.Index(fields=["status"], name="client_status"),
            models.Index(fields=["collected_at"], name="client_collected"),
            models.Index(fields=["last_contact_at"], name="client_last_contact"),
            models.Index(fields=["last_purchase_on"], name="client_last_purchase"),
            models.Index(fields=["relationship_ended_on"], name="client_relationship_end"),
            models.Index(Lower("email"), name="client_email_ci"),
            models.Index(fields=["email_digest"], name="client_email_digest"),
            models.Index(fields=["phone_digest"], name="client_phone_digest"),
            models.Index(
                fields=["id"], condition=models.Q(is_restricted=True), name="client_restricted"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.full_name} ({self.customer_number})" if self.customer_number else self.full_name
        )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def salutation(self) -> str:
        """How a letter opens: "Madame," or "Monsieur," as the client chose, and "Madame,
        Monsieur," when they did not say."""
        if self.civility == self.Civility.MRS:
            return str(_("Madame,"))
        if self.civility == self.Civility.MR:
            return str(_("Monsieur,"))
        return str(_("Madame, Monsieur,"))

    def has_valid_loyalty_card(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.loyalty_card_valid_until is not None and self.loyalty_card_valid_until >= on

    def takes_service_messages_by(self, channel: str) -> bool:
        """The client's say on replies, appointments and alerts by "email" or "sms"."""
        return self.service_by_email if channel == "email" else self.service_by_sms

    @property
    def postal_address(self) -> str:
        lines = [
            self.address_line1,
            self.address_line2,
            " ".join(p for p in (self.postal_code, self.city) if p),
            self.country if self.country and self.country != "France" else "",
        ]
        return "\n".join(line for line in lines if line)


class Tag(models.Model):
    """A label staff give clients ("piscine coque", "contrat d'entretien") to address a
    campaign or an alert to them."""

    name = models.CharField(_("nom"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ClientTag(models.Model):
    client = models.ForeignKey(
        "Client", verbose_name=_("client"), on_delete=models.CASCADE, related_name="client_tags"
    )
    tag = models.ForeignKey(
        Tag, verbose_name=_("étiquette"), on_delete=models.CASCADE, related_name="client_tags"
    )
    added_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)

    class Meta:
        verbose_name = _("étiquette du client")
        verbose_name_plural = _("étiquettes du client")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["client", "tag"], name="client_tag_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["tag", "client"], name="client_tag_tag")]

    def __str__(self) -> str:
        return str(self.tag)


class Invitation(models.Model):
    """A single-use link, valid for a limited time, for a client to set their own password."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("envoyée à"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("envoyée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return str(_("Invitation du %(date)s") % {"date": f"{self.created_at:%d/%m/%Y}"})

    @property
    def state(self) -> str:
        if self.accepted_at:
            return str(_("acceptée"))
        if self.revoked_at:
            return str(_("annulée"))
        if self.expires_at <= timezone.now():
            return str(_("expirée"))
        return str(_("en attente"))


class ContactRequest(models.Model):
    """A question, quote or callback request sent through the public contact form."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        QUOTE = "quote", _("Demande de devis")
        CALLBACK = "callback", _("Demande de rappel")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contact_requests"
    )
    kind = models.CharField(_("objet"), max_length=10, choices=Kind.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de contact")
        verbose_name_plural = _("demandes de contact")
        ordering = ("-created_at",)
        indexes: ClassVar = [
            models.Index(fields=["handled_at", "created_at"], name="contact_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.created_at:%d/%m/%Y}"


class PrivateStorage(FileSystemStorage):
    """Files that only authorised views may serve: never under the static or media URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return str(Path(settings.PRIVATE_MEDIA_ROOT).resolve())

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


private_storage = PrivateStorage()


def document_upload_to(instance: Document, filename: str) -> str:
    # A random name: the client's name or the original file name never reaches the disk.
    suffix = Path(filename).suffix.lower()[:8]
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    """A quote, order, invoice or manual that staff put in a client's document wallet."""

    class Kind(models.TextChoices):
        QUOTE = "quote", _("Devis")
        ORDER = "order", _("Bon de commande")
        DELIVERY_NOTE = "delivery_note", _("Bon de livraison")
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")
        MANUAL = "manual", _("Notice et manuel")
        OTHER = "other", _("Autre document")

    # Accounting documents: kept 10 years after the close of the financial year (Code de
    # commerce L123-22), even after an erasure request.
    ACCOUNTING_KINDS: ClassVar = (Kind.INVOICE, Kind.CREDIT_NOTE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    reference = models.CharField(_("référence"), max_length=50, blank=True)
    issued_on = models.DateField(_("date du document"), default=timezone.localdate)
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=document_upload_to, max_length=200
    )
    content_type = models.CharField(_("type de fichier"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("taille"), default=0, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("déposé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    archived_at = models.DateTimeField(
        _("archivé le"),
        null=True,
        blank=True,
        help_text=_(
            "Archive intermédiaire : conservé pour une obligation légale, hors de l'espace client."
        ),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ("-issued_on", "-pk")
        indexes: ClassVar = [
            models.Index(fields=["client", "-issued_on"], name="document_client_date"),
            models.Index(fields=["kind", "issued_on"], name="document_kind_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.title}"

    @property
    def is_accounting_document(self) -> bool:
        return self.kind in self.ACCOUNTING_KINDS

    @property
    def download_name(self) -> str:
        suffix = Path(self.file.name).suffix
        stem = f"{self.get_kind_display()} {self.reference or self.title}".strip()
        return f"{stem}{suffix}"

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Tag, private_storage
from consent.models import Purpose
from portal.uploads import EXTENSIONS


class Notification(models.Model):
    """One email or SMS in the outbox. It is created once (its idempotency key is unique),
    sent at most once, and its status then follows the provider's events."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        HELD = "held", _("retenue (heures calmes)")
        SENDING = "sending", _("en cours d'envoi")
        SENT = "sent", _("envoyée")
        DELIVERED = "delivered", _("distribuée")
        FAILED = "failed", _("échec")
        BOUNCED = "bounced", _("rejetée par le destinataire")
        SUPPRESSED = "suppressed", _("non envoyée : pas de consentement")
        CANCELLED = "cancelled", _("annulée avant l'envoi")

    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # A member of staff told of something (a priority thread); no client then.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire (équipe)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    # None: a transactional message (a reply, a reminder), which needs no marketing consent.
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("finalité"), on_delete=models.PROTECT, null=True, blank=True
    )
    template = models.CharField(_("modèle"), max_length=80)
    context = models.JSONField(_("contenu"), default=dict, blank=True)
    idempotency_key = models.CharField(_("clé d'unicité"), max_length=200, unique=True)
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    to = models.CharField(_("envoyée à"), max_length=254, blank=True)
    not_before = models.DateTimeField(_("pas avant"), null=True, blank=True)
    provider_id = models.CharField(_("identifiant chez le prestataire"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    campaign = models.ForeignKey(
        "Campaign",
        verbose_name=_("campagne"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # When the event behind the current status happened at the provider: events arrive
    # out of order, and an older one never overwrites a newer one.
    status_at = models.DateTimeField(_("état au"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-pk")
        indexes: ClassVar = [
            models.Index(fields=["status", "not_before"], name="notification_due"),
            models.Index(fields=["provider_id"], name="notification_provider"),
            models.Index(fields=["client", "-created_at"], name="notification_client"),
            models.Index(fields=["campaign", "status"], name="notification_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.template} ({self.get_status_display()})"

    @property
    def is_marketing(self) -> bool:
        return self.purpose_id is not None


class ServiceLevel(models.Model):
    """How fast the business answers a message: a target in opening hours per priority."""

    SINGLETON_PK = 1

    priority_hours = models.PositiveSmallIntegerField(
        _("délai de réponse, clients prioritaires (heures d'ouverture)"),
        default=4,
        help_text=_("Titulaires d'une carte de fidélité valable le jour du message."),
    )
    standard_hours = models.PositiveSmallIntegerField(
        _("délai de réponse, autres clients (heures d'ouverture)"), default=16
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("réglage des délais de réponse et horaires")
        verbose_name_plural = _("réglages des délais de réponse et horaires")
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(pk=1), name="service_level_singleton"),
        ]

    def __str__(self) -> str:
        return str(_("Délais de réponse et horaires d'ouverture"))

    @classmethod
    def load(cls) -> ServiceLevel:
        level, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return level

    def hours_for(self, *, priority: bool) -> int:
        return self.priority_hours if priority else self.standard_hours


class OpeningPeriod(models.Model):
    """One opening period of a weekday (a morning, an afternoon). Public holidays are closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("lundi")
        TUESDAY = 2, _("mardi")
        WEDNESDAY = 3, _("mercredi")
        THURSDAY = 4, _("jeudi")
        FRIDAY = 5, _("vendredi")
        SATURDAY = 6, _("samedi")
        SUNDAY = 7, _("dimanche")

    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.CASCADE, related_name="opening_periods"
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouverture"))
    closes = models.TimeField(_("fermeture"))

    class Meta:
        verbose_name = _("plage d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ("weekday", "opens")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_period_order",
                violation_error_message=_("L'heure de fermeture doit suivre l'heure d'ouverture."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class CannedReply(models.Model):
    """A prepared answer staff pick in the inbox. "{prenom}" and "{nom}" take the client's."""

    title = models.CharField(_("intitulé"), max_length=100, unique=True)
    body = models.TextField(_("texte"))
    is_active = models.BooleanField(_("proposée"), default=True)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title

    def render(self, client: Client) -> str:
        return self.body.replace("{prenom}", client.first_name or client.full_name).replace(
            "{nom}", client.last_name
        )


class Thread(models.Model):
    """A conversation between a client and the business's staff."""

    class Category(models.TextChoices):
        SUPPORT = "support", _("Support technique")
        AFTER_SALES = "after_sales", _("Service après-vente")
        QUOTE = "quote", _("Devis")
        APPOINTMENT = "appointment", _("Rendez-vous")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        WAITING = "waiting", _("En attente de notre réponse")
        ANSWERED = "answered", _("Répondu")
        CLOSED = "closed", _("Clos")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="threads"
    )
    subject = models.CharField(_("objet"), max_length=150)
    category = models.CharField(_("catégorie"), max_length=12, choices=Category.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    # Set from the client's loyalty card on the day their waiting message arrived.
    is_priority = models.BooleanField(_("prioritaire"), default=False)
    due_at = models.DateTimeField(_("réponse due le"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suivi par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    appointment = models.ForeignKey(
        "Appointment",
        verbose_name=_("rendez-vous concerné"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="threads",
    )
    created_at = models.DateTimeField(_("ouverte le"), default=timezone.now)
    last_message_at = models.DateTimeField(_("dernier message le"), default=timezone.now)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ("-last_message_at", "-pk")
        indexes: ClassVar = [
            models.Index(
                fields=["-is_priority", "due_at"],
                condition=models.Q(status="waiting"),
                name="thread_inbox",
            ),
            models.Index(fields=["client", "-last_message_at"], name="thread_client"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.WAITING
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class Message(models.Model):
    """One message in a thread. An internal note is between staff: the client never sees it."""

    class Author(models.TextChoices):
        CLIENT = "client", _("le client")
        STAFF = "staff", _("notre équipe")

    thread = models.ForeignKey(
        Thread, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(_("de"), max_length=8, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("note interne"), default=False)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    # When the other side first opened the thread after this message.
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("created_at", "pk")
        indexes: ClassVar = [
            models.Index(fields=["thread", "created_at"], name="message_thread"),
            models.Index(
                fields=["thread"],
                condition=models.Q(read_at__isnull=True),
                name="message_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} — {self.created_at:%d/%m/%Y %H:%M}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # A random name, with the extension of the type read from the content.
    return f"messages/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A document or photo joined to a message, kept in private storage."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=attachment_upload_to, max_length=200
    )
    # The name as the sender gave it, cleaned of any path: shown, never used on disk.
    name = models.CharField(_("nom du fichier"), max_length=120)
    content_type = models.CharField(_("type de fichier"), max_length=40)
    size = models.PositiveBigIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")


class Appointment(models.Model):
    """A visit or a meeting with a client: confirmed, then reminded the day before."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visite technique")
        INSTALLATION = "installation", _("Installation")
        MAINTENANCE = "maintenance", _("Entretien")
        REPAIR = "repair", _("Dépannage")
        MEETING = "meeting", _("Rendez-vous en boutique")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévu")
        CANCELLED = "cancelled", _("Annulé")
        DONE = "done", _("Effectué")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(_("type"), max_length=14, choices=Kind.choices)
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    address = models.TextField(
        _("adresse"), blank=True, help_text=_("Vide : l'adresse de la fiche client.")
    )
    note = models.TextField(_("précisions pour le client"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    # Each change of date gets its own confirmation and reminder.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ("starts_at", "pk")
        indexes: ClassVar = [
            models.Index(fields=["client", "starts_at"], name="appointment_client"),
            models.Index(fields=["status", "starts_at"], name="appointment_due"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} — {local:%d/%m/%Y %H:%M}"

    @property
    def place(self) -> str:
        return self.address or self.client.postal_address


class Campaign(models.Model):
    """A message to many clients at once: marketing (each channel under a purpose the client
    consented to), or a service alert (transactional, for clients who bought the product)."""

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Prospection commerciale")
        ALERT = "alert", _("Alerte de service")

    class Audience(models.TextChoices):
        ALL = "all", _("Tous les clients")
        LOYALTY = "loyalty", _("Titulaires d'une carte de fidélité valable")
        POSTAL_PREFIX = "postal_prefix", _("Code postal commençant par…")
        TAG = "tag", _("Clients portant une étiquette")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SCHEDULED = "scheduled", _("Programmée")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyée")
        CANCELLED = "cancelled", _("Annulée")

    name = models.CharField(_("nom interne"), max_length=120)
    kind = models.CharField(
        _("nature"), max_length=10, choices=Kind.choices, default=Kind.MARKETING
    )
    subject = models.CharField(_("objet de l'e-mail"), max_length=150)
    body = models.TextField(
        _("texte"),
        help_text=_(
            "Le même texte part par e-mail et par SMS ; un SMS de plus de 160 "
            "caractères compte pour plusieurs."
        ),
    )
    by_email = models.BooleanField(_("par e-mail"), default=True)
    by_sms = models.BooleanField(_("par SMS"), default=False)
    email_purpose = models.ForeignKey(
        Purpose,
        verbose_name=_("finalité des e-mails"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"channel": "email", "is_active": True},
    )
    sms_purpose = models.ForeignKey(
        Purpose,
        verbose_name=_("finalité des SMS"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"channel": "sms", "is_active": True},
    )
    audience = models.CharField(
        _("destinataires"), max_length=14, choices=Audience.choices, default=Audience.ALL
    )
    postal_prefix = models.CharField(_("début du code postal"), max_length=5, blank=True)
    tag = models.ForeignKey(
        Tag, verbose_name=_("étiquette"), on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_for = models.DateTimeField(_("envoi prévu le"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("messages préparés"), default=0)
    # Who composed and who scheduled it: in the audit trail.
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    started_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("tous les messages préparés le"), null=True, blank=True)

    class Meta:
        verbose_name = _("campagne ou alerte")
        verbose_name_plural = _("campagnes et alertes")
        ordering = ("-created_at", "-pk")
        indexes: ClassVar = [
            models.Index(fields=["status", "scheduled_for"], name="campaign_due"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_alert(self) -> bool:
        return self.kind == self.Kind.ALERT

    def channels(self) -> list[tuple[str, Purpose | None]]:
        """(channel, purpose) pairs to send on; the purpose is None for an alert."""
        pairs: list[tuple[str, Purpose | None]] = []
        if self.by_email:
            pairs.append(
                (Notification.Channel.EMAIL, None if self.is_alert else self.email_purpose)
            )
        if self.by_sms:
            pairs.append((Notification.Channel.SMS, None if self.is_alert else self.sms_purpose))
        return pairs

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from consent.models import Purpose


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
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.template} ({self.get_status_display()})"

    @property
    def is_marketing(self) -> bool:
        return self.purpose_id is not None

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Client


class LegalHold(models.Model):
    """A reason to keep a client's data beyond its retention, or despite an erasure request:
    a dispute, an unpaid invoice, a claim (GDPR art. 17(3)(e))."""

    class Reason(models.TextChoices):
        LITIGATION = "litigation", _("litige en cours")
        UNPAID = "unpaid", _("facture impayée")
        CLAIM = "claim", _("réclamation ou sinistre en cours")
        AUTHORITY = "authority", _("demande d'une autorité")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(_("motif"), max_length=12, choices=Reason.choices)
    legal_reference = models.CharField(
        _("fondement"),
        max_length=200,
        help_text=_(
            "Par exemple : RGPD art. 17.3.e (constatation, exercice ou défense de droits "
            "en justice)."
        ),
    )
    note = models.TextField(_("précisions"), blank=True)
    starts_on = models.DateField(_("depuis le"))
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gel juridique")
        verbose_name_plural = _("gels juridiques")
        ordering = ("-starts_on",)
        indexes: ClassVar = [models.Index(fields=["client", "ends_on"], name="hold_client_end")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.client_id})"

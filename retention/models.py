from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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


class LegalBasis(models.TextChoices):
    """GDPR art. 6.1."""

    CONSENT = "a", _("a) consentement")
    CONTRACT = "b", _("b) exécution d'un contrat")
    LEGAL_OBLIGATION = "c", _("c) obligation légale")
    VITAL_INTERESTS = "d", _("d) sauvegarde des intérêts vitaux")
    PUBLIC_TASK = "e", _("e) mission d'intérêt public")
    LEGITIMATE_INTERESTS = "f", _("f) intérêt légitime")


class ProcessingActivity(models.Model):
    """One line of the record of processing activities (GDPR art. 30), edited by staff."""

    key = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("traitement"), max_length=200)
    purposes = models.TextField(_("finalités"))
    legal_basis = models.CharField(_("base légale"), max_length=1, choices=LegalBasis.choices)
    persons = models.TextField(_("catégories de personnes"))
    data_categories = models.TextField(_("catégories de données"))
    recipients = models.TextField(_("destinataires"), blank=True)
    transfers = models.TextField(_("transferts hors UE et garanties"), default="Aucun")
    security = models.TextField(_("mesures de sécurité"), blank=True)
    preset = models.CharField(_("modèle d'origine"), max_length=20, blank=True)
    preset_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("traitement")
        verbose_name_plural = _("traitements")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


def period_text(count: int, unit: str) -> str:
    """A duration as people read it, with the plural the language wants: "1 an", "3 ans"."""
    forms = {
        "days": ngettext("%(count)d jour", "%(count)d jours", count),
        "months": ngettext("%(count)d mois", "%(count)d mois", count),
        "years": ngettext("%(count)d an", "%(count)d ans", count),
    }
    return forms[unit] % {"count": count}


class RetentionRule(models.Model):
    """How long one kind of personal data is kept, counted from which event, and what
    happens then. The purge applies the enabled rules every night."""

    class Unit(models.TextChoices):
        DAYS = "days", _("jours")
        MONTHS = "months", _("mois")
        YEARS = "years", _("ans")

    class Event(models.TextChoices):
        COLLECTION = "collection", _("la collecte")
        LAST_CONTACT = "last_contact", _("le dernier contact")
        LAST_PURCHASE = "last_purchase", _("le dernier achat")
        RELATIONSHIP_END = "relationship_end", _("la fin de la relation commerciale")
        DOCUMENT_DATE = "document_date", _("la date du document")
        REQUEST_CLOSURE = "request_closure", _("la clôture de la demande")
        EXPIRY = "expiry", _("l'échéance prévue")

    class Action(models.TextChoices):
        DELETE = "delete", _("supprimer")
        ANONYMISE = "anonymise", _("anonymiser")
        ARCHIVE = "archive", _("archiver (accès restreint)")

    activity = models.ForeignKey(
        ProcessingActivity,
        verbose_name=_("traitement"),
        on_delete=models.PROTECT,
        related_name="rules",
    )
    # Blank for data the portal does not hold (call recordings, video): the rule documents
    # the register and the privacy policy, and the purge leaves it alone.
    data_kind = models.CharField(_("données"), max_length=60, blank=True)
    client_status = models.CharField(
        _("seulement pour"),
        max_length=10,
        choices=Client.Status.choices,
        blank=True,
        help_text=_("Par exemple les prospects : un client en relation n'est pas concerné."),
    )
    label = models.CharField(_("description"), max_length=200)
    duration = models.PositiveIntegerField(_("durée"))
    unit = models.CharField(_("unité"), max_length=6, choices=Unit.choices)
    event = models.CharField(_("à compter de"), max_length=20, choices=Event.choices)
    action = models.CharField(_("puis"), max_length=10, choices=Action.choices)
    legal_reference = models.CharField(_("fondement"), max_length=300)
    justification = models.TextField(_("justification d'une durée au-delà du maximum"), blank=True)
    enabled = models.BooleanField(_("appliquée"), default=True)
    preset = models.CharField(_("modèle d'origine"), max_length=20, blank=True)
    preset_key = models.CharField(max_length=80, blank=True, editable=False)
    preset_digest = models.CharField(max_length=64, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("règle de conservation")
        verbose_name_plural = _("règles de conservation")
        ordering = ("activity__name", "data_kind")

    def __str__(self) -> str:
        return f"{self.label} : {self.period}"

    def clean(self) -> None:
        from retention.rules import rule_check

        rule_check(self)

    @property
    def period(self) -> str:
        """How long, as people read it: "3 ans", or "aussitôt" for no delay."""
        if not self.duration:
            return str(_("aussitôt"))
        return period_text(self.duration, self.unit)

    @property
    def months(self) -> float:
        factor = {"days": 1 / 30.4375, "months": 1, "years": 12}[self.unit]
        return self.duration * factor


class PurgeRun(models.Model):
    """One run of the retention purge, with what each rule did (counts, never data)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échouée")
        # Its process was killed; the next run found it so and took over.
        INTERRUPTED = "interrupted", _("interrompue")

    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    dry_run = models.BooleanField(_("simulation"), default=False)
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    runner = models.CharField(_("exécutée par"), max_length=200, blank=True)
    counts = models.JSONField(_("résultats par règle"), default=dict, blank=True)
    total = models.PositiveBigIntegerField(_("lignes traitées"), default=0)
    statements = models.PositiveIntegerField(_("requêtes SQL"), default=0)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("purge")
        verbose_name_plural = _("purges")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{timezone.localtime(self.started_at):%d/%m/%Y %H:%M} ({self.get_status_display()})"

    def results(self) -> list[dict[str, Any]]:
        """What each rule did, with the action's label and the cutoff as a date."""
        actions = dict(RetentionRule.Action.choices)
        return [
            {
                **count,
                "action_label": actions.get(count["action"], count["action"]),
                "cutoff_date": dt.date.fromisoformat(count["cutoff"]),
                "warned": count.get("warned", 0),
            }
            for count in self.counts.values()
        ]

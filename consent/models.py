from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Client


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    NONE = "none", _("Aucun (transmission de données)")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consentement préalable")
    # CPCE L34-5 al. 4: an existing customer, after an actual sale, for analogous products.
    SOFT_OPT_IN = "soft_opt_in", _("Client existant, produits analogues (soft opt-in)")


class Purpose(models.Model):
    """A marketing purpose a client can consent to, on one channel."""

    key = models.SlugField(_("code"), max_length=40, unique=True)
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    legal_basis = models.CharField(
        _("base légale"), max_length=12, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    # Soft opt-in covers purchases made since the business enabled it, when the free opt-out
    # was offered at collection (CPCE L34-5 al. 4).
    soft_opt_in_since = models.DateField(
        _("soft opt-in depuis le"),
        null=True,
        blank=True,
        help_text=_("Seuls les achats faits depuis cette date ouvrent le soft opt-in."),
    )
    is_active = models.BooleanField(_("proposé aux clients"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    wording = models.ForeignKey(
        "PurposeWording",
        verbose_name=_("texte en vigueur"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finalité")
        verbose_name_plural = _("finalités")
        ordering = ("order", "pk")

    def __str__(self) -> str:
        return str(self.wording.label) if self.wording_id and self.wording else self.key

    @property
    def allows_soft_opt_in(self) -> bool:
        return self.legal_basis == LegalBasis.SOFT_OPT_IN and self.channel != Channel.NONE


class PurposeWording(models.Model):
    """One version of what a person is shown for a purpose. Never edited: a new text is a
    new version, and every consent record names the version that was shown."""

    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="wordings")
    version = models.PositiveIntegerField(_("version"))
    label = models.CharField(_("intitulé"), max_length=200)
    explanation = models.TextField(_("explication"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version du texte")
        verbose_name_plural = _("versions du texte")
        ordering = ("purpose", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["purpose", "version"], name="wording_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} (v{self.version})"


class Method(models.TextChoices):
    """How a choice reached us: the proof the law asks for (GDPR art. 7(1))."""

    PORTAL = "portal", _("votre espace client")
    FORM = "form", _("un formulaire de collecte")
    STAFF_PHONE = "staff_phone", _("notre équipe, après un appel")
    STAFF_LETTER = "staff_letter", _("notre équipe, après un courrier")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("un lien de désinscription")
    SMS_STOP = "sms_stop", _("une réponse STOP par SMS")
    PROVIDER_UNSUBSCRIBE = "provider_unsubscribe", _("la désinscription de votre messagerie")
    PROVIDER_COMPLAINT = "provider_complaint", _("un signalement comme indésirable")
    GPC = "gpc", _("le signal Global Privacy Control de votre navigateur")
    OBJECTION = "objection", _("une opposition (demande RGPD)")


STAFF_METHODS = (Method.STAFF_PHONE, Method.STAFF_LETTER)


class ConsentRecord(models.Model):
    """One entry of the append-only consent ledger. On PostgreSQL a trigger refuses every
    UPDATE and DELETE except the blanking of identity an erasure performs."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="consent_records"
    )
    purpose = models.ForeignKey(Purpose, verbose_name=_("finalité"), on_delete=models.PROTECT)
    granted = models.BooleanField(_("accordé"))
    wording = models.ForeignKey(
        PurposeWording, verbose_name=_("texte présenté"), on_delete=models.PROTECT
    )
    method = models.CharField(_("moyen"), max_length=24, choices=Method.choices)
    at = models.DateTimeField(_("date"))
    ip = models.GenericIPAddressField(_("adresse IP (tronquée)"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    proof = models.CharField(_("référence de preuve"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scrubbed_at = models.DateTimeField(_("identité effacée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("enregistrement de consentement")
        verbose_name_plural = _("registre des consentements")
        ordering = ("-at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["client", "purpose", "-id"], name="consent_client_purpose"),
            models.Index(fields=["at"], name="consent_at"),
        ]

    def __str__(self) -> str:
        verb = _("accordé") if self.granted else _("retiré")
        return f"{self.purpose} : {verb} ({self.get_method_display()})"


class ConsentState(models.Model):
    """The current choice per client and purpose: always the latest record's."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consent_states")
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="states")
    granted = models.BooleanField()
    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("choix en vigueur")
        verbose_name_plural = _("choix en vigueur")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["client", "purpose"], name="consent_state_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["purpose", "granted", "client"], name="consent_state_audience"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.purpose_id}: {self.granted}"


class Suppression(models.Model):
    """The suppression list ("liste repoussoir"): salted digests of opposed email addresses
    and phone numbers, kept 3 years after the opposition, so that a contact created or
    imported again is not solicited."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("adresse e-mail")
        PHONE = "phone", _("numéro de téléphone")

    class Reason(models.TextChoices):
        OBJECTION = "objection", _("opposition à la prospection")
        WITHDRAWAL = "withdrawal", _("retrait du consentement")
        WITHDRAWAL_ALL = "withdrawal_all", _("retrait de tous les consentements")
        SMS_STOP = "sms_stop", _("réponse STOP par SMS")
        COMPLAINT = "complaint", _("signalement comme indésirable")
        ERASURE = "erasure", _("effacement des données")

    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    # The purpose opposed, or "" for every purpose reaching the contact this way.
    scope = models.CharField(_("finalité"), max_length=40, blank=True)
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("inscrit le"))
    expires_at = models.DateTimeField(_("conservé jusqu'au"))
    lifted_at = models.DateTimeField(_("levé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription sur la liste d'opposition")
        verbose_name_plural = _("liste d'opposition")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "digest", "scope"],
                condition=models.Q(lifted_at__isnull=True),
                name="suppression_active_unique",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["digest", "kind"], name="suppression_digest"),
            models.Index(fields=["expires_at"], name="suppression_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_reason_display()}"


class CookieBannerVersion(models.Model):
    """A snapshot of the cookie banner's text and categories, kept as proof of what was shown."""

    digest = models.CharField(max_length=64, unique=True)
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version du bandeau cookies")
        verbose_name_plural = _("versions du bandeau cookies")

    def __str__(self) -> str:
        return f"{self.digest[:12]} ({self.created_at:%Y-%m-%d})"


class CookieChoice(models.Model):
    """A visitor's choice of cookies, recorded on the server with the banner version shown."""

    consent_id = models.UUIDField(_("identifiant du choix"), default=uuid.uuid4, db_index=True)
    banner = models.ForeignKey(CookieBannerVersion, on_delete=models.PROTECT)
    # None: not expressed (a Global Privacy Control signal speaks only of advertising).
    functional = models.BooleanField(_("fonctionnels"), null=True)
    audience = models.BooleanField(_("mesure d'audience"), null=True)
    advertising = models.BooleanField(_("publicité"))
    method = models.CharField(_("moyen"), max_length=24)
    at = models.DateTimeField(_("date"))
    ip = models.GenericIPAddressField(_("adresse IP (tronquée)"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cookie_choices",
    )

    class Meta:
        verbose_name = _("choix de cookies")
        verbose_name_plural = _("choix de cookies")
        ordering = ("-at",)
        indexes: ClassVar = [models.Index(fields=["at"], name="cookie_choice_at")]

    def __str__(self) -> str:
        return f"{self.consent_id} {self.at:%Y-%m-%d}"

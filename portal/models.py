from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Controller(models.Model):
    """The business that runs the portal: the data controller named on every page and letter."""

    SINGLETON_PK = 1

    name = models.CharField(_("raison sociale"), max_length=200, default="Votre entreprise")
    trade_name = models.CharField(_("nom commercial"), max_length=200, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=100, blank=True)
    siren = models.CharField(_("SIREN"), max_length=14, blank=True)
    address = models.TextField(_("adresse postale"), blank=True)
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    dpo_name = models.CharField(
        _("délégué à la protection des données"), max_length=200, blank=True
    )
    dpo_email = models.EmailField(_("e-mail du délégué"), blank=True)
    dpo_address = models.TextField(_("adresse postale du délégué"), blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("responsable de traitement")
        verbose_name_plural = _("responsable de traitement")
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(pk=1), name="controller_singleton"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.name

    @classmethod
    def load(cls) -> Controller:
        controller, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return controller


class AuditEvent(models.Model):
    """One line of the audit trail: who did what to which client's data, and when.

    Append-only. Each event carries the hash of the one before it, so that an edit or a
    deletion made directly in the database breaks the chain (`verify_audit_chain`). The
    payload never holds personal data.

    Who acted (actor, ip) and whom it was about (client, target) are sealed by two digests
    rather than hashed directly, so that an erasure can blank them and the chain still
    verifies. The subject digest is salted with a random nonce that the erasure blanks too:
    once erased, nobody can find out whom an event was about by trying every client id.
    """

    class ActorKind(models.TextChoices):
        CLIENT = "client", _("le client")
        STAFF = "staff", _("notre équipe")
        SYSTEM = "system", _("le système")

    at = models.DateTimeField(_("date"), db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    actor_kind = models.CharField(_("par"), max_length=10, choices=ActorKind.choices)
    # No database constraint: a purged client or user leaves its events behind, pointing at
    # nothing, and the audit trail is never rewritten to follow a deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    client = models.ForeignKey(
        "accounts.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    target_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    target_id = models.CharField(_("identifiant d'objet"), max_length=64, blank=True)
    payload = models.JSONField(_("détails"), default=dict, blank=True)
    subject_nonce = models.CharField(max_length=32, blank=True)
    actor_digest = models.CharField(max_length=64)
    subject_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    scrubbed_at = models.DateTimeField(_("identité effacée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ("-id",)
        indexes: ClassVar = [
            models.Index(fields=["client", "-at"], name="audit_client_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AuditChainHead(models.Model):
    """The end of the audit chain. Locked while an event is appended, so events queue in order."""

    last_event_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
    # Events past their retention are deleted from the start of the chain; the last one
    # deleted leaves its id and hash, from which verification starts.
    anchor_event_id = models.BigIntegerField(null=True)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)
    # An HMAC of the checkpoint with the chain's key (portal.audit.checkpoint_signature).
    anchor_signature = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(pk=1), name="audit_chain_head_singleton"),
        ]

    def __str__(self) -> str:
        return f"{self.count} events, last {self.last_hash[:12]}"


class ContactDigestKey(models.Model):
    """The secret that salts the digests of email addresses and phone numbers (suppression
    list). Kept in the database, apart from SECRET_KEY, so that rotating SECRET_KEY never
    lets an opposed contact be solicited again."""

    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(pk=1), name="contact_digest_key_singleton"),
        ]

    def __str__(self) -> str:
        return f"contact digest key of {self.created_at:%Y-%m-%d}"


class FileDeletion(models.Model):
    """A private file whose row is gone. Written in the same transaction as the row's
    deletion, so that a process killed at any moment leaves a record of the file to delete;
    the row goes once the file has (portal/files.py)."""

    name = models.CharField(max_length=300)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fichier à supprimer")
        verbose_name_plural = _("fichiers à supprimer")

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a periodic job (the nightly purge, the reminders, the heartbeat…), as the
    worker ran it: when, how long, and how it ended. "État du portail" in the admin reads
    the last of each; the heartbeat's tells whether beat and a worker are alive."""

    job = models.CharField(_("tâche"), max_length=100)
    task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    ok = models.BooleanField(_("réussie"), null=True)
    result = models.CharField(_("résultat"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exécution de tâche")
        verbose_name_plural = _("exécutions de tâches")
        permissions: ClassVar = [("view_portal_state", _("Voir l'état du portail"))]
        indexes: ClassVar = [models.Index(fields=["job", "-started_at"], name="jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"

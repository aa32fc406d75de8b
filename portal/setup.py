"""« Mise en route » : what an owner does once, from the admin, before the portal serves
clients; the admin's index opens on it until every step is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Controller

CONSOLE_BACKENDS = ("console", "locmem", "Console", "Locmem")


@dataclass(frozen=True)
class Step:
    title: Any
    done: bool
    detail: Any
    url: str
    action: Any


def _is_real(backend: str) -> bool:
    return bool(backend) and not any(word in backend for word in CONSOLE_BACKENDS)


def providers_configured() -> tuple[bool, bool]:
    """Whether emails and SMS reach people (a provider), or only the console."""
    from messaging.sms import default_backend

    return _is_real(settings.EMAIL_BACKEND), _is_real(settings.SMS_BACKEND or default_backend())


def setup_steps() -> list[Step]:
    from accounts.models import Client, User
    from retention.models import ProcessingActivity

    controller = Controller.load()
    default_name = Controller._meta.get_field("name").default
    email_ok, sms_ok = providers_configured()
    staff = User.objects.filter(is_staff=True, is_active=True).count()
    return [
        Step(
            _("L'identité de l'entreprise et son contact RGPD"),
            controller.name != default_name
            and bool(controller.address)
            and bool(controller.dpo_email or controller.email),
            _(
                "Raison sociale, adresse, et l'adresse à laquelle vos clients exercent leurs "
                "droits : elles figurent sur le portail, les courriers et les e-mails."
            ),
            reverse("admin:portal_controller_change", args=[Controller.SINGLETON_PK]),
            _("Compléter"),
        ),
        Step(
            _("Le modèle de votre secteur"),
            ProcessingActivity.objects.exclude(preset="").exists(),
            _(
                "Le registre des traitements et les durées de conservation de votre métier, "
                "avec leurs fondements ; vous les adaptez ensuite."
            ),
            reverse("admin:portal_setup_preset"),
            _("Choisir"),
        ),
        Step(
            _("L'envoi des e-mails et des SMS"),
            email_ok and sms_ok,
            _("E-mails : %(email)s. SMS : %(sms)s. Envoyez-vous un message d'essai.")
            % {
                "email": _("prestataire configuré") if email_ok else _("affichés dans la console"),
                "sms": _("prestataire configuré") if sms_ok else _("affichés dans la console"),
            },
            reverse("admin:portal_setup_test"),
            _("Essayer"),
        ),
        Step(
            _("Vos clients"),
            Client.objects.exists(),
            _("Saisissez-les un par un, ou importez votre fichier."),
            reverse("admin:accounts_client_changelist"),
            _("Ouvrir"),
        ),
        Step(
            _("Votre équipe"),
            staff > 1,
            _("Un compte par personne, chacun avec son rôle : Équipe ou Délégué."),
            reverse("admin:portal_setup_team"),
            _("Inviter"),
        ),
    ]


def preset_preview(name: str) -> Any:
    """What applying a sector's preset would do, counted by doing it and undoing it."""
    from retention.presets import preset_apply

    with transaction.atomic():
        report = preset_apply(name)
        transaction.set_rollback(True)
    return report

"""`manage.py create_owner EMAIL`: the business's first account, without email working yet.

The account is created verified, with the "Gérant" role and no password; the command prints a
one-time link (valid PASSWORD_RESET_TIMEOUT, three days by default) where the owner chooses
the password. At the first visit of /admin/ they enrol an authenticator app (TOTP). Run again
for an existing owner, it prints a fresh link.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import OWNER_GROUP
from accounts.staff import password_link, staff_account
from portal.audit import Actor


class Command(BaseCommand):
    help = (
        "Crée le compte du gérant (adresse vérifiée, rôle « Gérant ») et affiche un lien à "
        "usage unique pour choisir son mot de passe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(
                _("Adresse e-mail invalide : %(email)s") % {"email": email}
            ) from None
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None and not existing.groups.filter(name=OWNER_GROUP).exists():
            raise CommandError(
                _("Un compte existe déjà pour %(email)s, sans le rôle « Gérant ».")
                % {"email": email}
            )
        user, _created = staff_account(email=email, role=OWNER_GROUP, by=Actor.system())
        link = password_link(user)
        days = settings.PASSWORD_RESET_TIMEOUT // 86400
        self.stdout.write(
            _("Compte du gérant : %(email)s (rôle « Gérant », adresse vérifiée).")
            % {"email": email}
        )
        self.stdout.write(
            ngettext(
                "Choisissez le mot de passe à cette adresse, valable %(days)s jour et une seule "
                "fois :",
                "Choisissez le mot de passe à cette adresse, valable %(days)s jours et une seule "
                "fois :",
                days,
            )
            % {"days": days}
        )
        self.stdout.write(f"  {link}")
        self.stdout.write(
            _(
                "Puis connectez-vous à %(admin)s : une application d'authentification (Aegis, "
                "FreeOTP, Google Authenticator…) vous sera demandée à la première visite."
            )
            % {"admin": f"{settings.PORTAL_BASE_URL}/admin/"}
        )

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from portal.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration et affiche les identifiants. Sans effet la seconde fois."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Autoriser la démonstration avec DEBUG=0."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Données de démonstration refusées en production (DEBUG=0) ; ajoutez --force."
            )
        # The demo's emails and SMS are recorded as sent, not printed: the logins below are
        # what a person starting the portal needs to read.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                SMS_BACKEND="messaging.sms.LocmemSmsBackend",
            ):
                logins = demo_seed()
        finally:
            trace.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Portail : {settings.PORTAL_BASE_URL}/  —  administration : /admin/")
        width = max(len(login.role) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.role:<{width}}  {login.email:<24}  {login.password}")
        self.stdout.write(
            "À la première visite de /admin/, l'équipe active la double authentification "
            "(application TOTP : Aegis, FreeOTP, Google Authenticator…)."
        )

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Portail : {settings.PORTAL_BASE_URL}/  —  administration : /admin/")
        width = max(len(login.role) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.role:<{width}}  {login.email:<24}  {login.password}")
        self.stdout.write(
            "À la première visite de /admin/, l'équipe active la double authentification "
            "(application TOTP : Aegis, FreeOTP, Google Authenticator…)."
        )

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_chain_verify

REASONS = {
    "missing-or-reordered": "un événement précédent a été supprimé ou déplacé",
    "identity-altered": "l'auteur, le client ou l'adresse IP a été modifié",
    "content-altered": "le contenu de l'événement a été modifié",
    "tail-missing": "les derniers événements ont été supprimés",
}


class Command(BaseCommand):
    help = "Vérifie que le journal d'audit n'a été ni modifié ni amputé dans la base."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"Journal d'audit altéré à l'événement n° {report.broken_at} : "
                f"{REASONS.get(report.reason, report.reason)} "
                f"({report.checked} événements intègres avant lui)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Journal d'audit intègre : {report.checked} événements vérifiés.")
        )

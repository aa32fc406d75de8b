from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import ngettext

from portal.audit import audit_chain_verify
from portal.audit_anchors import Anchor, audit_anchor_check

REASONS = {
    "missing-or-reordered": "un événement précédent a été supprimé ou déplacé",
    "identity-altered": "l'auteur, le client ou l'adresse IP a été modifié",
    "content-altered": "le contenu de l'événement a été modifié",
    "tail-missing": "les derniers événements ont été supprimés",
    "checkpoint-forged": "le point de reprise laissé par la purge a été déplacé",
    "foreign-rows": "un événement a été inséré hors de la chaîne",
    "anchor-missing": "un événement scellé dans l'ancre a disparu (la fin du journal a été "
    "supprimée)",
    "anchor-rewritten": "un événement scellé dans l'ancre a été réécrit",
}


class Command(BaseCommand):
    help = (
        "Vérifie que le journal d'audit n'a été ni modifié ni amputé dans la base ; avec "
        "--anchor, qu'il contient encore ce que les ancres quotidiennes (journal, e-mail au "
        "DPO) ont scellé."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor", action="append", default=[], help="une ligne « ancre-audit … »"
        )
        parser.add_argument(
            "--anchors-file", type=Path, help="un fichier (un journal) qui contient des ancres"
        )

    def handle(self, *args: Any, anchor: list[str], anchors_file: Path | None, **o: Any) -> None:
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"Journal d'audit altéré à l'événement n° {report.broken_at} : "
                f"{REASONS.get(report.reason, report.reason)} "
                f"({report.checked} événements intègres avant lui)."
            )
        lines = list(anchor)
        if anchors_file is not None:
            lines += [
                line
                for line in anchors_file.read_text(errors="replace").splitlines()
                if "ancre-audit" in line
            ]
        for line in lines:
            parsed = Anchor.parse(line)
            if parsed is None:
                raise CommandError(
                    f"Ancre illisible ou signature fausse : {line[:200]}. Elle n'a pas été "
                    "produite avec la clé du journal (AUDIT_HMAC_KEY)."
                )
            reason = audit_anchor_check(parsed)
            if reason:
                raise CommandError(
                    f"Journal d'audit altéré depuis l'ancre du {parsed.at:%d/%m/%Y %H:%M} "
                    f"(événement n° {parsed.event_id}) : {REASONS[reason]}."
                )
        checked = ngettext(
            "%(count)d événement vérifié", "%(count)d événements vérifiés", report.checked
        ) % {"count": report.checked}
        if lines:
            checked += ngettext(
                ", %(count)d ancre retrouvée", ", %(count)d ancres retrouvées", len(lines)
            ) % {"count": len(lines)}
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit intègre : {checked}."))

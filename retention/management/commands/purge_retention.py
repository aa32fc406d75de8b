from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from retention.models import PurgeRun
from retention.services.purge import purge_run


def _rows(count: int, *, dry_run: bool) -> str:
    if dry_run:
        text = ngettext(
            "%(count)d ligne serait traitée", "%(count)d lignes seraient traitées", count
        )
    else:
        text = ngettext("%(count)d ligne traitée", "%(count)d lignes traitées", count)
    return text % {"count": count}


class Command(BaseCommand):
    help = "Applique les règles de conservation (suppression, anonymisation, archivage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        run = purge_run(dry_run=options["dry_run"], batch_size=options["batch_size"])
        if run is None:
            raise CommandError("Une autre purge est en cours : rien n'a été fait.")
        for result in run.results():
            line = "  " + _("%(label)s : %(rows)s (%(action)s, avant le %(cutoff)s)") % {
                "label": result["label"],
                "rows": _rows(result["rows"], dry_run=run.dry_run),
                "action": result["action_label"],
                "cutoff": f"{result['cutoff_date']:%d/%m/%Y}",
            }
            if result["warned"]:
                line += ngettext(
                    ", %(count)d personne prévenue",
                    ", %(count)d personnes prévenues",
                    result["warned"],
                ) % {"count": result["warned"]}
            if result.get("error"):
                line += f" — ÉCHEC : {result['error']}"
            self.stdout.write(line)
        summary = _("%(rows)s, %(statements)s.") % {
            "rows": _rows(run.total, dry_run=run.dry_run),
            "statements": ngettext("%(count)d requête", "%(count)d requêtes", run.statements)
            % {"count": run.statements},
        }
        if run.status == PurgeRun.Status.FAILED:
            raise CommandError(f"Purge incomplète : {run.error} ; {summary}")
        self.stdout.write(self.style.SUCCESS(f"Purge terminée : {summary}"))

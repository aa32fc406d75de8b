from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from retention.models import PurgeRun
from retention.services.purge import purge_run


class Command(BaseCommand):
    help = "Applique les règles de conservation (suppression, anonymisation, archivage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        run = purge_run(dry_run=options["dry_run"], batch_size=options["batch_size"])
        if run is None:
            raise CommandError("Une autre purge est en cours : rien n'a été fait.")
        verb = "seraient traitées" if run.dry_run else "traitées"
        for result in run.results():
            line = (
                f"  {result['label']} : {result['rows']} ligne(s) {verb} "
                f"({result['action_label']}, avant le {result['cutoff_date']:%d/%m/%Y})"
            )
            if result["warned"]:
                line += f", {result['warned']} personne(s) prévenue(s)"
            if result.get("error"):
                line += f" — ÉCHEC : {result['error']}"
            self.stdout.write(line)
        summary = f"{run.total} ligne(s) {verb}, {run.statements} requêtes."
        if run.status == PurgeRun.Status.FAILED:
            raise CommandError(f"Purge incomplète : {run.error} ; {summary}")
        self.stdout.write(self.style.SUCCESS(f"Purge terminée : {summary}"))

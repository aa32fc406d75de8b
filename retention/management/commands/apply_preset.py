from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from retention.presets import PRESETS, load, preset_apply


class Command(BaseCommand):
    help = "Charge le registre et les règles de conservation d'un secteur."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("preset", choices=PRESETS)
        parser.add_argument(
            "--force", action="store_true", help="Remplacer aussi ce que l'entreprise a modifié."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = preset_apply(options["preset"], force=options["force"])
        business = load(options["preset"])["business"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Modèle « {options['preset']} » ({business}) : {report.created} créé(s), "
                f"{report.updated} mis à jour, {report.unchanged} inchangé(s)."
            )
        )
        for kept in report.kept_edits:
            self.stdout.write(
                f"  Conservé tel que modifié par l'entreprise : {kept} (--force pour remplacer)"
            )
        for note in load(options["preset"]).get("notes", []):
            self.stdout.write(f"  Note : {note}")

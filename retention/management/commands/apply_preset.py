from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
                _("Modèle « %(preset)s » (%(business)s) : %(created)s, %(updated)s, %(unchanged)s.")
                % {
                    "preset": options["preset"],
                    "business": business,
                    "created": ngettext("%(count)d créé", "%(count)d créés", report.created)
                    % {"count": report.created},
                    "updated": ngettext(
                        "%(count)d mis à jour", "%(count)d mis à jour", report.updated
                    )
                    % {"count": report.updated},
                    "unchanged": ngettext(
                        "%(count)d inchangé", "%(count)d inchangés", report.unchanged
                    )
                    % {"count": report.unchanged},
                }
            )
        )
        for kept in report.kept_edits:
            self.stdout.write(
                f"  Conservé tel que modifié par l'entreprise : {kept} (--force pour remplacer)"
            )
        for note in load(options["preset"]).get("notes", []):
            self.stdout.write(f"  Note : {note}")

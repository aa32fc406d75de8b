"""Import clients or prospects from a CSV file (a spreadsheet export, an old customer file).

Columns (header row, `;` or `,`): nom (required), prenom, civilite, email, telephone,
adresse, complement, code_postal, ville, statut (prospect|client|former, or "ancien client"),
origine, numero_client, and the dates retention counts from (23/10/2026 or 2026-10-23):
date_collecte, dernier_contact, dernier_achat, fin_relation. Without them an imported client's
clock would start on the day of the import; a former client needs the end of the relationship.
Each row goes through the same service as the admin, so the contact digests are computed
and a contact on the suppression list starts with marketing off.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.importing import COLUMNS, row_values
from accounts.models import Client
from accounts.services import client_create
from consent.selectors import client_suppressions
from portal.audit import Actor


class Command(BaseCommand):
    help = "Importe des clients ou prospects depuis un fichier CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--origine", default="Import de fichier", help="Origine par défaut.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifier sans rien enregistrer."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        text = path.read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        delimiter = ";" if lines and ";" in lines[0] else ","
        rows = list(csv.DictReader(lines, delimiter=delimiter))
        unknown = set(rows[0].keys() if rows else []) - set(COLUMNS)
        if unknown:
            raise CommandError(f"Colonnes inconnues : {', '.join(sorted(unknown))}")
        created = listed = 0
        errors: list[str] = []
        with transaction.atomic():
            for line, row in enumerate(rows, start=2):
                data, problems = row_values(row, origin=options["origine"])
                try:
                    Client(**data).full_clean(exclude=["customer_number", "user"])
                except ValidationError as error:
                    problems += error.messages
                if (
                    data.get("customer_number")
                    and Client.objects.filter(customer_number=data["customer_number"]).exists()
                ):
                    problems.append(
                        _("numéro client déjà utilisé « %(value)s »")
                        % {"value": data["customer_number"]}
                    )
                if problems:
                    errors.append(
                        _("ligne %(line)d : %(problems)s")
                        % {"line": line, "problems": "; ".join(problems)}
                    )
                    continue
                client = client_create(data=data, by=Actor.system())
                created += 1
                if client_suppressions(client).exists():
                    listed += 1
            if options["dry_run"] or errors:
                transaction.set_rollback(True)
        for problem in errors:
            self.stderr.write(problem)
        if errors:
            raise CommandError(
                ngettext(
                    "%(count)d ligne en erreur : rien n'a été importé.",
                    "%(count)d lignes en erreur : rien n'a été importé.",
                    len(errors),
                )
                % {"count": len(errors)}
            )
        if options["dry_run"]:
            done = ngettext(
                "%(count)d contact serait importé.",
                "%(count)d contacts seraient importés.",
                created,
            )
        else:
            done = ngettext("%(count)d contact importé.", "%(count)d contacts importés.", created)
        self.stdout.write(self.style.SUCCESS(done % {"count": created}))
        if listed:
            self.stdout.write(
                f"{listed} sur la liste d'opposition : prospection désactivée, motif visible "
                "sur leur fiche."
            )

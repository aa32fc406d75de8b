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
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Client
from accounts.services import client_create
from consent.selectors import client_suppressions
from portal.audit import Actor

COLUMNS = {
    "nom": "last_name",
    "prenom": "first_name",
    "civilite": "civility",
    "email": "email",
    "telephone": "phone",
    "adresse": "address_line1",
    "complement": "address_line2",
    "code_postal": "postal_code",
    "ville": "city",
    "statut": "status",
    "origine": "source",
    "numero_client": "customer_number",
    "date_collecte": "collected_at",
    "dernier_contact": "last_contact_at",
    "dernier_achat": "last_purchase_on",
    "fin_relation": "relationship_ended_on",
}
DATES = ("collected_at", "last_contact_at", "last_purchase_on", "relationship_ended_on")
MOMENTS = ("collected_at", "last_contact_at")  # stored with a time: midday, Paris
STATUSES = {
    "prospect": Client.Status.PROSPECT,
    "client": Client.Status.CLIENT,
    "former": Client.Status.FORMER,
    "ancien client": Client.Status.FORMER,
    "ancienne cliente": Client.Status.FORMER,
}


def _date(value: str) -> dt.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def row_values(row: dict[str, str], *, origin: str) -> tuple[dict[str, Any], list[str]]:
    """One line of the file as a client's fields, and what is wrong with it, in French."""
    data: dict[str, Any] = {COLUMNS[k]: (v or "").strip() for k, v in row.items() if k in COLUMNS}
    problems: list[str] = []
    data["source"] = data.get("source") or origin
    status = (data.get("status") or "prospect").lower()
    if status not in STATUSES:
        problems.append(_("statut inconnu « %(value)s »") % {"value": data["status"]})
    data["status"] = STATUSES.get(status, Client.Status.PROSPECT)
    for name in DATES:
        raw = data.pop(name, "")
        if not raw:
            continue
        try:
            day = _date(raw)
        except ValueError:
            problems.append(_("date illisible « %(value)s »") % {"value": raw})
            continue
        if day > timezone.localdate():
            problems.append(_("date dans le futur « %(value)s »") % {"value": raw})
            continue
        data[name] = (
            timezone.make_aware(dt.datetime.combine(day, dt.time(12))) if name in MOMENTS else day
        )
    if data["status"] == Client.Status.FORMER and not data.get("relationship_ended_on"):
        # Without it, the purge could never count the years after the relationship.
        problems.append(_("un ancien client a besoin de sa date de fin de relation (fin_relation)"))
    if not data.get("customer_number"):
        data.pop("customer_number", None)
    return data, problems


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

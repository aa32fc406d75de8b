"""Reading a client file (a spreadsheet export, an old customer file) into clients' fields,
with what is wrong in each line in French: the `import_clients` command reads files with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client

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

"""The record of processing activities (GDPR art. 30) as CSV and ODS, with the columns of
the CNIL's model register."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from portal.models import Controller
from retention.models import ProcessingActivity


def register_columns() -> list[str]:
    return [
        _("Traitement"),
        _("Finalité(s)"),
        _("Base légale"),
        _("Catégories de personnes concernées"),
        _("Catégories de données"),
        _("Destinataires"),
        _("Transferts hors UE et garanties"),
        _("Durées de conservation"),
        _("Mesures de sécurité"),
    ]


def register_rows() -> list[list[str]]:
    from accounts.data_page import rule_sentence

    rows = []
    activities = ProcessingActivity.objects.prefetch_related("rules").order_by("name")
    for activity in activities:
        retention = "; ".join(
            f"{rule.label} — {rule_sentence(rule)}" for rule in activity.rules.all() if rule.enabled
        )
        rows.append(
            [
                activity.name,
                activity.purposes,
                activity.get_legal_basis_display(),
                activity.persons,
                activity.data_categories,
                activity.recipients,
                activity.transfers,
                retention,
                activity.security,
            ]
        )
    return rows


def _header() -> list[list[str]]:
    controller = Controller.load()
    return [
        [_("Registre des activités de traitement"), controller.name],
        [_("Responsable de traitement"), f"{controller.name} {controller.address}".strip()],
        [
            _("Délégué à la protection des données"),
            f"{controller.dpo_name} {controller.dpo_email}".strip(),
        ],
        [],
    ]


def register_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for line in (*_header(), register_columns(), *register_rows()):
        writer.writerow(line)
    return "\ufeff" + out.getvalue()


def register_ods() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=_("Registre"))

    def row(values: list[Any]) -> None:
        line = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            line.addElement(cell)
        table.addElement(line)

    for line in (*_header(), register_columns(), *register_rows()):
        row(line)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def purge_chart(nights: int = 30) -> dict[str, Any]:
    """Rows purged per night, for the bars above the purge history (dry runs left out)."""
    from retention.models import PurgeRun

    runs = list(
        PurgeRun.objects.filter(dry_run=False, status=PurgeRun.Status.DONE)
        .order_by("-started_at")
        .values("started_at", "total")[:nights]
    )[::-1]
    peak = max([r["total"] for r in runs] or [1]) or 1
    height, width, gap = 120, 18, 6
    bars = [
        {
            "x": 30 + index * (width + gap),
            "height": round(run["total"] / peak * (height - 10), 1),
            "y": round(height - run["total"] / peak * (height - 10), 1),
            "label": f"{run['started_at']:%d/%m}",
            "total": run["total"],
        }
        for index, run in enumerate(runs)
    ]
    return {
        "bars": bars,
        "width": 40 + len(runs) * (width + gap),
        "height": height + 20,
        "bar_width": width,
    }

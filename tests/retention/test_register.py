from __future__ import annotations

import csv
import io
import zipfile

from django.utils import timezone

from retention.models import ProcessingActivity, PurgeRun, RetentionRule


def _activity() -> ProcessingActivity:
    activity = ProcessingActivity.objects.create(
        key="clients",
        name="Gestion des clients",
        purposes="Devis, commandes, factures",
        legal_basis="b",
        persons="Clients",
        data_categories="Identité, coordonnées",
        recipients="Équipe ; Brevo (e-mails)",
        security="Accès par mot de passe et double authentification",
    )
    RetentionRule.objects.create(
        activity=activity,
        data_kind="accounts.client_profile",
        label="Fiche client",
        duration=3,
        unit="years",
        event="relationship_end",
        action="anonymise",
        legal_reference="CNIL",
    )
    return activity


def test_the_register_exports_to_csv_with_the_cnil_columns(dana_http, db) -> None:
    _activity()
    response = dana_http.get("/admin/retention/processingactivity/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "Traitement")
    assert header[:3] == ["Traitement", "Finalité(s)", "Base légale"]
    assert "Durées de conservation" in header
    line = rows[rows.index(header) + 1]
    assert line[0] == "Gestion des clients"
    assert (
        "Fiche client — Conservation : 3 ans après la fin de la relation commerciale, "
        "puis anonymisation." in line[7]
    )
    assert line[2].startswith("b)")


def test_the_register_exports_to_ods(dana_http, db) -> None:
    _activity()
    response = dana_http.get("/admin/retention/processingactivity/export.ods")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    with zipfile.ZipFile(io.BytesIO(response.content)) as ods:
        content = ods.read("content.xml").decode()
    assert "Gestion des clients" in content
    assert "Durées de conservation" in content


def test_the_purge_history_shows_a_chart_per_night(dana_http, db) -> None:
    for total in (12, 40):
        PurgeRun.objects.create(
            started_at=timezone.now(), status="done", total=total, finished_at=timezone.now()
        )
    page = dana_http.get("/admin/retention/purgerun/").content.decode()
    assert "<svg" in page
    assert ": 40" in page


def test_staff_without_permission_cannot_export_the_register(carol_http, db) -> None:
    assert carol_http.get("/admin/retention/processingactivity/export.csv").status_code == 403


def test_the_register_export_reads_as_french(dana_http) -> None:
    """What is handed to the CNIL: no "de le", no infinitive where a noun is meant."""
    from retention.presets import preset_apply

    preset_apply("piscine")
    text = dana_http.get("/admin/retention/processingactivity/export.csv").content.decode()
    assert "de le " not in text
    assert "à compter de" not in text
    assert "(supprimer)" not in text
    assert "après le dernier contact, puis effacement." in text

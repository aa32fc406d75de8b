from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Client
from consent.models import Suppression
from consent.selectors import may_contact
from consent.services import suppression_add_client
from portal.audit import Actor

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text: str):
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_prospects_through_the_service(tmp_path, capsys) -> None:
    path = _csv(
        tmp_path,
        "nom;prenom;email;telephone;code_postal\nRoux;Emma;emma@client.test;06 11 22 33 44;70000\n",
    )
    call_command("import_clients", str(path))
    emma = Client.objects.get(email="emma@client.test")
    assert (emma.status, emma.source, str(emma.phone)) == (
        "prospect",
        "Import de fichier",
        "+33611223344",
    )
    assert emma.customer_number
    assert emma.email_digest
    assert "1 contact importé." in capsys.readouterr().out


def test_a_listed_contact_is_imported_with_marketing_off(tmp_path, alice, carol, capsys) -> None:
    import datetime as dt

    from consent.models import Purpose

    Purpose.objects.filter(key="marketing_email").update(
        legal_basis="soft_opt_in", soft_opt_in_since=dt.date(2020, 1, 1)
    )
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    path = _csv(tmp_path, "nom,email,statut\nMartin,Alice@Client.test,client\n")
    call_command("import_clients", str(path))
    imported = Client.objects.exclude(pk=alice.pk).get()
    Client.objects.filter(pk=imported.pk).update(last_purchase_on=dt.date.today())  # a recent buyer
    assert not may_contact(imported, "marketing_email")
    assert "1 sur la liste d'opposition" in capsys.readouterr().out
    Suppression.objects.update(lifted_at=dt.datetime.now(dt.UTC))  # without it: contactable
    assert may_contact(imported, "marketing_email")


def test_a_bad_row_imports_nothing_and_says_where(tmp_path) -> None:
    path = _csv(tmp_path, "nom;email\nRoux;emma@client.test\n;sans-nom@client.test\n")
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_clients", str(path))
    assert not Client.objects.exists()


def test_dry_run_changes_nothing(tmp_path) -> None:
    call_command("import_clients", str(_csv(tmp_path, "nom\nRoux\n")), "--dry-run")
    assert not Client.objects.exists()


def test_unknown_columns_are_refused(tmp_path) -> None:
    with pytest.raises(CommandError, match="Colonnes inconnues : mot_de_passe"):
        call_command("import_clients", str(_csv(tmp_path, "nom;mot_de_passe\nRoux;x\n")))


def test_imported_dates_start_the_retention_clocks(tmp_path, capsys) -> None:
    """The purge counts from when the business collected, last sold to, and parted from
    each client, not from the day of the import."""
    import datetime as dt

    path = _csv(
        tmp_path,
        "nom;statut;numero_client;date_collecte;dernier_achat;fin_relation\n"
        "Roux;ancien client;A-0042;14/03/2017;2019-06-30;30/06/2020\n"
        "Petit;client;;2021-05-02;12/01/2026;\n",
    )
    call_command("import_clients", str(path))
    roux = Client.objects.get(last_name="Roux")
    assert roux.status == Client.Status.FORMER
    assert roux.customer_number == "A-0042"
    assert roux.collected_at.date() == dt.date(2017, 3, 14)
    assert roux.last_contact_at.date() == dt.date(2017, 3, 14)  # collection, the first contact
    assert roux.last_purchase_on == dt.date(2019, 6, 30)
    assert roux.relationship_ended_on == dt.date(2020, 6, 30)
    petit = Client.objects.get(last_name="Petit")
    assert petit.customer_number  # numbered by the portal
    assert petit.last_purchase_on == dt.date(2026, 1, 12)


def test_a_former_client_without_its_end_date_is_refused_with_the_line(tmp_path, capsys) -> None:
    path = _csv(
        tmp_path,
        "nom;statut;fin_relation;dernier_achat\n"
        "Roux;former;;\n"
        "Petit;client;;31/02/2020\n"
        "Blanc;curieux;;\n",
    )
    with pytest.raises(CommandError, match="3 lignes en erreur"):
        call_command("import_clients", str(path))
    errors = capsys.readouterr().err
    assert "ligne 2 : un ancien client a besoin de sa date de fin de relation" in errors
    assert "ligne 3 : date illisible « 31/02/2020 »" in errors
    assert "ligne 4 : statut inconnu « curieux »" in errors
    assert not Client.objects.exists()


def test_an_imported_former_client_is_purged_on_time(tmp_path, capsys) -> None:
    from retention.presets import preset_apply
    from retention.services.purge import purge_run

    preset_apply("piscine")
    path = _csv(
        tmp_path,
        "nom;statut;date_collecte;fin_relation\n"
        "Roux;ancien client;14/03/2015;30/06/2020\n"
        "Blanc;ancien client;14/03/2015;30/06/2025\n",
    )
    call_command("import_clients", str(path))
    purge_run()
    assert Client.objects.get(last_name__in=["Blanc"]).anonymised_at is None  # 3 years not yet
    assert Client.objects.filter(anonymised_at__isnull=False).count() == 1

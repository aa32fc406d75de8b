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

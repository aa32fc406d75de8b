from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from consent.models import ConsentRecord, ConsentState, Purpose, Suppression
from consent.selectors import may_contact
from dsar.exceptions import DoubtRequired, LiftNotAnnounced
from dsar.models import AccessArchive, DataRequest, IdentityDocument, Kind, Status
from dsar.services import archive, erasure, identity, rights
from portal.audit import audit_chain_verify
from portal.demo import minimal_pdf
from portal.models import AuditEvent
from portal.personal_data import registry
from tests.consent.conftest import choose
from tests.dsar.conftest import file_request


def _zip(archive_row: AccessArchive) -> zipfile.ZipFile:
    with archive_row.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_the_access_archive_walks_the_map(alice, staff, django_capture_on_commit_callbacks) -> None:
    choose(alice, Purpose.objects.get(key="newsletter"), True)
    request = file_request(alice)
    held_at_build = {d.key: d.for_client(alice).count() for d in registry}
    with django_capture_on_commit_callbacks(execute=True):
        built = archive.archive_build(request=request, by=staff)
    zf = _zip(built)
    names = set(zf.namelist())
    manifest = json.loads(zf.read("index.json"))
    listed = {kind["key"]: kind for kind in manifest["kinds"]}
    for declaration in registry:
        held = held_at_build[declaration.key]
        if not held:  # no empty file
            assert f"donnees/{declaration.key}.json" not in names
            assert declaration.key not in listed
            continue
        entry = listed[declaration.key]
        assert entry["json"] == f"donnees/{declaration.key}.json"
        assert entry["rows"] == held, declaration.key
        assert len(json.loads(zf.read(entry["json"]))) == held
        assert entry["csv"].startswith("tableaux/")
        assert len(zf.read(entry["csv"]).decode("utf-8-sig").splitlines()) == held + 1
        assert set(entry["fields"]) == set(declaration.fields)
    assert {"lettre.html", "lettre.pdf", "index.json", "index.html", "LISEZ-MOI.txt"} <= names
    assert not any(info.file_size == 0 for info in zf.infolist())
    assert sum(1 for n in names if n.startswith("documents/")) == 2
    profile = json.loads(zf.read("donnees/accounts.client_profile.json"))
    assert profile[0]["last_name"] == "Martin"
    letter = zf.read("lettre.html").decode()
    assert "CNIL" in letter
    assert "Base légale" in letter
    assert zf.read("lettre.pdf").startswith(b"%PDF")
    assert (built.expires_at - built.created_at).days == 7
    assert "prête" in mail.outbox[-1].subject


def test_the_archive_reads_in_french_for_a_person(alice, staff) -> None:
    """index.html browses everything; the CSV files have French names and columns, Paris
    times and Oui/Non; the JSON keeps stable keys, described in LISEZ-MOI.txt."""
    import html
    import re

    choose(alice, Purpose.objects.get(key="newsletter"), True)
    zf = _zip(archive.archive_build(request=file_request(alice), by=staff))
    names = zf.namelist()
    index = zf.read("index.html").decode()
    assert '<html lang="fr">' in index
    assert "Copie de vos données" in index
    for name in names:
        if name.startswith(("tableaux/", "donnees/", "documents/")):
            assert f'href="{name}"' in index, name
    assert "tableaux/vos-documents.csv" in names
    assert "tableaux/votre-fiche-client.csv" in names
    profile = zf.read("tableaux/votre-fiche-client.csv").decode("utf-8-sig").splitlines()
    assert profile[0].startswith("Numéro client;Civilité;Prénom;Nom;")
    every_csv = "\n".join(
        zf.read(name).decode("utf-8-sig") for name in names if name.endswith(".csv")
    )
    assert "True" not in every_csv
    assert "False" not in every_csv
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}", every_csv)
    assert ";Oui;" in every_csv
    # Paris time: a document filed at 23:30 UTC in winter reads 00:30 the next day.
    alice.documents.update(uploaded_at="2026-01-15T23:30:00Z")
    zf = _zip(archive.archive_build(request=file_request(alice), by=staff))
    documents = zf.read("tableaux/vos-documents.csv").decode("utf-8-sig")
    assert "16 janvier 2026 à 00:30" in documents
    raw = json.loads(zf.read("donnees/accounts.documents.json"))
    assert raw[0]["uploaded_at"] == "2026-01-15T23:30:00+00:00"
    ledger = json.loads(zf.read("donnees/consent.ledger.json"))
    assert ledger[0]["granted"] is True
    assert ledger[0]["purpose"] == "newsletter"  # a relation gives its key, not a row number
    assert ledger[0]["wording"] == 1
    readme = zf.read("LISEZ-MOI.txt").decode()
    assert "index.json" in readme
    assert "ISO 8601" in readme
    assert "donnees/consent.ledger.json" in readme
    text = html.unescape(re.sub(r"<[^>]+>", " ", index.split("<body>", 1)[1]))
    assert "True" not in text
    assert "acknowledgement" not in text


def test_the_archive_speaks_the_clients_language(alice, staff) -> None:
    alice.language = "en"
    alice.save(update_fields=["language"])
    zf = _zip(archive.archive_build(request=file_request(alice), by=staff))
    index = zf.read("index.html").decode()
    assert '<html lang="en">' in index
    assert "Copy of your data" in index
    assert "tableaux/your-documents.csv" in zf.namelist()


def test_the_access_letter_gives_the_register_s_retention_and_recipients(alice, staff) -> None:
    import html

    from retention.models import RetentionRule
    from retention.presets import preset_apply

    preset_apply("piscine")
    built = archive.archive_build(request=file_request(alice), by=staff)
    letter = html.unescape(_zip(built).read("lettre.html").decode())
    for_clients = RetentionRule.objects.filter(preset="piscine", enabled=True).exclude(
        client_status="prospect"
    )
    for rule in for_clients:
        assert rule.label in letter
    for rule in RetentionRule.objects.filter(preset="piscine", client_status="prospect"):
        assert rule.label not in letter  # alice is a client, not a prospect
    invoices = for_clients.get(data_kind="accounts.documents", event="document_date", unit="years")
    line = (
        f"{invoices.label} — Conservation : {invoices.duration} ans après la date du document, "
        "puis effacement."
    )
    assert line in letter
    assert "filiales, partenaires et prestataires" in letter
    assert "chacun selon ses fonctions" not in letter  # the register names the recipients
    # The printed letter (lettre.pdf) says the same as the web one.
    from django.template.loader import render_to_string

    text = render_to_string("dsar/access_letter.txt", archive.letter_context(alice))
    assert line in text
    assert "filiales, partenaires et prestataires" in text
    assert "chacun selon ses fonctions" not in text


def test_portability_holds_only_what_the_person_provided(alice, staff) -> None:
    request = file_request(alice, kind=Kind.PORTABILITY)
    built = archive.archive_build(request=request, by=staff)
    zf = _zip(built)
    (row,) = json.loads(zf.read("donnees/accounts.client_profile.json"))
    assert "last_name" in row
    assert "status" not in row
    assert not any(n.startswith("documents/") for n in zf.namelist())
    assert "donnees/portal.audit_trail.json" not in zf.namelist()


def test_expired_archives_lose_their_file(alice, staff, django_capture_on_commit_callbacks) -> None:
    built = archive.archive_build(request=file_request(alice), by=staff)
    name = built.file.name
    AccessArchive.objects.filter(pk=built.pk).update(expires_at="2026-01-01T00:00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        assert archive.archives_delete_expired() == 1
    assert not built.file.storage.exists(name)
    built.refresh_from_db()
    assert built.deleted_at is not None


def _erase(client, staff) -> DataRequest:
    request = file_request(client, kind=Kind.ERASURE)
    erasure.erasure_execute(request=request, by=staff)
    request.refresh_from_db()
    return request


def test_after_an_erasure_an_export_shows_only_what_the_law_keeps(
    alice, staff, django_capture_on_commit_callbacks
) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True, user_agent="Firefox")
    quote_file = alice.documents.get(kind="quote").file
    storage, quote_name = quote_file.storage, quote_file.name
    with django_capture_on_commit_callbacks(execute=True):
        request = _erase(alice, staff)
    assert request.status == Status.DONE
    alice.refresh_from_db()
    left = {d.key: d.export(alice) for d in registry}
    allowed = {
        "accounts.client_profile",
        "accounts.login",
        "accounts.invoices",
        "consent.ledger",
        "consent.states",
        "dsar.requests",
        "dsar.request_events",
    }
    assert {key for key, rows in left.items() if rows} <= allowed
    (profile,) = left["accounts.client_profile"]
    assert (profile["email"], profile["phone"], profile["city"], profile["address_line1"]) == (
        "",
        "",
        "",
        "",
    )
    assert (profile["first_name"], profile["last_name"]) == ("Alice", "Martin")  # on her invoice
    (invoice,) = left["accounts.invoices"]
    assert invoice["archived_at"]
    assert not storage.exists(quote_name)
    (ledger,) = left["consent.ledger"]
    assert ledger["ip"] is None
    assert not alice.user.__class__.objects.get(pk=alice.user_id).is_active
    assert Suppression.objects.filter(reason="erasure").count() == 2
    assert not AuditEvent.objects.filter(client=alice).exists()
    assert audit_chain_verify().ok
    assert "effacé" in mail.outbox[-1].subject
    assert "Facture" in mail.outbox[-1].body or "factures" in mail.outbox[-1].body
    report = request.erasure_report
    assert report["finished_at"]
    assert report["steps"]["accounts.invoices"]["kept_because"]


def test_a_legal_hold_refuses_the_erasure_with_its_reason(
    alice, staff, django_capture_on_commit_callbacks
) -> None:
    from retention.models import LegalHold

    LegalHold.objects.create(
        client=alice,
        reason="unpaid",
        legal_reference="Facture F-001 impayée",
        starts_on="2026-01-01",
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = _erase(alice, staff)
    assert request.status == Status.REFUSED
    assert "Facture F-001 impayée" in request.refusal_reason
    alice.refresh_from_db()
    assert alice.email == "alice@client.test"
    assert "CNIL" in mail.outbox[-1].body


def test_a_crash_in_the_middle_then_a_rerun_finishes_the_job(alice, staff, monkeypatch) -> None:
    declaration = registry.get("consent.ledger")
    original = type(declaration).erase
    monkeypatch.setattr(
        type(declaration),
        "erase",
        lambda self, client: (_ for _ in ()).throw(RuntimeError("panne")),
    )
    request = file_request(alice, kind=Kind.ERASURE)
    with pytest.raises(RuntimeError):
        erasure.erasure_execute(request=request, by=staff)
    request.refresh_from_db()
    done = set(request.erasure_report["steps"])
    assert "accounts.documents" in done
    assert "consent.ledger" not in done
    assert request.status != Status.DONE
    monkeypatch.setattr(type(declaration), "erase", original)
    report = erasure.erasure_execute(request=request, by=staff)
    assert report["finished_at"]
    assert set(report["steps"]) > done
    alice.refresh_from_db()
    assert alice.email == ""
    # Running it again changes nothing.
    assert erasure.erasure_execute(request=request, by=staff) == report


def test_objection_withdraws_everything_and_lists_the_contact(alice, staff) -> None:
    for key in ("marketing_email", "marketing_sms", "newsletter"):
        choose(alice, Purpose.objects.get(key=key), True)
    request = file_request(alice, kind=Kind.OBJECTION)
    request = rights.objection_execute(request=request, by=staff)
    assert request.status == Status.DONE
    assert not ConsentState.objects.filter(client=alice, granted=True).exists()
    assert set(
        ConsentRecord.objects.filter(client=alice, granted=False).values_list("method", flat=True)
    ) == {"objection"}
    assert Suppression.objects.filter(reason="objection", scope="").count() == 2
    assert not any(may_contact(alice, p) for p in Purpose.objects.all())


def test_restriction_freezes_and_is_lifted_only_after_notice(
    alice, staff, django_capture_on_commit_callbacks
) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    request = file_request(alice, kind=Kind.RESTRICTION)
    rights.restriction_apply(request=request, by=staff)
    alice.refresh_from_db()
    assert alice.is_restricted
    assert not may_contact(alice, "marketing_email")
    with pytest.raises(LiftNotAnnounced):
        rights.restriction_lift(request=request, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        rights.restriction_announce_lift(
            request=request, reason="L'exactitude de vos données est établie", by=staff
        )
    assert "exactitude de vos données est établie" in mail.outbox[-1].body
    rights.restriction_lift(request=request, by=staff)
    alice.refresh_from_db()
    assert not alice.is_restricted
    assert may_contact(alice, "marketing_email")


def test_rectification_keeps_old_and_new_values_in_the_timeline(alice, staff) -> None:
    request = file_request(alice, kind=Kind.RECTIFICATION, details="Mon nom s'écrit Martins")
    rights.rectification_record(
        request=request, changes={"last_name": "Martins", "city": "Lure"}, by=staff
    )
    alice.refresh_from_db()
    assert (alice.last_name, alice.city) == ("Martins", "Lure")
    event = request.events.get(action="rectified")
    assert event.data["changes"] == {"last_name": ["Martin", "Martins"], "city": ["Vesoul", "Lure"]}
    audit = AuditEvent.objects.get(action="dsar.request.rectified")
    assert audit.payload["fields"] == ["city", "last_name"]
    assert "Martins" not in json.dumps(audit.payload)


def test_identity_documents_are_encrypted_and_deleted_once_verified(
    alice, staff, django_capture_on_commit_callbacks
) -> None:
    request = file_request(alice)
    with pytest.raises(DoubtRequired):
        identity.identity_request_document(request=request, by=staff)
    identity.identity_record_doubt(
        request=request, reason="Demande reçue d'une autre adresse", by=staff
    )
    identity.identity_request_document(request=request, by=staff)
    pdf = minimal_pdf("Carte d'identité")
    document = identity.identity_document_receive(
        request=request, upload=SimpleUploadedFile("id.pdf", pdf), by=staff
    )
    with document.file.open("rb") as handle:
        stored = handle.read()
    assert b"%PDF" not in stored  # encrypted at rest
    assert identity.identity_document_read(document=document, by=staff) == pdf
    name = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        identity.identity_verify(request=request, by=staff)
    assert not IdentityDocument.objects.exists()
    assert not document.file.storage.exists(name)


@pytest.mark.parametrize(
    ("civility", "salutation"), [("Mme", "Madame,"), ("M.", "Monsieur,"), ("", "Madame, Monsieur,")]
)
def test_the_access_letter_addresses_the_person(alice, staff, civility, salutation) -> None:
    import html

    alice.civility = civility
    alice.save(update_fields=["civility"])
    built = archive.archive_build(request=file_request(alice), by=staff)
    for name in ("lettre.html", "lettre.txt"):
        if name not in _zip(built).namelist():
            continue
        letter = html.unescape(_zip(built).read(name).decode())
        assert f"\n{salutation}" in letter or f"<p>{salutation}</p>" in letter
        assert "Madame, Monsieur Alice" not in letter
        assert "Alice Martin" in letter


def test_the_printed_letter_takes_any_name(alice, staff) -> None:
    """A name typed on a phone (typographic apostrophe), a dash or a sign no PDF font has
    never stops the archive."""
    from dsar.services.archive import letter_pdf, pdf_safe

    alice.last_name = "N\u2019Guyen\u2014Œuvray 李"
    alice.save(update_fields=["last_name"])
    zf = _zip(archive.archive_build(request=file_request(alice), by=staff))
    assert zf.read("lettre.pdf").startswith(b"%PDF")
    assert pdf_safe("N\u2019Guyen\u2014Œuvray 李 …") == "N'Guyen-OEuvray ? ..."
    assert letter_pdf("Délégué : « é » \u2019").startswith(b"%PDF")


def test_the_archive_answers_the_request(alice, staff, django_capture_on_commit_callbacks) -> None:
    request = file_request(alice)
    with django_capture_on_commit_callbacks(execute=True):
        archive.archive_build(request=request, by=staff)
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert request.closed_at is not None
    assert "disponible jusqu'au" in request.answer
    steps = list(request.events.values_list("action", "letter"))
    assert steps[-2:] == [("archive_generated", "archive_ready"), ("closed", "")]
    assert [m.subject for m in mail.outbox].count(mail.outbox[-1].subject) == 1

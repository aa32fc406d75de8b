from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import services
from accounts.models import Document
from portal.audit import Actor
from portal.demo import minimal_pdf
from portal.models import AuditEvent
from portal.uploads import DOCUMENT_TYPES, check_upload


def test_wallet_lists_only_the_clients_own_documents(alice_http, bob) -> None:
    page = alice_http.get("/espace-client/documents/").content.decode()
    assert "Devis liner" in page
    assert "Facture liner" in page
    assert "Devis de Bob" not in page


def test_wallet_filters_by_type(alice_http) -> None:
    page = alice_http.get("/espace-client/documents/?type=invoice").content.decode()
    assert "Facture liner" in page
    assert "Devis liner" not in page


def test_download_serves_the_file_and_is_audited(alice_http, alice) -> None:
    document = alice.documents.get(kind="quote")
    response = alice_http.get(f"/espace-client/documents/{document.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="accounts.document.downloaded")
    assert (event.client, event.actor, event.target_id) == (alice, alice.user, str(document.pk))


def test_another_clients_document_is_404(alice_http, bob) -> None:
    document = bob.documents.get()
    assert alice_http.get(f"/espace-client/documents/{document.public_id}/").status_code == 404
    assert not AuditEvent.objects.filter(action="accounts.document.downloaded").exists()


def test_archived_documents_leave_the_wallet(alice_http, alice) -> None:
    invoice = alice.documents.get(kind="invoice")
    Document.objects.filter(pk=invoice.pk).update(archived_at="2026-01-01T00:00:00Z")
    assert "Facture liner" not in alice_http.get("/espace-client/documents/").content.decode()
    assert alice_http.get(f"/espace-client/documents/{invoice.public_id}/").status_code == 404


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("facture.pdf", b"MZ\x90\x00 this is an executable", "n'est pas accepté"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "n'est pas accepté"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_uploads_are_checked_by_content_not_by_name(name: str, content: bytes, error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        check_upload(SimpleUploadedFile(name, content), allowed=DOCUMENT_TYPES)


def test_a_png_named_pdf_is_recognised_as_png() -> None:
    checked = check_upload(SimpleUploadedFile("scan.pdf", _png()), allowed=DOCUMENT_TYPES)
    assert checked.content_type == "image/png"
    assert checked.extension == ".png"


def test_uploads_over_the_size_limit_are_refused(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="taille maximale de 100"):
        check_upload(SimpleUploadedFile("a.pdf", minimal_pdf("x")), allowed=DOCUMENT_TYPES)


def test_document_is_stored_under_a_random_name_outside_static(alice, carol, settings) -> None:
    document = services.document_add(
        client=alice,
        kind=Document.Kind.ORDER,
        title="Bon de commande pompe",
        upload=SimpleUploadedFile("Martin Alice commande.pdf", minimal_pdf("BC")),
        by=Actor(user=carol),
    )
    assert "Martin" not in document.file.name
    assert document.file.name.startswith("documents/")
    assert document.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not document.file.path.startswith(str(settings.STATIC_ROOT))
    assert document.content_type == "application/pdf"
    assert len(document.sha256) == 64


def test_invoices_cannot_be_deleted(alice, carol) -> None:
    invoice = alice.documents.get(kind="invoice")
    with pytest.raises(services.DocumentProtected):
        services.document_delete(document=invoice, by=Actor(user=carol))
    assert Document.objects.filter(pk=invoice.pk).exists()


def test_deleting_a_quote_removes_its_file(
    alice, carol, django_capture_on_commit_callbacks
) -> None:
    quote = alice.documents.get(kind="quote")
    storage, name = quote.file.storage, quote.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(document=quote, by=Actor(user=carol))
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(action="accounts.document.deleted", client=alice).exists()


def test_client_pages_and_downloads_are_never_cached(alice_http, alice) -> None:
    document = alice.documents.get(kind="quote")
    for url in (
        "/espace-client/",
        "/espace-client/documents/",
        f"/espace-client/documents/{document.public_id}/",
    ):
        assert "no-store" in alice_http.get(url)["Cache-Control"], url

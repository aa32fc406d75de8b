from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Client, Document
from portal.demo import minimal_pdf
from portal.models import AuditEvent


def _local(value, fmt: str) -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _client_form(client: Client, **changes) -> dict:
    data = {
        "civility": client.civility,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "language": client.language,
        "email": client.email,
        "phone": str(client.phone),
        "address_line1": client.address_line1,
        "address_line2": "",
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country,
        "status": client.status,
        "source": "",
        "collected_at_0": _local(client.collected_at, "%d/%m/%Y"),
        "collected_at_1": _local(client.collected_at, "%H:%M:%S"),
        "last_contact_at_0": _local(client.last_contact_at, "%d/%m/%Y"),
        "last_contact_at_1": _local(client.last_contact_at, "%H:%M:%S"),
        "last_purchase_on": "",
        "relationship_ended_on": "",
        "loyalty_card_valid_until": client.loyalty_card_valid_until.strftime("%d/%m/%Y")
        if client.loyalty_card_valid_until
        else "",
        "service_by_email": "on" if client.service_by_email else "",
        "service_by_sms": "on" if client.service_by_sms else "",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "client_tags-TOTAL_FORMS": "0",
        "client_tags-INITIAL_FORMS": "0",
        "consent_states-TOTAL_FORMS": "0",
        "consent_states-INITIAL_FORMS": "0",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_staff_viewing_a_client_record_is_audited(dana_http, dana, alice) -> None:
    response = dana_http.get(f"/admin/accounts/client/{alice.pk}/change/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.client.viewed")
    assert (event.actor, event.client, event.ip) == (dana, alice, "127.0.0.1")


def test_staff_without_permission_see_no_client(carol_http, alice) -> None:
    assert carol_http.get("/admin/accounts/client/").status_code == 403
    assert carol_http.get(f"/admin/accounts/client/{alice.pk}/change/").status_code == 403
    assert carol_http.get("/admin/portal/auditevent/").status_code == 403
    assert not AuditEvent.objects.filter(action="accounts.client.viewed").exists()


def test_staff_edit_goes_through_the_service_and_is_audited(dana_http, dana, alice) -> None:
    alice.refresh_from_db()
    response = dana_http.post(
        f"/admin/accounts/client/{alice.pk}/change/",
        _client_form(alice, city="Lure", status="former"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    alice.refresh_from_db()
    assert (alice.city, alice.status) == ("Lure", "former")
    event = AuditEvent.objects.get(action="accounts.client.updated")
    assert event.payload == {"fields": ["city", "status"]}
    assert event.actor == dana


def test_staff_create_a_client_with_a_generated_number(dana_http) -> None:
    blank = Client(last_name="Nouveau", first_name="Paul")
    data = _client_form(blank, email="paul@client.test", phone="")
    data["collected_at_0"] = "01/11/2026"
    response = dana_http.post("/admin/accounts/client/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client = Client.objects.get(last_name="Nouveau")
    assert client.customer_number == f"C{client.pk:06d}"
    assert AuditEvent.objects.filter(action="accounts.client.created", client=client).exists()


def test_staff_upload_a_document_checked_by_content(dana_http, alice) -> None:
    form = _client_form(
        alice,
        **{
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-0-kind": "invoice",
            "documents-0-title": "Facture hivernage",
            "documents-0-reference": "F-9",
            "documents-0-issued_on": "01/11/2026",
        },
    )
    bad = dict(form, **{"documents-0-file": SimpleUploadedFile("facture.pdf", b"not a pdf at all")})
    response = dana_http.post(f"/admin/accounts/client/{alice.pk}/change/", bad)
    assert response.status_code == 200
    assert "n&#x27;est pas accepté" in response.content.decode()
    assert not Document.objects.filter(title="Facture hivernage").exists()

    good = dict(form, **{"documents-0-file": SimpleUploadedFile("facture.pdf", minimal_pdf("F-9"))})
    response = dana_http.post(f"/admin/accounts/client/{alice.pk}/change/", good)
    assert response.status_code == 302
    document = Document.objects.get(title="Facture hivernage")
    assert document.client == alice
    assert AuditEvent.objects.filter(
        action="accounts.document.added", target_id=str(document.pk)
    ).exists()


def test_staff_download_is_audited(dana_http, dana, alice) -> None:
    document = alice.documents.get(kind="quote")
    response = dana_http.get(f"/admin/accounts/document/{document.pk}/telecharger/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.document.downloaded")
    assert event.actor == dana
    assert event.payload["by_staff"] is True


def test_staff_without_permission_cannot_download(carol_http, alice) -> None:
    document = alice.documents.get(kind="quote")
    assert carol_http.get(f"/admin/accounts/document/{document.pk}/telecharger/").status_code == 403


@pytest.mark.parametrize("verb", ["add", "change", "delete"])
def test_audit_trail_is_read_only_in_the_admin(dana_http, alice, verb) -> None:
    from portal.audit import Actor, audit_log

    event = audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    url = {
        "add": "/admin/portal/auditevent/add/",
        "change": f"/admin/portal/auditevent/{event.pk}/change/",
        "delete": f"/admin/portal/auditevent/{event.pk}/delete/",
    }[verb]
    response = dana_http.post(url, {"post": "yes", "action": "x.y.z"})
    assert response.status_code in (403, 302)
    event.refresh_from_db()
    assert event.action == "accounts.client.viewed"


def test_clients_cannot_be_deleted_from_the_admin(dana_http, alice) -> None:
    response = dana_http.post(
        "/admin/accounts/client/",
        {"action": "delete_selected", "_selected_action": [alice.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert dana_http.get(f"/admin/accounts/client/{alice.pk}/delete/").status_code == 403
    assert alice.__class__.objects.filter(pk=alice.pk).exists()


def test_a_clients_login_email_is_read_only_for_staff(alice, db) -> None:
    from tests.conftest import logged_in
    from tests.factories import UserFactory

    root = UserFactory(email="root@entreprise.test", is_staff=True, is_superuser=True)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(root, generate_totp_secret())
    page = logged_in(root).get(f"/admin/accounts/user/{alice.user.pk}/change/").content.decode()
    assert 'name="email"' not in page
    assert "alice@client.test" in page


def _invoice_form(alice, invoice, **changes) -> dict:
    form = _client_form(
        alice,
        **{
            "documents-TOTAL_FORMS": str(alice.documents.count()),
            "documents-INITIAL_FORMS": str(alice.documents.count()),
        },
    )
    for index, document in enumerate(alice.documents.order_by("-issued_on", "-pk")):
        form.update(
            {
                f"documents-{index}-id": str(document.pk),
                f"documents-{index}-client": str(alice.pk),
                f"documents-{index}-kind": document.kind,
                f"documents-{index}-title": document.title,
                f"documents-{index}-reference": document.reference,
                f"documents-{index}-issued_on": document.issued_on.strftime("%d/%m/%Y"),
            }
        )
        if document == invoice:
            form.update({f"documents-{index}-{k}": v for k, v in changes.items()})
    return form


@pytest.mark.parametrize(
    "changes", [{"DELETE": "on"}, {"kind": "quote", "DELETE": "on"}, {"kind": "quote"}]
)
def test_an_invoice_cannot_be_deleted_or_relabelled_from_the_client_page(
    dana_http, alice, changes
) -> None:
    invoice = alice.documents.get(kind="invoice")
    alice.refresh_from_db()
    response = dana_http.post(
        f"/admin/accounts/client/{alice.pk}/change/", _invoice_form(alice, invoice, **changes)
    )
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.kind == "invoice"
    assert not AuditEvent.objects.filter(action="accounts.document.deleted").exists()


def test_an_invoice_cannot_be_deleted_from_the_document_admin(dana_http, alice) -> None:
    invoice = alice.documents.get(kind="invoice")
    assert dana_http.get(f"/admin/accounts/document/{invoice.pk}/delete/").status_code == 403
    response = dana_http.post(
        "/admin/accounts/document/",
        {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Document.objects.filter(pk=invoice.pk).exists()


def test_staff_cannot_set_a_clients_password_or_deactivate_them(alice, db) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.conftest import logged_in
    from tests.factories import UserFactory

    root = UserFactory(email="root@entreprise.test", is_staff=True, is_superuser=True)
    TOTP.activate(root, generate_totp_secret())
    http = logged_in(root)
    response = http.post(
        f"/admin/accounts/user/{alice.user.pk}/password/",
        {
            "password1": "Nouveau-Mot-2026!",
            "password2": "Nouveau-Mot-2026!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 403
    page = http.get(f"/admin/accounts/user/{alice.user.pk}/change/").content.decode()
    assert 'name="is_active"' not in page
    alice.user.refresh_from_db()
    assert alice.user.check_password("Un-Mot-De-Passe-2026")


def test_a_corrected_email_cancels_the_pending_invitation(
    client, dana, db, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    from accounts import services
    from accounts.models import Invitation
    from portal.audit import Actor
    from tests.factories import ClientFactory

    prospect = ClientFactory(user=None, email="emma@clent.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.client_invite(client=prospect, by=Actor(user=dana))
    link = next(w for w in mail.outbox[0].body.split() if "/compte/invitation/" in w)
    services.client_update(client=prospect, data={"email": "emma@client.test"}, by=Actor(user=dana))
    assert Invitation.objects.get().revoked_at is not None
    path = link[link.index("/compte/") :]
    assert client.get(path).status_code == 404


def test_staff_searches_are_audited_without_the_search_terms(dana_http, dana, alice, bob) -> None:
    dana_http.get("/admin/accounts/client/")
    assert not AuditEvent.objects.filter(action="accounts.client.searched").exists()
    dana_http.get("/admin/accounts/client/?q=Martin")
    event = AuditEvent.objects.get(action="accounts.client.searched")
    assert event.payload == {"results": 1}
    assert event.actor == dana
    assert "Martin" not in str(event.payload)


def test_staff_viewing_a_document_is_audited(dana_http, dana, alice) -> None:
    document = alice.documents.get(kind="quote")
    assert dana_http.get(f"/admin/accounts/document/{document.pk}/change/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.document.viewed")
    assert (event.actor, event.client, event.target_id) == (dana, alice, str(document.pk))

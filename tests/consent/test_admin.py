from __future__ import annotations

import csv
import io

import pytest

from consent.models import ConsentRecord, ConsentState, Purpose, Suppression
from consent.services import suppression_add_client
from portal.audit import Actor
from portal.models import AuditEvent
from tests.consent.conftest import choose


def test_staff_record_a_choice_received_by_phone(dana_http, dana, alice) -> None:
    purpose = Purpose.objects.get(key="newsletter")
    url = f"/admin/accounts/client/{alice.pk}/consentement/"
    assert (
        "Choix reçu par téléphone ou courrier"
        in dana_http.get(f"/admin/accounts/client/{alice.pk}/change/").content.decode()
    )
    response = dana_http.post(
        url, {"purpose": purpose.pk, "granted": "1", "method": "staff_phone", "note": ""}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not ConsentRecord.objects.exists()
    response = dana_http.post(
        url,
        {
            "purpose": purpose.pk,
            "granted": "1",
            "method": "staff_phone",
            "note": "Appel du 20/11 : souhaite recevoir la lettre d'information",
        },
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.client, record.granted, record.method, record.recorded_by, record.ip) == (
        alice,
        True,
        "staff_phone",
        dana,
        None,
    )
    assert "lettre d'information" in record.note


def test_staff_cannot_pick_a_method_that_is_not_theirs(dana_http, alice) -> None:
    purpose = Purpose.objects.get(key="newsletter")
    response = dana_http.post(
        f"/admin/accounts/client/{alice.pk}/consentement/",
        {
            "purpose": purpose.pk,
            "granted": "1",
            "method": "portal",
            "note": "Le client l'a fait lui-même",
        },
    )
    assert response.status_code == 200
    assert not ConsentRecord.objects.exists()


def test_staff_without_the_permission_cannot_record(carol_http, alice) -> None:
    assert carol_http.get(f"/admin/accounts/client/{alice.pk}/consentement/").status_code == 403


@pytest.mark.parametrize("verb", ["change", "delete"])
def test_the_history_is_read_only_in_the_admin(dana_http, alice, verb) -> None:
    record = choose(alice, Purpose.objects.get(key="marketing_email"), True)
    response = dana_http.post(
        f"/admin/consent/consentrecord/{record.pk}/{verb}/", {"granted": "", "post": "yes"}
    )
    assert response.status_code in (403, 200)
    record.refresh_from_db()
    assert record.granted is True
    page = dana_http.get(f"/admin/consent/consentrecord/{record.pk}/change/").content.decode()
    assert 'name="granted"' not in page


def test_the_client_list_filters_by_purpose_and_state(dana_http, alice, bob) -> None:
    purpose = Purpose.objects.get(key="marketing_email")
    choose(alice, purpose, True)
    choose(bob, purpose, False)

    def listed(value: str) -> set[str]:
        page = dana_http.get(f"/admin/accounts/client/?consentement={value}").content.decode()
        return {name for name in ("Martin", "Durand") if name in page}

    assert listed("marketing_email:granted") == {"Martin"}
    assert listed("marketing_email:refused") == {"Durand"}
    assert listed("marketing_sms:none") == {"Martin", "Durand"}


def test_staff_see_why_a_contact_is_not_solicited(dana_http, dana, alice) -> None:
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=dana))
    page = dana_http.get(f"/admin/accounts/client/{alice.pk}/change/").content.decode()
    assert "opposition à la prospection" in page


def test_the_ledger_exports_to_csv_for_an_audit(dana_http, dana, alice, bob) -> None:
    choose(alice, Purpose.objects.get(key="marketing_email"), True, user_agent="Firefox")
    choose(bob, Purpose.objects.get(key="marketing_sms"), False)
    response = dana_http.get("/admin/consent/consentrecord/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["numero_client"], r["finalite"], r["choix"]) for r in rows] == [
        (alice.customer_number, "marketing_email", "accord"),
        (bob.customer_number, "marketing_sms", "retrait"),
    ]
    assert rows[0]["navigateur"] == "Firefox"
    assert AuditEvent.objects.get(action="consent.ledger.exported").payload == {"rows": 2}
    filtered = dana_http.get("/admin/consent/consentrecord/export/?granted__exact=0")
    assert len(b"".join(filtered.streaming_content).decode("utf-8-sig").strip().splitlines()) == 2


def test_a_new_purpose_text_makes_a_new_version_from_the_admin(dana_http, dana) -> None:
    dana.is_superuser = True
    dana.save()
    purpose = Purpose.objects.get(key="newsletter")
    response = dana_http.post(
        f"/admin/consent/purpose/{purpose.pk}/change/",
        {
            "legal_basis": "consent",
            "is_active": "on",
            "order": "2",
            "label": "Notre lettre d'information",
            "explanation": "Quatre fois par an.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    purpose.refresh_from_db()
    assert (purpose.wording.version, purpose.wording.label) == (2, "Notre lettre d'information")


def test_soft_opt_in_cannot_cover_sharing_with_partners(dana_http, dana) -> None:
    dana.is_superuser = True
    dana.save()
    purpose = Purpose.objects.get(key="partners")
    response = dana_http.post(
        f"/admin/consent/purpose/{purpose.pk}/change/",
        {
            "legal_basis": "soft_opt_in",
            "is_active": "on",
            "order": "3",
            "label": purpose.wording.label,
            "explanation": purpose.wording.explanation,
        },
    )
    assert response.status_code == 200
    purpose.refresh_from_db()
    assert purpose.legal_basis == "consent"
    assert ConsentState.objects.count() == 0


def test_staff_can_still_edit_a_client_who_has_made_choices(dana_http, alice) -> None:
    from tests.accounts.test_admin import _client_form

    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    state = ConsentState.objects.get(client=alice)
    alice.refresh_from_db()
    form = _client_form(alice, city="Lure")
    form.update(
        {
            "consent_states-TOTAL_FORMS": "1",
            "consent_states-INITIAL_FORMS": "1",
            "consent_states-0-id": str(state.pk),
            "consent_states-0-client": str(alice.pk),
        }
    )
    response = dana_http.post(f"/admin/accounts/client/{alice.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    state.refresh_from_db()
    assert state.granted is True


def test_the_csv_export_neutralises_spreadsheet_formulas(dana_http, alice) -> None:
    choose(
        alice,
        Purpose.objects.get(key="marketing_email"),
        True,
        user_agent='=HYPERLINK("http://evil.test")',
    )
    text = b"".join(dana_http.get("/admin/consent/consentrecord/export/").streaming_content).decode(
        "utf-8-sig"
    )
    row = next(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["navigateur"] == '\'=HYPERLINK("http://evil.test")'


def test_staff_record_a_withdrawal_received_by_letter_and_sending_stops(dana_http, alice) -> None:
    from consent.selectors import may_contact

    purpose = Purpose.objects.get(key="marketing_email")
    choose(alice, purpose, True)
    assert may_contact(alice, purpose)
    response = dana_http.post(
        f"/admin/accounts/client/{alice.pk}/consentement/",
        {
            "purpose": purpose.pk,
            "granted": "0",
            "method": "staff_letter",
            "note": "Courrier reçu le 18/11 : ne souhaite plus d'offres par e-mail",
        },
    )
    assert response.status_code == 302
    assert not may_contact(alice, purpose)
    record = ConsentRecord.objects.filter(client=alice).latest("id")
    assert (record.granted, record.method) == (False, "staff_letter")

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from portal.models import AuditEvent
from portal.personal_data import registry

URL = "/espace-client/donnees-personnelles/"


def _form(client, **changes):
    data = {
        "civility": client.civility,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "phone": "06 12 34 56 78",
        "address_line1": client.address_line1,
        "address_line2": "",
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country,
        "language": "fr",
    }
    data.update(changes)
    return data


def test_page_shows_every_kind_of_data_from_the_map(alice_http, alice) -> None:
    page = alice_http.get(URL).content.decode()
    for declaration in registry:
        assert str(declaration.label) in page.replace("&#x27;", "'")
    assert alice.customer_number in page
    assert "06 12 34 56 78" in page
    assert "Devis liner" in page
    assert "Facture liner" in page
    assert "Code de commerce, art. L123-22" in page


def test_page_shows_nothing_of_another_client(alice_http, bob) -> None:
    page = alice_http.get(URL).content.decode()
    assert bob.last_name not in page
    assert "Devis de Bob" not in page


def test_client_corrects_name_phone_and_address(alice_http, alice) -> None:
    response = alice_http.post(
        URL, _form(alice, last_name="Martin-Roux", phone="07 45 67 89 01", city="Lure")
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.last_name == "Martin-Roux"
    assert str(alice.phone) == "+33745678901"
    assert alice.city == "Lure"
    event = AuditEvent.objects.get(client=alice, action="accounts.client.updated")
    assert event.payload == {"fields": ["city", "last_name", "phone"]}
    assert event.actor == alice.user
    assert "Martin-Roux" not in str(event.payload)


def test_invalid_input_rerenders_in_french_and_changes_nothing(alice_http, alice) -> None:
    response = alice_http.post(URL, _form(alice, last_name="", phone="12"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce champ est obligatoire." in page
    assert "Saisissez un numéro de téléphone valide" in page
    alice.refresh_from_db()
    assert alice.last_name == "Martin"
    assert not AuditEvent.objects.filter(action="accounts.client.updated").exists()


def test_saving_unchanged_data_writes_no_audit_event(alice_http, alice) -> None:
    alice_http.post(URL, _form(alice))
    assert not AuditEvent.objects.filter(action="accounts.client.updated").exists()


def test_email_is_not_editable_in_the_form(alice_http, alice) -> None:
    alice_http.post(URL, _form(alice, email="pirate@client.test"))
    alice.refresh_from_db()
    assert alice.email == "alice@client.test"


def test_email_change_goes_through_verification_and_updates_the_client(alice_http, alice) -> None:
    alice_http.post("/compte/email/", {"action_add": "", "email": "alice.martin@client.test"})
    alice.refresh_from_db()
    assert alice.email == "alice@client.test"  # not before the new address is confirmed
    confirmation_link = next(
        line for line in mail.outbox[-1].body.splitlines() if "/compte/confirm-email/" in line
    ).strip()
    path = confirmation_link[confirmation_link.index("/compte/") :]
    alice_http.post(path)
    alice.refresh_from_db()
    alice.user.refresh_from_db()
    assert alice.user.email == "alice.martin@client.test"
    assert alice.email == "alice.martin@client.test"
    assert list(EmailAddress.objects.filter(user=alice.user).values_list("email", flat=True)) == [
        "alice.martin@client.test"
    ]
    assert AuditEvent.objects.filter(
        client=alice, action="accounts.client.updated", payload={"fields": ["email"]}
    ).exists()


@pytest.mark.django_db
def test_changing_language_sets_the_cookie(alice_http, alice) -> None:
    response = alice_http.post(URL, _form(alice, language="en"))
    assert response.cookies["django_language"].value == "en"
    alice.refresh_from_db()
    assert alice.language == "en"


def test_a_foreign_number_is_shown_with_its_country_code_and_saves_unchanged(
    alice_http, alice
) -> None:
    alice.phone = "+442079460958"
    alice.save()
    page = alice_http.get(URL).content.decode()
    assert 'value="+44 20 7946 0958"' in page
    response = alice_http.post(URL, _form(alice, phone="+44 20 7946 0958", city="Lure"))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (str(alice.phone), alice.city) == ("+442079460958", "Lure")

from __future__ import annotations

import html
import re

import pytest
from django.core import mail

from accounts.models import Client, ContactRequest
from consent.models import ConsentRecord, ConsentState, Purpose, Suppression
from consent.selectors import may_contact
from consent.services import suppression_add_client
from portal.audit import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(browser_client):
    """The pages of this module are forms the portal serves: posted by a browser, token included."""
    return browser_client


FORM = {
    "kind": "quote",
    "civility": "Mme",
    "first_name": "Emma",
    "last_name": "Roux",
    "email": "emma@client.test",
    "phone": "06 11 22 33 44",
    "postal_code": "70000",
    "message": "Bonjour, je voudrais un devis pour une piscine coque.",
}


def _confirmation_path() -> str:
    match = re.search(r"https://portail\.test(/contact/confirmation/[^\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_the_form_shows_the_email_purposes_unticked_with_the_notice(client) -> None:
    page = html.unescape(client.get("/contact/").content.decode())
    assert "Offres et nouveautés par e-mail" in page
    assert "Lettre d'information" in page
    # The confirmation link proves an email address, never a phone number.
    assert "Offres et nouveautés par SMS" not in page
    assert "Transmission à nos partenaires" not in page
    assert "checked" not in page
    assert "/confidentialite/" in page
    assert "saisir la CNIL" in page


def test_a_request_creates_a_prospect_and_keeps_the_message(
    client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", FORM)
    assert response.status_code == 200
    assert "votre demande est envoyée" in response.content.decode()
    prospect = Client.objects.get(email="emma@client.test")
    assert (prospect.status, prospect.source, str(prospect.phone)) == (
        "prospect",
        "Formulaire de contact du site",
        "+33611223344",
    )
    assert prospect.customer_number
    request = ContactRequest.objects.get()
    assert (request.client, request.kind) == (prospect, "quote")
    assert not ConsentRecord.objects.exists()
    assert mail.outbox == []  # nothing ticked, nothing to confirm


def test_ticked_choices_are_recorded_only_once_confirmed_by_email(
    client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/contact/", {**FORM, "purpose_marketing_email": "on", "purpose_newsletter": "on"}
        )
    prospect = Client.objects.get(email="emma@client.test")
    assert not ConsentRecord.objects.exists()
    assert not may_contact(prospect, "marketing_email")
    assert mail.outbox[0].to == ["emma@client.test"]
    path = _confirmation_path()
    assert "Je confirme" in client.get(path).content.decode()
    assert not ConsentRecord.objects.exists()  # GET records nothing
    client.post(path, HTTP_USER_AGENT="Firefox")
    records = ConsentRecord.objects.filter(client=prospect)
    assert sorted(records.values_list("purpose__key", flat=True)) == [
        "marketing_email",
        "newsletter",
    ]
    assert set(records.values_list("method", flat=True)) == {"form"}
    assert may_contact(prospect, "marketing_email")
    client.post(path)  # the link used twice records nothing more
    assert records.count() == 2


def test_the_record_names_the_text_shown_on_the_form(
    client, dana, django_capture_on_commit_callbacks
) -> None:
    from consent.services import purpose_set_wording

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contact/", {**FORM, "purpose_marketing_email": "on"})
    purpose = Purpose.objects.get(key="marketing_email")
    shown = purpose.wording
    purpose_set_wording(
        purpose=purpose, label="Un autre texte", explanation="", by=Actor(user=dana)
    )
    client.post(_confirmation_path())
    assert ConsentRecord.objects.get().wording == shown


def test_a_forged_confirmation_link_is_refused(client) -> None:
    response = client.post("/contact/confirmation/forged-token/")
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_a_known_address_is_attached_to_its_client_and_its_record_kept(
    client, alice, django_capture_on_commit_callbacks
) -> None:
    before = alice.last_contact_at
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/contact/",
            {
                **FORM,
                "email": "ALICE@client.test",
                "last_name": "Usurpateur",
                "purpose_newsletter": "on",
            },
        )
    alice.refresh_from_db()
    assert alice.last_name == "Martin"
    assert alice.last_contact_at == before  # an unproven request does not extend retention
    assert ContactRequest.objects.get().client == alice
    assert not ConsentState.objects.filter(client=alice).exists()
    assert mail.outbox[0].to == ["alice@client.test"]  # only the address's owner can confirm


def test_a_listed_phone_stays_listed_whatever_the_form_says(
    client, alice, carol, django_capture_on_commit_callbacks
) -> None:
    """Somebody types another person's phone number with their own email address."""
    import datetime as dt

    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/contact/",
            {
                **FORM,
                "email": "autre@client.test",
                "phone": "06 12 34 56 78",
                "purpose_marketing_email": "on",
                "purpose_marketing_sms": "on",
            },
        )
    client.post(_confirmation_path())
    prospect = Client.objects.get(email="autre@client.test")
    # Even as a recent buyer under soft opt-in, the listed phone gets no SMS.
    Client.objects.filter(pk=prospect.pk).update(last_purchase_on=dt.date.today())
    Purpose.objects.filter(key="marketing_sms").update(
        legal_basis="soft_opt_in", soft_opt_in_since=dt.date(2020, 1, 1)
    )
    assert not may_contact(prospect, "marketing_sms")
    assert not ConsentRecord.objects.filter(client=prospect, purpose__key="marketing_sms").exists()
    assert Suppression.objects.filter(kind="phone", lifted_at__isnull=True).exists()
    assert may_contact(prospect, "marketing_email")
    # Without the listing, the same recent purchase would open soft opt-in: the test can fail.
    Suppression.objects.filter(kind="phone").update(lifted_at="2026-01-01T00:00:00Z")
    assert may_contact(prospect, "marketing_sms")


def test_errors_are_in_french_and_the_message_is_kept(client) -> None:
    response = client.post("/contact/", {**FORM, "email": "pas-une-adresse", "last_name": ""})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Saisissez une adresse de courriel valide." in page
    assert "Ce champ est obligatoire." in page
    assert "je voudrais un devis pour une piscine coque" in page
    assert not Client.objects.exists()


def test_a_robot_filling_the_honeypot_is_thanked_and_ignored(client) -> None:
    response = client.post("/contact/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 200
    assert "votre demande est envoyée" in response.content.decode()
    assert not Client.objects.exists()
    assert not ContactRequest.objects.exists()


def test_requests_are_rate_limited_per_address(client) -> None:
    for index in range(5):
        assert (
            client.post("/contact/", {**FORM, "email": f"p{index}@client.test"}).status_code == 200
        )
    response = client.post("/contact/", {**FORM, "email": "p9@client.test"})
    assert response.status_code == 429
    assert "Trop de demandes" in html.unescape(response.content.decode())
    assert ContactRequest.objects.count() == 5

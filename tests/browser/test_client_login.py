from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_client_logs_in_and_reads_their_personal_data(page, live_server, alice) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/espace-client/donnees-personnelles/")
    expect(page).to_have_url(re.compile(r"/compte/login/"))
    page.get_by_label("Adresse e-mail").fill("alice@client.test")
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/espace-client/donnees-personnelles/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos données personnelles")
    page.locator(".data-kind-label").get_by_text("Votre fiche client", exact=True).click()
    expect(page.get_by_text(alice.customer_number)).to_be_visible()
    expect(page.get_by_text("06 12 34 56 78").first).to_be_visible()
    page.locator(".data-kind-label").get_by_text("Vos factures et avoirs", exact=True).click()
    expect(page.get_by_text("Facture liner")).to_be_visible()


def test_client_corrects_the_phone_and_sees_a_french_error_first(page, live_server, alice) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/compte/login/?next=/espace-client/donnees-personnelles/")
    page.get_by_label("Adresse e-mail").fill("alice@client.test")
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    phone = page.get_by_label("Téléphone")
    phone.fill("12")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    expect(page.get_by_text("Saisissez un numéro de téléphone valide")).to_be_visible()
    page.get_by_label("Téléphone").fill("07 45 67 89 01")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    expect(page.get_by_text("Vos coordonnées ont été mises à jour.")).to_be_visible()
    alice.refresh_from_db()
    assert str(alice.phone) == "+33745678901"

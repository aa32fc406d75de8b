from __future__ import annotations

import pytest

from consent.models import ConsentRecord, ConsentState
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE = "/espace-client/donnees-personnelles/"


def test_the_switch_works_from_the_keyboard_without_reloading(page, live_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, live_server, "alice@client.test", PAGE)
    switch = page.get_by_role("switch", name="Offres et nouveautés par e-mail")
    expect(switch).to_have_attribute("aria-checked", "false")
    page.evaluate("window.__sameDocument = true")
    switch.focus()
    page.keyboard.press("Space")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(switch).to_contain_text("Activé")
    expect(page.locator("#purpose-marketing_email-status")).to_contain_text("Accordé le")
    expect(page.locator("#choix-annonce")).to_contain_text("vous recevrez")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    page.keyboard.press("Enter")
    expect(switch).to_have_attribute("aria-checked", "false")
    assert list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    assert ConsentState.objects.get(client=alice).granted is False


def test_the_switch_works_without_javascript(page_without_javascript, live_server, alice) -> None:
    from playwright.sync_api import expect

    page = page_without_javascript
    log_in(page, live_server, "alice@client.test", PAGE)
    page.get_by_role("switch", name="Offres et nouveautés par SMS").click()
    page.wait_for_url(f"**{PAGE}#choix")
    expect(page.get_by_role("switch", name="Offres et nouveautés par SMS")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_text("vous recevrez « Offres et nouveautés par SMS »")).to_be_visible()
    assert ConsentState.objects.get(client=alice).granted is True

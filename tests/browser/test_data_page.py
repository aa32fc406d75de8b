"""« Vos données personnelles » as a person sees it in a browser: a summary first, each kind
of data opened on demand with or without JavaScript, a page of a readable height, and the
detail, once opened, still within a phone's width."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
URL = "/espace-client/donnees-personnelles/"
# Before the summary, Alice's page was 9,220 px tall at 1280 px and 18,289 px at 390 px.
MAX_HEIGHT = {1280: 5600, 390: 11000}


def _log_in(page, base: str, email: str = "alice@client.test") -> None:
    page.goto(f"{base}/compte/login/?next={URL}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill("Piscine-Demo-2026")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"**{URL}")
    refuse = page.get_by_role("button", name="Tout refuser")
    if refuse.count():
        refuse.click()


@pytest.mark.parametrize("javascript", [True, False])
def test_each_kind_opens_on_demand(browser, live_server, javascript) -> None:
    from playwright.sync_api import expect

    from accounts.models import Client

    call_command("seed_demo", "--force", verbosity=0)
    number = Client.objects.get(email="alice@client.test").customer_number
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    _log_in(page, live_server.url)
    summary = page.locator("#resume")
    expect(summary.get_by_text("2 accords sur 4")).to_be_visible()
    expect(summary.get_by_text("1 demande en cours")).to_be_visible()
    # The kinds are closed: their rows are in the page but not shown.
    label = page.locator(".data-kind-label").get_by_text("Votre fiche client", exact=True)
    profile = page.locator("details.data-kind").filter(has=label)
    assert profile.get_attribute("open") is None
    expect(page.get_by_text(number)).to_be_hidden()
    expect(profile.locator("summary")).to_contain_text("1 fiche")
    expect(profile.locator("summary")).to_contain_text(
        "Conservation : 3 ans après la fin de la relation commerciale, puis anonymisation."
    )
    profile.locator("summary").click()
    expect(profile).to_have_attribute("open", "")
    expect(page.get_by_text(number)).to_be_visible()
    # The audit trail has a page of its own, one link away.
    page.get_by_role("link", name="Voir qui, quand et pourquoi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qui a consulté vos données")
    expect(page.get_by_role("heading", name="Ce que vous avez fait vous-même")).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_is_short_and_stays_within_the_screen_opened(browser, live_server, width) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    _log_in(page, live_server.url)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_HEIGHT[width], height
    kinds = page.locator("details.data-kind").count()
    assert kinds >= 12
    page.evaluate("document.querySelectorAll('details.data-kind').forEach(d => d.open = true)")
    opened = page.evaluate("document.documentElement.scrollHeight")
    assert opened > height + 1000  # the detail is there, behind each summary line
    scroll_width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner
    # Each summary line is a touch target of its own.
    sizes = page.eval_on_selector_all(
        "details.data-kind > summary", "nodes => nodes.map(n => n.getBoundingClientRect().height)"
    )
    assert min(sizes) >= 44
    context.close()

"""Every client page on a phone: at 390 px wide, no page a demo client can reach by its links
scrolls sideways, whoever is logged in."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# Downloads and the way out are not pages.
NOT_PAGES = re.compile(r"logout|pieces-jointes|/archives/|/documents/[0-9a-f-]{36}/$")


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill("Piscine-Demo-2026")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace-client/")


@pytest.mark.parametrize("email", ["alice@client.test", "bruno@client.test", "chantal@client.test"])
def test_no_client_page_scrolls_sideways_on_a_phone(browser, live_server, email) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, email)
    start = ["/espace-client/", "/espace-client/donnees-personnelles/", "/compte/sessions/"]
    seen: set[str] = set()
    queue = list(start)
    wide: list[tuple[str, int]] = []
    while queue and len(seen) < 40:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(base + url)
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            wide.append((url, width))
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0].split("?")[0]
            if href.startswith(("/espace-client/", "/compte/")) and not NOT_PAGES.search(href):
                queue.append(href)
    context.close()
    print(f"{email}: scrollWidth checked on {len(seen)} pages at 390 px")  # noqa: T201 (-s)
    assert len(seen) >= 15, seen
    assert wide == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_navigation_folds_into_a_menu_on_a_phone(
    browser, live_server, alice, javascript
) -> None:
    from tests.browser.conftest import log_in

    for width, folded in ((390, True), (1280, False)):
        context = browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": 844}, java_script_enabled=javascript
        )
        page = context.new_page()
        log_in(page, live_server, "alice@client.test")
        nav = page.locator(".main-nav")
        documents = nav.get_by_role("link", name="Documents", exact=True)
        menu = nav.get_by_text("Menu")
        header = page.evaluate("document.querySelector('.site-header').offsetHeight")
        if folded:
            assert not documents.is_visible()
            assert header <= 140, header  # the brand and one button, not four lines of links
            menu.click()
            assert documents.is_visible()
            documents.click()
            page.wait_for_url("**/espace-client/documents/")
        else:
            assert documents.is_visible()
            assert not menu.is_visible()
            assert header <= 90, header
        context.close()


LANDMARKS = """() => {
    const name = el => el.getAttribute('aria-label')
        || (el.getAttribute('aria-labelledby') || '').split(' ')
            .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    const role = el => el.getAttribute('role')
        || {NAV: 'navigation', MAIN: 'main', SECTION: 'region', ASIDE: 'complementary',
            HEADER: 'banner', FOOTER: 'contentinfo', FORM: 'form'}[el.tagName];
    return [...document.querySelectorAll(
        'nav, main, aside, [role=region], section[aria-label], section[aria-labelledby]'
    )].map(el => role(el) + ' | ' + name(el));
}"""


def test_every_landmark_of_the_data_page_has_a_name_of_its_own(page, live_server) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    _log_in(page, live_server.url, "alice@client.test")
    page.goto(f"{live_server.url}/espace-client/donnees-personnelles/")
    landmarks = page.evaluate(LANDMARKS)
    assert len(landmarks) > 5
    duplicates = {landmark for landmark in landmarks if landmarks.count(landmark) > 1}
    assert duplicates == set()

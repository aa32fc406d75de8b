"""Accessibility is tested, not hoped for: axe-core (the npm package pinned in
tests/browser/axe/, installed here at test time and injected into each page by the test,
never served by the portal) checks every public and client page a demo persona reaches by
its links. No serious or critical violation, and no landmark named like another.

With AXE_REPORT=<file>, the results per page are written there as JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
NOT_PAGES = re.compile(r"logout|pieces-jointes|/archives/|/documents/[0-9a-f-]{36}/$|\.(pdf|zip)$")
PUBLIC = ["/", "/confidentialite/", "/contact/", "/cookies/", "/compte/login/"]
CLIENT = ["/espace-client/", "/espace-client/donnees-personnelles/", "/compte/sessions/"]
# Rules that stop a person: what axe ranks serious or critical, and a landmark repeated.
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, as package-lock.json pins it."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("REQUIRE_BROWSER") == "1":
                pytest.fail("npm is needed to install axe-core (apt install npm)")
            pytest.skip("needs npm to install axe-core")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_JS.read_text()


def _check(page, axe_source: str) -> list[dict]:
    # Evaluated through the browser's debugging protocol: the page's content-security
    # policy, which allows no inline script, stays as it is.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    results = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(
            v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"""
    )
    return list(results)


def _crawl(page, base: str, start: list[str], axe_source: str) -> dict[str, list[dict]]:
    seen: dict[str, list[dict]] = {}
    queue = list(start)
    while queue and len(seen) < 40:
        url = queue.pop(0)
        if url in seen:
            continue
        response = page.goto(base + url)
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            seen[url] = []
            continue
        # Every kind of data opened, so that what is behind a summary line is checked too.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        seen[url] = _check(page, axe_source)
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0].split("?")[0]
            if href.startswith(("/espace-client/", "/compte/")) and not NOT_PAGES.search(href):
                queue.append(href)
    return seen


def _report(persona: str, results: dict[str, list[dict]]) -> None:
    target = os.environ.get("AXE_REPORT")
    if not target:
        return
    path = Path(target)
    report = json.loads(path.read_text()) if path.exists() else {}
    report[persona] = {
        url: [f"{v['id']} ({v['impact']})" for v in violations]
        for url, violations in results.items()
    }
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))


@pytest.mark.parametrize(
    "email", [None, "alice@client.test", "bruno@client.test", "chantal@client.test"]
)
def test_no_page_has_a_serious_or_critical_violation(browser, live_server, axe_source, email):
    call_command("seed_demo", "--force", verbosity=0)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = live_server.url
    start = PUBLIC
    if email is not None:
        page.goto(f"{base}/compte/login/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe", exact=False).fill("Piscine-Demo-2026")
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/espace-client/")
        start = CLIENT
    results = _crawl(page, base, start, axe_source)
    context.close()
    _report(email or "visiteur", results)
    assert len(results) >= (5 if email is None else 15), sorted(results)
    blocking = {
        url: [v for v in violations if v["impact"] in BLOCKING or v["id"] == "landmark-unique"]
        for url, violations in results.items()
    }
    assert {url: v for url, v in blocking.items() if v} == {}


def test_a_violation_is_found_when_there_is_one(page, live_server, axe_source) -> None:
    """The check itself can fail: an image without a text alternative is reported."""
    page.goto(f"{live_server.url}/contact/")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/static/favicon.svg';"
        " document.querySelector('main').appendChild(img); }"
    )
    ids = {v["id"] for v in _check(page, axe_source)}
    assert "image-alt" in ids


def test_pages_reached_from_an_email_have_no_serious_violation(
    browser, live_server, axe_source
) -> None:
    """The public pages no link of the portal leads to: those of the links in our emails,
    each as it first opens and once its button is pressed, and a link gone wrong."""
    from django.core import mail

    from accounts.models import Client
    from accounts.services import client_invite
    from consent.models import Purpose
    from consent.tokens import make_token
    from portal.audit import Actor
    from retention.services.warnings import keep_token
    from tests.factories import ClientFactory

    call_command("seed_demo", "--force", verbosity=0)
    alice = Client.objects.get(email="alice@client.test")
    newsletter = Purpose.objects.get(key="newsletter")
    emma = ClientFactory(user=None, email="emma@client.test")
    client_invite(client=emma, by=Actor.system())
    invitation = re.search(r"https?://[^/\s]+(/compte/invitation/[^/\s]+/)", mail.outbox[-1].body)
    assert invitation
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = live_server.url
    results: dict[str, list[dict]] = {}

    def check(label: str, url: str | None = None, press: str | None = None) -> None:
        if url is not None:
            page.goto(base + url)
        if press is not None:
            page.get_by_role("button", name=re.compile(press)).first.click()
            page.wait_for_load_state()
        results[label] = _check(page, axe_source)

    unsubscribe = f"/desinscription/{make_token(client_id=alice.pk, purpose_id=newsletter.pk)}/"
    check("désinscription", unsubscribe)
    check("désinscription faite", press="Confirmer la désinscription")
    check("conserver mes données", f"/conserver/{keep_token(alice)}/")
    check("données conservées", press="Oui, conservez-les")
    check("invitation", invitation.group(1))
    check("lien invalide", "/desinscription/abimé/")
    page.goto(base + "/contact/")
    page.get_by_role("button", name="Tout refuser").first.click()
    page.fill("input[name=first_name]", "Emma")
    page.fill("input[name=last_name]", "Roux")
    page.fill("input[name=email]", "emma.roux@client.test")
    page.fill("textarea[name=message]", "Bonjour, un devis pour une piscine coque.")
    page.check("input[name=purpose_newsletter]")
    check("demande de contact envoyée", press="Envoyer")
    confirmation = re.search(
        r"https?://[^/\s]+(/contact/confirmation/[^\s]+/)", mail.outbox[-1].body
    )
    assert confirmation, mail.outbox[-1].body
    check("confirmation de l'accord", confirmation.group(1))
    check("accord confirmé", press="Je confirme")
    context.close()
    _report("liens des e-mails", results)
    assert len(results) == 9
    blocking = {
        label: [v for v in violations if v["impact"] in BLOCKING or v["id"] == "landmark-unique"]
        for label, violations in results.items()
    }
    assert {label: v for label, v in blocking.items() if v} == {}

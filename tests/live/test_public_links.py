"""Links that reach the portal from an email or an SMS, and the public pages, called over real
HTTP: the one-click unsubscribe as a mail client posts it (RFC 8058), the keep link and the
contact confirmation as a person follows them, the public forms as a browser submits them."""

from __future__ import annotations

import re

import pytest
import requests
from django.core import mail
from django.utils import timezone

from accounts.models import Client
from consent.models import ConsentRecord, ConsentState, Purpose
from consent.tokens import make_token
from retention.services.warnings import keep_read, keep_token
from tests.consent.conftest import choose
from tests.consent.test_contact_form import FORM
from tests.live.conftest import form_token, submit


@pytest.fixture
def email_choice(alice) -> Purpose:
    purpose = Purpose.objects.get(key="marketing_email")
    choose(alice, purpose, True)
    return purpose


def test_a_mail_client_unsubscribes_in_one_post(portal, alice, email_choice) -> None:
    url = portal(f"/desinscription/{make_token(client_id=alice.pk, purpose_id=email_choice.pk)}/")
    # RFC 8058: a POST with this one form field, no cookie, no token, no redirect followed.
    response = requests.post(
        url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 200
    assert not ConsentState.objects.get(client=alice, purpose=email_choice).granted
    record = ConsentRecord.objects.filter(client=alice).latest("id")
    assert (record.method, record.proof) == ("unsubscribe_link", "rfc8058-one-click")
    # The mail client may post again: nothing more is recorded.
    requests.post(url, data="List-Unsubscribe=One-Click", timeout=10)
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == 1


def test_the_link_opened_in_a_browser_asks_first(portal, alice, email_choice) -> None:
    url = portal(f"/desinscription/{make_token(client_id=alice.pk, purpose_id=email_choice.pk)}/")
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert "Offres et nouveautés par e-mail" in page.text
    assert ConsentState.objects.get(
        client=alice, purpose=email_choice
    ).granted  # GET changes nothing
    assert requests.post(url, timeout=10).status_code == 200  # the page's button
    assert not ConsentState.objects.get(client=alice, purpose=email_choice).granted


@pytest.mark.parametrize(
    "token",
    ["1-1-éééé", "1-1-AAAAAAAAAAAAAAAA", "zz", "1-1", "%00", "1-" + "9" * 5000 + "-x"],
)
def test_a_mangled_link_is_a_french_404(portal, alice, email_choice, token) -> None:
    for method in (requests.get, requests.post):
        response = method(portal(f"/desinscription/{token}/"), timeout=10)
        if token == "%00":  # no address holds a NUL: refused before any view
            assert response.status_code == 400
            continue
        assert response.status_code == 404
        assert "lien" in response.text.lower()
    assert ConsentState.objects.get(client=alice, purpose=email_choice).granted


def test_the_keep_link_asks_then_keeps(portal, alice) -> None:
    Client.objects.filter(pk=alice.pk).update(last_contact_at=timezone.now().replace(year=2020))
    token = keep_token(alice)
    assert keep_read(token) is not None
    url = portal(f"/conserver/{token}/")
    with requests.Session() as browser:
        response = submit(browser, url)
    assert response.status_code == 200
    assert "conserv" in response.text.lower()
    alice.refresh_from_db()
    assert alice.last_contact_at.year == timezone.now().year
    # Without the page's token, a post from elsewhere is refused.
    assert requests.post(url, timeout=10).status_code == 403
    assert requests.get(portal("/conserver/pas-un-jeton/"), timeout=10).status_code == 404


def test_the_contact_form_then_its_confirmation_link(portal) -> None:
    form = {**FORM, "purpose_marketing_email": "on"}
    with requests.Session() as browser:
        sent = submit(browser, portal("/contact/"), form)
    assert sent.status_code == 200
    assert "votre demande est envoyée" in sent.text
    link = re.search(r"https?://[^/\s]+(/contact/confirmation/[^\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    prospect = Client.objects.get(email="emma@client.test")
    assert not ConsentRecord.objects.filter(client=prospect).exists()
    # The person opens the link from their mailbox: a new browser, no cookie yet.
    with requests.Session() as browser:
        confirmed = submit(browser, portal(link.group(1)))
    assert confirmed.status_code == 200
    assert ConsentRecord.objects.filter(client=prospect, granted=True).count() == 1
    assert requests.get(portal("/contact/confirmation/forged/"), timeout=10).status_code == 404


def test_a_form_posted_without_its_token_is_refused(portal) -> None:
    response = requests.post(portal("/contact/"), data={"email": "x@example.org"}, timeout=10)
    assert response.status_code == 403
    assert not Client.objects.exists()


def test_cookie_choices_from_the_banner(portal) -> None:
    with requests.Session() as browser:
        response = submit(browser, portal("/cookies/"), {"action": "refuse_all", "next": "/"})
        assert response.status_code == 302
        assert any(cookie.name.startswith("cookie") for cookie in browser.cookies) or (
            "cookie" in response.headers.get("Set-Cookie", "").lower()
        )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/confidentialite/",
        "/contact/",
        "/cookies/",
        "/compte/login/",
        "/compte/password/reset/",
    ],
)
def test_public_pages_answer_in_french(portal, path) -> None:
    response = requests.get(portal(path), timeout=10)
    assert response.status_code == 200
    assert '<html lang="fr"' in response.text


def test_the_health_check(portal, settings) -> None:
    from unittest import mock

    from portal.jobs import HEARTBEAT
    from portal.models import JobRun

    if settings.REDIS_URL:  # production-like: beat's heartbeat and a worker are checked too
        silent = requests.get(portal("/sante/"), timeout=10)
        assert silent.status_code == 503
        assert silent.json()["beat"] == "error"
        JobRun.objects.create(job=HEARTBEAT, started_at=timezone.now(), ok=True)
    with mock.patch("portal.jobs.worker_alive", return_value=True):
        response = requests.get(portal("/sante/"), timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert requests.head(portal("/sante/web/"), timeout=10).status_code == 200


def test_an_invitation_link_sets_a_password(portal, carol) -> None:
    from accounts.services import client_invite
    from portal.audit import Actor
    from tests.factories import ClientFactory

    prospect = ClientFactory(user=None, email="emma@client.test")
    client_invite(client=prospect, by=Actor(user=carol))
    link = re.search(r"https?://[^/\s]+(/compte/invitation/[^/\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    password = "Un-Autre-Mot-De-Passe-2026"
    with requests.Session() as browser:
        response = submit(
            browser, portal(link.group(1)), {"password1": password, "password2": password}
        )
        assert response.status_code == 302
        assert browser.get(portal("/espace-client/"), timeout=10).status_code == 200
    assert requests.get(portal(link.group(1)), timeout=10).status_code in (404, 410)


def test_a_client_logs_in_and_asks_for_a_new_password(portal, alice) -> None:
    from tests.factories import PASSWORD

    with requests.Session() as browser:
        response = submit(
            browser, portal("/compte/login/"), {"login": "alice@client.test", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/espace-client/"
        assert browser.get(portal("/espace-client/"), timeout=10).status_code == 200
    with requests.Session() as browser:
        response = submit(
            browser, portal("/compte/password/reset/"), {"email": "alice@client.test"}
        )
        assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/compte/password/reset/key/[^\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    # The link opened from the mailbox, in a new browser.
    with requests.Session() as browser:
        page = browser.get(portal(link.group(1)), timeout=10)
        assert page.status_code == 200
        assert "mot de passe" in page.text.lower()


def test_the_language_switch_of_every_page(portal) -> None:
    with requests.Session() as browser:
        page = browser.get(portal("/contact/"), timeout=10)
        response = browser.post(
            portal("/i18n/setlang/"),
            data={"csrfmiddlewaretoken": form_token(page.text), "language": "en", "next": "/"},
            headers={"Origin": portal.url, "Referer": portal("/contact/")},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302
        assert '<html lang="en"' in browser.get(portal("/"), timeout=10).text


def test_an_address_is_confirmed_from_the_link_in_its_email(portal, alice) -> None:
    from allauth.account.models import EmailAddress

    from tests.factories import PASSWORD

    EmailAddress.objects.filter(user=alice.user).update(verified=False)
    with requests.Session() as browser:
        submit(browser, portal("/compte/login/"), {"login": alice.email, "password": PASSWORD})
    link = re.search(r"https?://[^/\s]+(/compte/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    with requests.Session() as browser:  # opened from the mailbox
        response = submit(browser, portal(link.group(1)))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=alice.user).verified


def test_a_one_click_sent_many_times_at_once_withdraws_once(portal, alice, email_choice) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = portal(f"/desinscription/{make_token(client_id=alice.pk, purpose_id=email_choice.pk)}/")

    def one_click(_n: int) -> int:
        return requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(one_click, range(8))) == {200}
    assert ConsentRecord.objects.filter(client=alice, granted=False).count() == 1


def test_a_link_checker_may_ask_for_the_headers(portal, alice, email_choice) -> None:
    url = portal(f"/desinscription/{make_token(client_id=alice.pk, purpose_id=email_choice.pk)}/")
    assert requests.head(url, timeout=10).status_code == 200
    assert ConsentState.objects.get(client=alice, purpose=email_choice).granted


@pytest.mark.parametrize("spelling", ["0{c}-{p}", "+{c}-{p}", " {c}-{p}", "{c}-0{p}"])
def test_a_link_has_one_spelling(portal, alice, email_choice, spelling) -> None:
    token = make_token(client_id=alice.pk, purpose_id=email_choice.pk)
    client_part, purpose_part, signature = token.split("-", 2)
    other = spelling.format(c=client_part, p=purpose_part) + "-" + signature
    assert requests.post(portal(f"/desinscription/{other}/"), timeout=10).status_code == 404


def test_a_nul_in_a_cookie_is_a_400(portal) -> None:
    response = requests.get(
        portal("/espace-client/"), headers={"Cookie": 'sessionid="\\000aaaaaaaa"'}, timeout=10
    )
    assert response.status_code == 400

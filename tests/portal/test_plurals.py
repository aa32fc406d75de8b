"""Counts and periods take the plural the language wants: "1 an", "1 jour restant",
"1 ligne serait traitée", never "1 ans" or "1 ligne(s)". Every admin page a DPO reaches from
the index, and every client page, is read with counts of one set up where they show."""

from __future__ import annotations

import datetime as dt
import html
import re
from io import StringIO

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Client
from dsar.models import DataRequest
from retention.models import RetentionRule
from tests.conftest import logged_in
from tests.factories import UserFactory

# A count of one followed by a plural noun or participle ("1 ans", "1 jours restants").
# The words French writes the same in both numbers are left out.
WRONG = re.compile(
    r"(?<![\d,.])\b1 (?!mois\b|fois\b|choix\b|rendez-vous\b|pas\b|accès\b|avis\b)"
    r"[a-zàâçéèêëîïôûù-]+s\b"
)
SHORTHAND = re.compile(r"\w\((s|es|x)\)")


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _mistakes(text: str) -> list[str]:
    return WRONG.findall(text) + SHORTHAND.findall(text)


@pytest.fixture
def ones(db) -> None:
    """The demo, with a one wherever the admin and the client area show a count."""
    call_command("seed_demo", "--force", verbosity=0)
    RetentionRule.objects.filter(data_kind="accounts.sessions").update(duration=1, unit="years")
    RetentionRule.objects.filter(data_kind="dsar.archives").update(duration=1, unit="days")
    request = DataRequest.objects.first()
    assert request is not None
    DataRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() + dt.timedelta(days=1))


def test_no_admin_page_writes_a_singular_with_a_plural(ones) -> None:
    owner = UserFactory(email="proprietaire@entreprise.test", is_staff=True, is_superuser=True)
    TOTP.activate(owner, generate_totp_secret())
    http = logged_in(owner)
    links = [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]
    assert len(links) >= 15
    found = {}
    for link in ["/admin/", *links]:
        response = http.get(link)
        assert response.status_code == 200, link
        if mistakes := _mistakes(_text(response.content.decode())):
            found[link] = mistakes
    assert found == {}
    # The inbox says how many days are left, in the right number.
    inbox = _text(http.get("/admin/dsar/datarequest/").content.decode())
    assert "1 jour restant" in inbox or "0 jour restant" in inbox


def test_no_client_page_writes_a_singular_with_a_plural(ones) -> None:
    for email in ("alice@client.test", "bruno@client.test", "chantal@client.test"):
        http = logged_in(Client.objects.get(email=email).user)
        for url in (
            "/espace-client/",
            "/espace-client/donnees-personnelles/",
            "/espace-client/donnees-personnelles/consultations/",
            "/confidentialite/",
        ):
            text = _text(http.get(url).content.decode())
            assert _mistakes(text) == [], (email, url)
    policy = _text(
        logged_in(Client.objects.get(email="alice@client.test").user)
        .get("/confidentialite/")
        .content.decode()
    )
    assert re.search(r"\b1 an\b", policy)
    assert re.search(r"\b1 jour\b", policy)


def test_commands_count_in_words(ones) -> None:
    out = StringIO()
    call_command("purge_retention", "--dry-run", stdout=out)
    assert not _mistakes(out.getvalue()), out.getvalue()
    out = StringIO()
    call_command("apply_preset", "piscine", stdout=out)
    assert not _mistakes(out.getvalue()), out.getvalue()
    assert "(s)" not in out.getvalue()

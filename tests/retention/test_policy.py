from __future__ import annotations

import html
import re

import pytest

from retention.models import RetentionRule
from retention.presets import preset_apply

pytestmark = pytest.mark.django_db


def test_the_policy_is_generated_from_the_register_and_the_rules(client) -> None:
    preset_apply("piscine")
    page = html.unescape(client.get("/confidentialite/").content.decode())
    assert "Dernière modification" in page
    prospects = RetentionRule.objects.get(
        preset="piscine", data_kind="accounts.client_profile", event="last_contact"
    )
    assert prospects.label in page
    assert "3 ans" in page
    assert "Factures et avoirs" in page
    for section in (
        "Qui sommes-nous",
        "Base légale",
        "Qui les reçoit",
        "Combien de temps",
        "Vos droits",
        "CNIL",
        "Cookies",
    ):
        assert section in page
    assert "/espace-client/donnees-personnelles/" in page


def test_a_changed_rule_changes_the_policy_and_its_date(client) -> None:
    preset_apply("toiture")
    rule = RetentionRule.objects.filter(preset="toiture", data_kind="consent.cookies").first()
    rule.duration = 6
    rule.save()
    page = html.unescape(client.get("/confidentialite/").content.decode())
    assert f"<td>{rule.label}</td><td>6 mois</td>" in page


def test_without_a_register_the_map_speaks(client) -> None:
    page = html.unescape(client.get("/confidentialite/").content.decode())
    assert "votre fiche client" in page  # the map's labels, in a sentence


def test_periods_take_the_plural_the_language_wants(client) -> None:
    from django.utils import translation

    from retention.models import period_text

    preset_apply("piscine")
    page = html.unescape(client.get("/confidentialite/").content.decode())
    assert re.search(r"\b1 an\b", page)
    assert not re.search(r"\b1 ans\b", page)
    assert (period_text(1, "years"), period_text(3, "years"), period_text(1, "days")) == (
        "1 an",
        "3 ans",
        "1 jour",
    )
    with translation.override("en"):
        assert (period_text(1, "years"), period_text(6, "months")) == ("1 year", "6 months")

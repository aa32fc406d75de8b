from __future__ import annotations

import pytest
from django.core.management import call_command

from retention.models import ProcessingActivity, RetentionRule
from retention.presets import PRESETS, load, preset_apply

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_loads_and_every_applied_rule_fits_the_map(name) -> None:
    report = preset_apply(name)
    raw = load(name)  # the sector's file, plus the rules every business shares
    assert report.created == len(raw["activities"]) + len(raw["rules"])
    rules = RetentionRule.objects.filter(preset=name)
    assert rules.count() == len(raw["rules"])
    for rule in rules.filter(enabled=True):
        rule.full_clean()  # the applied rules are valid: event, action, legal maxima
    for index, source in enumerate(raw["rules"]):
        rule = rules.get(preset_key=f"{name}:{index}")
        if source.get("corrected"):
            assert source["correction"] in rule.notes  # the correction is stated
        elif source["data_kind"] != "accounts.invoices":
            assert (rule.duration, rule.unit) == (source["duration"], source["unit"])


def test_the_seeds_breaches_are_corrected() -> None:
    for name in PRESETS:
        preset_apply(name)
    # PACTE Piscines kept prospection data 10 years: 3 years, prospects only.
    prospects = RetentionRule.objects.get(
        preset="piscine", data_kind="accounts.client_profile", event="last_contact"
    )
    assert (prospects.duration, prospects.unit, prospects.client_status) == (3, "years", "prospect")
    assert "10 ans" in prospects.notes
    # Ou Serrurier kept customer data 5 years after the last order: 3 years.
    locksmith = RetentionRule.objects.filter(
        preset="serrurerie", data_kind="accounts.client_profile"
    )
    assert all(rule.months <= 36 for rule in locksmith)
    # Identity documents: only on recorded doubt, deleted at the request's closure.
    for rule in RetentionRule.objects.filter(data_kind="dsar.identity_documents"):
        assert (rule.duration, rule.event, rule.action) == (0, "request_closure", "delete")
    # Invoices: 10 years from the close of the financial year, 11 from the invoice date.
    assert set(
        RetentionRule.objects.filter(data_kind="accounts.invoices").values_list(
            "duration", flat=True
        )
    ) == {11}
    # Informatique 70's own periods, within the law, stay as written (calls 60 days).
    assert RetentionRule.objects.filter(preset="informatique", duration=60, unit="days").exists()


def test_applying_again_changes_nothing_and_keeps_the_business_edits(capsys) -> None:
    preset_apply("serrurerie")
    again = preset_apply("serrurerie")
    assert (again.created, again.updated) == (0, 0)
    rule = RetentionRule.objects.filter(preset="serrurerie", data_kind="consent.cookies").first()
    rule.duration = 6
    rule.save()
    kept = preset_apply("serrurerie")
    assert kept.kept_edits
    rule.refresh_from_db()
    assert rule.duration == 6
    call_command("apply_preset", "serrurerie", "--force")
    rule.refresh_from_db()
    assert rule.duration == 13
    assert "Ou Serrurier" in capsys.readouterr().out


def test_the_register_names_each_activity_once_per_preset() -> None:
    preset_apply("piscine")
    preset_apply("informatique")
    keys = list(ProcessingActivity.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert all(k.startswith(("piscine-", "informatique-")) for k in keys)

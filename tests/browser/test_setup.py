"""« Mise en route » as an owner meets it: the checklist on the admin's index, a sector's
preset chosen, previewed and applied from there, and the step then done."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.roles import OWNER_GROUP, roles_ensure
from retention.models import RetentionRule
from tests.browser.conftest import staff_log_in
from tests.conftest import _staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_applies_a_preset_from_the_checklist(page, live_server) -> None:
    from playwright.sync_api import expect

    roles_ensure()
    owner = _staff("proprietaire@entreprise.test", group=Group.objects.get(name=OWNER_GROUP))
    staff_log_in(page, live_server, owner)
    steps = page.locator(".setup-steps li")
    expect(steps).to_have_count(5)
    preset_step = steps.filter(has_text="Le modèle de votre secteur")
    expect(preset_step.locator(".setup-state")).to_have_text("À faire")
    preset_step.get_by_role("link", name="Choisir").click()
    page.get_by_label("Serrurerie et dépannage").check()
    page.get_by_role("button", name="Voir ce qu'il ajoute").click()
    expect(page.get_by_role("heading", name="Durées de conservation")).to_be_visible()
    # Periods as people read them, not the register's units.
    expect(page.locator("#content table")).to_contain_text("3 ans")
    assert not page.locator("#content table").get_by_text("years").count()
    assert not RetentionRule.objects.exists()
    page.get_by_role("button", name="Appliquer ce modèle").click()
    expect(page.locator(".messagelist")).to_contain_text("appliqué")
    done = page.locator(".setup-steps li").filter(has_text="Le modèle de votre secteur")
    expect(done.locator(".setup-state")).to_have_text("Fait")
    assert RetentionRule.objects.filter(preset="serrurerie").exists()

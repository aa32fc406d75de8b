from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Client
from retention.models import RetentionRule
from retention.presets import preset_apply
from retention.services.purge import purge_run
from tests.browser.conftest import staff_log_in
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_privacy_policy_from_the_footer(page, live_server) -> None:
    from playwright.sync_api import expect

    preset_apply("piscine")
    prospects = RetentionRule.objects.get(
        preset="piscine", data_kind="accounts.client_profile", event="last_contact"
    )
    page.goto(f"{live_server.url}/contact/")
    page.get_by_role("link", name="Confidentialité", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/confidentialite/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Dernière modification")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=prospects.label)
    expect(row.first).to_contain_text("3 ans")
    page.get_by_role("link", name="Vos données personnelles").first.click()
    expect(page).to_have_url(re.compile(r"/compte/login/\?next=/espace-client/"))


def test_a_warned_prospect_keeps_their_data_from_the_email(page, live_server) -> None:
    from playwright.sync_api import expect

    preset_apply("piscine")
    # Contacted 3 years less 10 days ago: reached by the rule within 30 days, so warned now.
    last_contact = timezone.now() - dt.timedelta(days=3 * 365 - 10)
    prospect = ClientFactory(
        user=None, status="prospect", email="p@client.test", last_contact_at=last_contact
    )
    run = purge_run()
    assert any(count["warned"] == 1 for count in run.counts.values())
    (warning,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/conserver/\S+/)", warning.body).group(1)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Oui, conservez-les").click()
    expect(page.get_by_role("heading", name="Merci, c'est noté")).to_be_visible()
    prospect.refresh_from_db()
    assert prospect.last_contact_at > timezone.now() - dt.timedelta(minutes=5)
    assert prospect.retention_warned_at is None
    assert purge_run().total == 0


def test_staff_read_the_purge_history_and_its_chart(page, live_server, dana) -> None:
    from playwright.sync_api import expect

    preset_apply("piscine")
    old = timezone.now() - dt.timedelta(days=4 * 365)
    for _ in range(3):
        ClientFactory(user=None, status="prospect", email="", last_contact_at=old)
    run = purge_run()
    assert run.total == 3
    staff_log_in(page, live_server, dana)
    page.goto(f"{live_server.url}/admin/retention/purgerun/")
    chart = page.get_by_role("img", name="Lignes purgées lors des dernières purges")
    expect(chart).to_be_visible()
    page.locator("#result_list tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(str(run))
    table = page.get_by_role("table").filter(has_text="Règle")
    prospects = RetentionRule.objects.get(
        preset="piscine", data_kind="accounts.client_profile", event="last_contact"
    )
    row = table.get_by_role("row").filter(has_text=prospects.label)
    expect(row.get_by_role("cell").nth(3)).to_have_text("3")
    assert Client.objects.filter(last_name="Client effacé").count() == 3

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Client, Document, User
from portal.audit import audit_chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings) -> None:
    settings.DEBUG = True  # the demo is refused in production


def test_seed_demo_prints_the_logins_and_is_harmless_twice(capsys) -> None:
    call_command("seed_demo")
    out = capsys.readouterr().out
    for email in (
        "gerant@entreprise.test",
        "equipe@entreprise.test",
        "dpo@entreprise.test",
        "alice@client.test",
        "bruno@client.test",
        "chantal@client.test",
    ):
        assert email in out
    counts = (User.objects.count(), Client.objects.count(), Document.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Client.objects.count(), Document.objects.count()) == counts
    assert counts == (6, 3, 6)
    from consent.models import ConsentRecord, Suppression

    records = ConsentRecord.objects.count()
    call_command("seed_demo")
    assert ConsentRecord.objects.count() == records == 7
    assert Suppression.objects.filter(reason="withdrawal_all").count() == 2
    from dsar.models import DataRequest

    assert DataRequest.objects.count() == 5
    assert DataRequest.objects.filter(status="done").count() == 1
    assert DataRequest.objects.filter(identity="doubt").count() == 1
    assert audit_chain_verify().ok


def test_demo_has_a_loyal_client_a_prospect_and_a_former_client() -> None:
    call_command("seed_demo")
    alice = Client.objects.get(email="alice@client.test")
    assert alice.has_valid_loyalty_card()
    assert Client.objects.get(email="bruno@client.test").status == Client.Status.PROSPECT
    assert Client.objects.get(email="chantal@client.test").status == Client.Status.FORMER
    assert all(client.documents.exists() for client in Client.objects.all())
    assert User.objects.get(email="dpo@entreprise.test").is_staff


def test_demo_logins_work(browser_client) -> None:
    client = browser_client
    call_command("seed_demo")
    response = client.post(
        "/compte/login/", {"login": "alice@client.test", "password": "Piscine-Demo-2026"}
    )
    assert response["Location"] == "/espace-client/"


def test_seed_demo_refuses_production(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


def test_the_demo_tells_the_whole_story(django_capture_on_commit_callbacks) -> None:
    """Every page has something to show: the dashboard's figures, a sent alert with its
    results, nights of purges, an identity doubt, directives, a legal hold."""
    from dsar import dashboard
    from dsar.models import PostMortemDirective
    from messaging.models import Campaign
    from retention.models import LegalHold, PurgeRun

    with django_capture_on_commit_callbacks(execute=True):  # the alert leaves on commit
        call_command("seed_demo")
    figures = dashboard.figures()
    assert figures["closed_count"] == 1
    assert figures["on_time_share"] == 100
    alert = Campaign.objects.get()
    assert alert.status == Campaign.Status.SENT
    assert alert.recipients >= 1
    assert PurgeRun.objects.filter(dry_run=False).count() >= 5
    assert PostMortemDirective.objects.filter(client__email="alice@client.test").exists()
    assert LegalHold.objects.filter(client__email="chantal@client.test").exists()
    counts = (Campaign.objects.count(), PurgeRun.objects.count(), LegalHold.objects.count())
    call_command("seed_demo")
    assert (Campaign.objects.count(), PurgeRun.objects.count(), LegalHold.objects.count()) == counts

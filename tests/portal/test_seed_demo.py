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

    assert DataRequest.objects.count() == 3
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

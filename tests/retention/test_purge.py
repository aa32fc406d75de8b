from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Client, Document
from consent.models import ConsentRecord, Purpose
from consent.services import Proof, consent_set
from dsar.models import DataRequest, Kind
from portal.audit import Actor
from portal.dates import add_months
from portal.db import process_lock
from portal.personal_data import registry
from retention.models import LegalHold, ProcessingActivity, PurgeRun, RetentionRule
from retention.services.purge import purge_run
from tests.factories import ClientFactory, DocumentFactory


@pytest.fixture
def activity(db) -> ProcessingActivity:
    return ProcessingActivity.objects.create(
        key="clients",
        name="Gestion des clients",
        purposes="Relation client",
        legal_basis="b",
        persons="Clients et prospects",
        data_categories="Identité, coordonnées",
    )


def _rule(activity, **kwargs) -> RetentionRule:
    defaults = {
        "data_kind": "accounts.client_profile",
        "label": "Prospects",
        "duration": 3,
        "unit": "years",
        "event": "last_contact",
        "action": "anonymise",
        "legal_reference": "CNIL, 3 ans",
    }
    rule = RetentionRule(activity=activity, **{**defaults, **kwargs})
    rule.full_clean()
    rule.save()
    return rule


def _prospect(last_contact: dt.datetime, warned_days_ago: int | None = 40) -> Client:
    """A prospect, by default warned long enough ago for the purge to take them."""
    warned = (
        timezone.now() - dt.timedelta(days=warned_days_ago) if warned_days_ago is not None else None
    )
    return ClientFactory(
        user=None,
        status="prospect",
        last_contact_at=last_contact,
        email="p@client.test",
        retention_warned_at=warned,
    )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def test_the_cutoff_falls_at_the_day_boundary(activity) -> None:
    _rule(activity)
    cutoff_day = add_months(timezone.localdate(), -36)
    kept = _prospect(_midnight(cutoff_day))  # on the cutoff day: kept until next night
    gone = _prospect(_midnight(cutoff_day) - dt.timedelta(seconds=1))
    run = purge_run()
    assert run.total == 1
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.email == "p@client.test"
    assert (gone.email, gone.last_name) == ("", "Client effacé")


def test_holds_restrictions_and_open_requests_are_spared(activity) -> None:
    _rule(activity)
    old = timezone.now() - dt.timedelta(days=4 * 365)
    held, restricted, asking, plain = (_prospect(old) for _ in range(4))
    LegalHold.objects.create(
        client=held, reason="unpaid", legal_reference="Facture impayée", starts_on="2020-01-01"
    )
    Client.objects.filter(pk=restricted.pk).update(is_restricted=True)
    from dsar.services.requests import request_create
    from portal.audit import Actor

    request_create(kind=Kind.ACCESS, channel="letter", client=asking, by=Actor())
    run = purge_run()
    assert run.total == 1
    survivors = Client.objects.exclude(last_name="Client effacé")
    assert set(survivors.values_list("pk", flat=True)) >= {held.pk, restricted.pk, asking.pk}
    plain.refresh_from_db()
    assert plain.last_name == "Client effacé"


def test_an_anonymised_prospect_keeps_the_proof_of_their_choices_without_identity(
    activity,
) -> None:
    _rule(activity)
    old = timezone.now() - dt.timedelta(days=4 * 365)
    gone, kept = _prospect(old), _prospect(timezone.now())
    purpose = Purpose.objects.get(key="marketing_email")
    for client in (gone, kept):
        consent_set(
            client=client,
            purpose=purpose,
            granted=True,
            proof=Proof(method="portal", user_agent="Firefox"),
            by=Actor(ip="203.0.113.7"),
        )
    assert purge_run().total == 1
    record = ConsentRecord.objects.get(client=gone)
    assert (record.granted, record.method, record.ip, record.user_agent) == (
        True,
        "portal",
        None,
        "",
    )
    assert record.scrubbed_at is not None
    untouched = ConsentRecord.objects.get(client=kept)
    assert (untouched.user_agent, untouched.ip) == ("Firefox", "203.0.113.0")


def test_an_open_request_from_someone_not_on_file_spares_nobody(activity) -> None:
    # A request without a client must not put a NULL among the spared clients: NOT IN with a
    # NULL matches nothing, and the purge would silently stop purging anyone.
    _rule(activity)
    old = timezone.now() - dt.timedelta(days=4 * 365)
    prospect = _prospect(old)
    from dsar.services.requests import request_create
    from portal.audit import Actor

    request_create(kind=Kind.ACCESS, channel="letter", by=Actor(), requester_email="x@y.test")
    assert DataRequest.objects.filter(client__isnull=True).exists()
    assert purge_run().total == 1
    prospect.refresh_from_db()
    assert prospect.last_name == "Client effacé"


def test_a_dry_run_counts_and_changes_nothing(activity) -> None:
    _rule(activity)
    old = timezone.now() - dt.timedelta(days=4 * 365)
    prospects = [_prospect(old) for _ in range(3)]
    dry = purge_run(dry_run=True)
    assert dry.total == 3
    assert all(Client.objects.get(pk=p.pk).email == "p@client.test" for p in prospects)
    real = purge_run()
    assert real.total == dry.total


def test_an_interrupted_run_resumed_ends_as_an_uninterrupted_one(activity, monkeypatch) -> None:
    _rule(activity)
    old = timezone.now() - dt.timedelta(days=4 * 365)
    prospects = [_prospect(old) for _ in range(7)]
    declaration = registry.get("accounts.client_profile")
    original = type(declaration).apply_action
    calls = {"n": 0}

    def flaky(self, qs, action):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("coupure")
        return original(self, qs, action)

    monkeypatch.setattr(type(declaration), "apply_action", flaky)
    cut = purge_run(batch_size=3)
    assert cut.status == PurgeRun.Status.FAILED
    assert cut.total == 3  # the first batch, committed before the cut
    assert "coupure" in cut.counts[next(iter(cut.counts))]["error"]
    monkeypatch.setattr(type(declaration), "apply_action", original)
    resumed = purge_run(batch_size=3)
    assert resumed.total == 4  # the 3 done before the cut are not taken again
    assert (
        not Client.objects.filter(pk__in=[p.pk for p in prospects])
        .exclude(last_name="Client effacé")
        .exists()
    )
    assert purge_run(batch_size=3).total == 0


def test_a_second_purge_does_not_run_while_one_holds_the_lock(activity) -> None:
    _rule(activity)
    with process_lock("retention.purge") as held:
        assert held
        assert purge_run() is None
        with pytest.raises(Exception, match="Une autre purge est en cours"):
            call_command("purge_retention")
    # Released with the block: the next run goes ahead at once.
    assert purge_run() is not None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_purges_do_not_both_run() -> None:
    activity = ProcessingActivity.objects.create(
        key="c", name="Clients", purposes="x", legal_basis="b", persons="x", data_categories="x"
    )
    _rule(activity)
    for _ in range(5):
        _prospect(timezone.now() - dt.timedelta(days=4 * 365))

    def run(_n: int):
        try:
            result = purge_run(batch_size=1)
            return result.pk if result else None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    finished = [r for r in results if r is not None]
    assert len(finished) >= 1
    assert sum(PurgeRun.objects.get(pk=pk).total for pk in finished) == 5


def test_statements_grow_with_batches_not_rows(activity) -> None:
    _rule(
        activity,
        data_kind="accounts.documents",
        event="document_date",
        action="delete",
        label="Devis",
        duration=1,
    )
    client = ClientFactory()
    for _ in range(10):
        DocumentFactory(client=client, issued_on=timezone.localdate() - dt.timedelta(days=800))
    few = purge_run(batch_size=100, dry_run=True)
    for _ in range(40):
        DocumentFactory(client=client, issued_on=timezone.localdate() - dt.timedelta(days=800))
    many = purge_run(batch_size=100, dry_run=True)
    assert (few.total, many.total) == (10, 50)
    assert many.statements == few.statements
    small = purge_run(batch_size=20, dry_run=True)
    assert small.counts[next(iter(small.counts))]["batches"] == 3
    assert many.counts[next(iter(many.counts))]["batches"] == 1
    assert small.statements > many.statements
    run = purge_run(batch_size=20)
    assert run.total == 50
    assert not Document.objects.filter(kind="quote").exists()


def test_a_rule_beyond_the_legal_maximum_needs_a_justification(activity) -> None:
    with pytest.raises(ValidationError, match="maximum recommandé"):
        _rule(activity, duration=10)
    rule = _rule(activity, duration=10, justification="Contrat d'entretien sur 10 ans")
    assert rule.pk


def test_a_rule_must_fit_its_data(activity) -> None:
    with pytest.raises(ValidationError, match="ne se comptent"):
        _rule(activity, event="document_date")
    with pytest.raises(ValidationError, match="n'existe pas"):
        _rule(activity, data_kind="nothing.here")


def test_the_command_reports_the_counts_in_french(activity, capsys) -> None:
    _rule(activity)
    _prospect(timezone.now() - dt.timedelta(days=4 * 365))
    call_command("purge_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "1 ligne serait traitée" in out
    assert Client.objects.exclude(last_name="Client effacé").count() == 1

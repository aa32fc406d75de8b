"""What the purge must never do: leave a way back to a purged person, purge without a fresh
warning, keep someone forever for want of a date, delete invoices early or keep them forever,
warn twice, or let one bad rule stop the others."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import Client, Document, User
from accounts.services import client_create
from portal.audit import Actor
from retention.models import PurgeRun, RetentionRule
from retention.presets import preset_apply
from retention.services import purge as purge_module
from retention.services.purge import purge_run
from tests.factories import ClientFactory, DocumentFactory
from tests.retention.test_purge import _rule, activity  # noqa: F401

FOUR_YEARS_AGO = dt.timedelta(days=4 * 365)


def _former_client_rule(activity) -> RetentionRule:  # noqa: F811
    return _rule(
        activity,
        label="Anciens clients",
        event="relationship_end",
        client_status="",
        legal_reference="Prescription, 3 ans",
    )


def test_an_anonymised_client_can_no_longer_sign_in(activity) -> None:  # noqa: F811
    _former_client_rule(activity)
    former = ClientFactory(
        status="former", relationship_ended_on=timezone.localdate() - FOUR_YEARS_AGO
    )
    user = former.user
    assert EmailAddress.objects.filter(user=user).exists()
    assert purge_run().total == 1
    user.refresh_from_db()
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email.endswith("@invalid.example")
    assert not EmailAddress.objects.filter(user=user).exists()
    former.refresh_from_db()
    assert former.anonymised_at is not None


def test_a_stale_warning_does_not_count(activity) -> None:  # noqa: F811
    _rule(activity)
    # Warned two years ago, then back in touch, then silent again for four years: the old
    # warning says nothing about this silence.
    prospect = ClientFactory(
        user=None,
        status="prospect",
        email="p@client.test",
        last_contact_at=timezone.now() - FOUR_YEARS_AGO,
        retention_warned_at=timezone.now() - FOUR_YEARS_AGO - dt.timedelta(days=60),
    )
    run = purge_run()
    assert run.total == 0
    assert len(mail.outbox) == 1
    # A warning older than 90 days no longer counts either (the purge was held back).
    Client.objects.filter(pk=prospect.pk).update(
        retention_warned_at=timezone.now() - dt.timedelta(days=120)
    )
    assert purge_run().total == 0
    assert len(mail.outbox) == 2


def test_the_warning_gives_the_real_date_of_the_purge(activity) -> None:  # noqa: F811
    _rule(activity)
    ClientFactory(
        user=None,
        status="prospect",
        email="p@client.test",
        last_contact_at=timezone.now() - FOUR_YEARS_AGO,
    )
    purge_run()
    day = timezone.localdate() + dt.timedelta(days=30)
    (warning,) = mail.outbox
    with translation.override("fr"):
        assert f"vos coordonnées le {date_format(day, 'DATE_FORMAT')}" in warning.body


def test_a_prospect_with_no_recorded_contact_counts_from_collection(activity) -> None:  # noqa: F811
    _rule(activity)
    collected = timezone.now() - FOUR_YEARS_AGO
    prospect = client_create(
        data={
            "last_name": "Ancien",
            "status": "prospect",
            "collected_at": collected,
            "email": "",
        },
        by=Actor.system(),
    )
    assert prospect.last_contact_at == collected
    assert purge_run().total == 1


@pytest.mark.parametrize(
    ("duration", "unit"), [(2, "years"), (10, "years"), (120, "months"), (3650, "days")]
)
def test_invoices_cannot_be_deleted_before_the_law_allows(
    activity,  # noqa: F811
    duration,
    unit,
) -> None:
    with pytest.raises(ValidationError, match="au moins 132 mois"):
        _rule(
            activity,
            data_kind="accounts.invoices",
            event="document_date",
            action="delete",
            duration=duration,
            unit=unit,
        )
    archive = _rule(
        activity,
        data_kind="accounts.invoices",
        event="document_date",
        action="archive",
        duration=duration,
        unit=unit,
    )
    assert archive.pk


def test_every_preset_deletes_invoices_after_eleven_years_archived_or_not(db) -> None:
    for name in ("piscine", "conciergerie", "informatique", "toiture", "serrurerie"):
        preset_apply(name)
    invoice_rules = RetentionRule.objects.filter(data_kind="accounts.invoices", enabled=True)
    assert invoice_rules.count() == 5
    assert set(invoice_rules.values_list("action", "duration", "unit")) == {("delete", 11, "years")}
    client = ClientFactory()
    twelve_years_ago = timezone.localdate() - dt.timedelta(days=12 * 366)
    archived = DocumentFactory(
        client=client, kind="invoice", issued_on=twelve_years_ago, archived_at=timezone.now()
    )
    live = DocumentFactory(client=client, kind="invoice", issued_on=twelve_years_ago)
    recent = DocumentFactory(client=client, kind="invoice", issued_on=timezone.localdate())
    purge_run()
    assert set(Document.objects.filter(kind="invoice").values_list("pk", flat=True)) == {recent.pk}
    assert not Document.objects.filter(pk__in=[archived.pk, live.pk]).exists()


def test_a_client_profile_rule_counts_from_the_last_contact_and_never_deletes(
    activity,  # noqa: F811
) -> None:
    with pytest.raises(ValidationError, match="dernier contact"):
        _rule(activity, event="collection")
    with pytest.raises(ValidationError, match="s'anonymisent"):
        _rule(activity, action="delete")


def test_a_rule_that_fails_does_not_stop_the_others(activity, monkeypatch) -> None:  # noqa: F811
    broken = _rule(activity, data_kind="accounts.documents", event="document_date", action="delete")
    _rule(activity)
    ClientFactory(
        user=None,
        status="prospect",
        email="",
        last_contact_at=timezone.now() - FOUR_YEARS_AGO,
    )
    original = purge_module._apply_rule

    def failing(rule, *args, **kwargs):
        if rule.pk == broken.pk:
            raise RuntimeError("disque plein")
        return original(rule, *args, **kwargs)

    monkeypatch.setattr(purge_module, "_apply_rule", failing)
    run = purge_run()
    assert run.status == PurgeRun.Status.FAILED
    assert broken.label in run.error
    assert run.counts[str(broken.pk)]["error"] == "RuntimeError: disque plein"
    assert run.total == 1  # the other rule ran
    with pytest.raises(CommandError, match="Purge incomplète"):  # cron and monitoring see it
        call_command("purge_retention", stdout=io.StringIO())


def test_a_run_left_running_by_a_killed_process_is_marked_interrupted(
    activity,  # noqa: F811
    dana_http,
) -> None:
    _rule(activity)
    killed = PurgeRun.objects.create(started_at=timezone.now() - dt.timedelta(minutes=3))
    run = purge_run()
    assert run is not None  # no wait for a lock the dead process held
    killed.refresh_from_db()
    assert killed.status == PurgeRun.Status.INTERRUPTED
    assert killed.finished_at is not None
    assert "Interrompue" in killed.error
    assert killed.get_status_display() == "interrompue"
    history = dana_http.get("/admin/retention/purgerun/").content.decode()
    statuses = re.findall(r'<td class="field-status">([^<]+)</td>', history)
    assert sorted(statuses) == ["interrompue", "terminée"]


def test_two_runs_never_send_the_same_warning(activity) -> None:  # noqa: F811
    from retention.services.warnings import warn

    _rule(activity)
    prospect = ClientFactory(
        user=None,
        status="prospect",
        email="p@client.test",
        last_contact_at=timezone.now() - FOUR_YEARS_AGO,
    )
    stale_copy = Client.objects.get(pk=prospect.pk)  # what a second run had read
    assert warn(prospect, timezone.localdate()) is True
    assert warn(stale_copy, timezone.localdate()) is False
    assert len(mail.outbox) == 1


def test_a_warning_that_cannot_leave_is_not_counted(activity, monkeypatch) -> None:  # noqa: F811
    from retention.services import warnings

    _rule(activity)
    prospect = ClientFactory(
        user=None,
        status="prospect",
        email="p@client.test",
        last_contact_at=timezone.now() - FOUR_YEARS_AGO,
    )

    def outage(*args, **kwargs):
        raise OSError("SMTP indisponible")

    monkeypatch.setattr(warnings, "send_email", outage)
    assert next(iter(purge_run().counts.values()))["warned"] == 0
    prospect.refresh_from_db()
    assert prospect.retention_warned_at is None  # warned for real on a later night


def test_the_purge_keeps_the_name_invoices_need_then_lets_it_go(activity) -> None:  # noqa: F811
    _former_client_rule(activity)
    former = ClientFactory(
        user=None,
        last_name="Martin",
        status="former",
        relationship_ended_on=timezone.localdate() - FOUR_YEARS_AGO,
    )
    invoice = DocumentFactory(client=former, kind="invoice", issued_on=timezone.localdate())
    assert purge_run().total == 1
    former.refresh_from_db()
    assert (former.last_name, former.email, former.phone) == ("Martin", "", "")
    assert purge_run().total == 0  # done: nothing more to take while the invoice is kept
    invoice.delete()
    assert purge_run().total == 1
    former.refresh_from_db()
    assert former.last_name == "Client effacé"


def test_users_without_a_client_are_untouched(activity) -> None:  # noqa: F811
    _former_client_rule(activity)
    staff = User.objects.create_user(email="staff@entreprise.test", password="x" * 20)
    purge_run()
    staff.refresh_from_db()
    assert staff.is_active

"""Campaigns and service alerts: the audience after consent, scheduling in the allowed hours,
the chunked fan-out, progress, cancellation; and alerts only where the law allows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Client, ClientTag, Tag
from consent.models import Purpose
from messaging import sms
from messaging.models import Campaign, Notification
from messaging.services import campaigns
from messaging.services.campaigns import (
    CampaignError,
    campaign_cancel,
    campaign_fan_out,
    campaign_mark_sent_if_done,
    campaign_preview,
    campaign_progress,
    campaign_schedule,
)
from portal.audit import Actor
from tests.conftest import logged_in
from tests.consent.conftest import choose
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TUESDAY_NOON = dt.datetime(2027, 3, 2, 12, 0, tzinfo=PARIS)
SATURDAY_EVENING = dt.datetime(2027, 3, 6, 20, 30, tzinfo=PARIS)


@pytest.fixture
def people(alice, bob):
    """alice: email consent, loyalty card, 70000. bob: SMS consent, 25000.
    chloe: a prospect who consented to email. denis: a client who said nothing."""
    email, text = (
        Purpose.objects.get(key="marketing_email"),
        Purpose.objects.get(key="marketing_sms"),
    )
    Client.objects.filter(pk=bob.pk).update(postal_code="25000")
    bob.refresh_from_db()
    chloe = ClientFactory(
        first_name="Chloé", status=Client.Status.PROSPECT, user=None, email="chloe@example.test"
    )
    denis = ClientFactory(first_name="Denis", user=None, email="denis@example.test")
    choose(alice, email, True)
    choose(bob, text, True)
    choose(chloe, email, True)
    return {"alice": alice, "bob": bob, "chloe": chloe, "denis": denis}


@pytest.fixture
def send_at(monkeypatch):
    """The chunks a fan-out queues are sent at a chosen time (the tests' clock is the
    real one, and marketing waits for the allowed hours)."""
    from messaging.services.outbox import notification_send

    when = {"now": TUESDAY_NOON}

    def send(pks):
        # As the task does: each message, then the campaign marked sent once all have left.
        for pk in pks:
            notification_send(pk, now=when["now"])
        for campaign_id in Notification.objects.filter(pk__in=pks).values_list(
            "campaign_id", flat=True
        ):
            campaign_mark_sent_if_done(campaign_id)

    monkeypatch.setattr("messaging.tasks.send_notifications.delay", send)
    return when


@pytest.fixture
def fan_out(django_capture_on_commit_callbacks):
    """The fan-out, with the chunks it queues on commit sent when it returns."""

    def run(pk: int, *, now: dt.datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return campaign_fan_out(pk, now=now)

    return run


def _campaign(**fields) -> Campaign:
    values = {
        "name": "Printemps",
        "subject": "Ouverture de la saison",
        "body": "Nos robots de nettoyage sont arrivés.",
        "by_email": True,
        "by_sms": True,
        "email_purpose": Purpose.objects.get(key="marketing_email"),
        "sms_purpose": Purpose.objects.get(key="marketing_sms"),
        "scheduled_for": TUESDAY_NOON,
        "status": Campaign.Status.SCHEDULED,
        **fields,
    }
    return Campaign.objects.create(**values)


def test_the_preview_counts_recipients_after_consent(people) -> None:
    preview = campaign_preview(_campaign(status=Campaign.Status.DRAFT))
    assert preview.segment == 4
    assert preview.per_channel == [("email", 2), ("sms", 1)]  # alice + chloe; bob


@pytest.mark.parametrize(
    ("audience", "extra", "expected"),
    [
        ("loyalty", {}, [("email", 1), ("sms", 0)]),  # alice
        ("postal_prefix", {"postal_prefix": "25"}, [("email", 0), ("sms", 1)]),  # bob
        ("tag", {}, [("email", 1), ("sms", 0)]),  # chloe
    ],
)
def test_audiences(people, audience, extra, expected) -> None:
    tag = Tag.objects.create(name="Piscine coque")
    ClientTag.objects.create(client=people["chloe"], tag=tag)
    campaign = _campaign(audience=audience, tag=tag, status=Campaign.Status.DRAFT, **extra)
    assert campaign_preview(campaign).per_channel == expected


def test_a_campaign_fans_out_sends_and_reports_its_progress(people, send_at, fan_out) -> None:
    campaign = _campaign()
    assert fan_out(campaign.pk, now=TUESDAY_NOON) == 3
    campaign.refresh_from_db()
    # Every message has left: the campaign reads "Envoyée" at once, nobody needs to look.
    assert campaign.status == Campaign.Status.SENT
    assert campaign.recipients == 3
    assert len(mail.outbox) == 2
    assert sms.outbox[0].body.startswith("Votre entreprise : Nos robots")
    assert "STOP" in sms.outbox[0].body
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.queued, progress.percent) == (3, 0, 100)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    # A second run (a task delivered twice) creates and sends nothing more.
    assert fan_out(campaign.pk, now=TUESDAY_NOON) == 0
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 2


def test_consent_withdrawn_after_the_fan_out_stops_that_message(
    people, monkeypatch, fan_out
) -> None:
    queued = []
    monkeypatch.setattr("messaging.tasks.send_notifications.delay", queued.append)
    campaign = _campaign(by_sms=False)
    fan_out(campaign.pk, now=TUESDAY_NOON)
    choose(people["alice"], Purpose.objects.get(key="marketing_email"), False)
    from messaging.services.outbox import notification_send

    for pks in queued:
        for pk in pks:
            notification_send(pk, now=TUESDAY_NOON)
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.suppressed) == (1, 1)
    assert [m.to for m in mail.outbox] == [["chloe@example.test"]]


def test_marketing_scheduled_in_quiet_hours_starts_when_they_end(people) -> None:
    campaign = campaign_schedule(
        campaign=_campaign(status=Campaign.Status.DRAFT), at=SATURDAY_EVENING, by=Actor.system()
    )
    assert campaign.scheduled_for == dt.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS)
    # Started by hand on Saturday evening anyway, it waits.
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_for=SATURDAY_EVENING)
    assert campaign_fan_out(campaign.pk, now=SATURDAY_EVENING) == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert campaign.scheduled_for == dt.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS)


def test_due_campaigns_start_from_the_beat(people, monkeypatch) -> None:
    started = []
    monkeypatch.setattr(campaigns, "_start", started.append)
    due = _campaign(scheduled_for=timezone.now() - dt.timedelta(minutes=1))
    _campaign(scheduled_for=timezone.now() + dt.timedelta(days=1))
    assert campaigns.campaigns_start_due() == 1
    assert started == [due.pk]


def test_only_a_draft_can_be_scheduled(people) -> None:
    with pytest.raises(CampaignError):
        campaign_schedule(campaign=_campaign(), at=TUESDAY_NOON, by=Actor.system())


def test_cancelling_stops_what_has_not_left(people, monkeypatch) -> None:
    monkeypatch.setattr("messaging.tasks.send_notifications.delay", lambda pks: None)
    campaign = _campaign()
    campaign_fan_out(campaign.pk, now=TUESDAY_NOON)
    assert campaign_cancel(campaign=campaign, by=Actor.system()) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(CampaignError):
        campaign_cancel(campaign=campaign, by=Actor.system())


def test_a_service_alert_goes_to_clients_only_without_marketing_consent(people, fan_out) -> None:
    Client.objects.filter(pk=people["denis"].pk).update(service_by_sms=False)
    alert = _campaign(
        kind=Campaign.Kind.ALERT,
        email_purpose=None,
        sms_purpose=None,
        subject="Alerte gel",
        body="Gel annoncé cette nuit : mettez la filtration en marche forcée.",
    )
    preview = campaign_preview(alert)
    # alice, bob, denis by email (not chloe, a prospect); alice and bob by SMS.
    assert preview.per_channel == [("email", 3), ("sms", 2)]
    # Transactional: it goes at once, even on a Saturday evening.
    assert fan_out(alert.pk, now=SATURDAY_EVENING) == 5
    notes = Notification.objects.filter(campaign=alert)
    assert set(notes.values_list("template", flat=True)) == {"service_alert"}
    assert not notes.filter(purpose__isnull=False).exists()
    assert set(notes.values_list("status", flat=True)) == {"sent"}
    alert.refresh_from_db()
    assert alert.status == Campaign.Status.SENT  # not "Envoi en cours" with 5 out of 5 sent
    assert "Gel annoncé" in mail.outbox[0].body
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_a_restricted_client_gets_no_alert(people) -> None:
    Client.objects.filter(pk=people["denis"].pk).update(is_restricted=True)
    alert = _campaign(kind=Campaign.Kind.ALERT, email_purpose=None, sms_purpose=None)
    assert campaign_preview(alert).per_channel == [("email", 2), ("sms", 2)]


# The admin.

ADD = "/admin/messaging/campaign/add/"


def _form(**fields) -> dict:
    return {
        "name": "Printemps",
        "kind": "marketing",
        "subject": "Ouverture",
        "body": "Les robots sont arrivés.",
        "by_email": "on",
        "email_purpose": Purpose.objects.get(key="marketing_email").pk,
        "audience": "all",
        "postal_prefix": "",
        "tag": "",
        "_save": "Enregistrer",
        **fields,
    }


def test_the_form_explains_what_is_missing_in_french(people, erin) -> None:
    http = logged_in(erin)
    page = http.post(ADD, _form(email_purpose="")).content.decode()
    assert "Choisissez la finalité des e-mails." in page
    page = http.post(ADD, _form(by_email="")).content.decode()
    assert "Choisissez au moins un canal" in page
    page = http.post(ADD, _form(audience="postal_prefix", postal_prefix="Ve")).content.decode()
    assert "Indiquez le début du code postal, en chiffres." in page
    page = http.post(ADD, _form(kind="alert")).content.decode()
    assert "Confirmez que l&#x27;alerte ne contient aucune offre" in page
    assert "CPCE L34-5" in page  # the form says where the law allows an alert
    assert not Campaign.objects.exists()


def test_staff_compose_preview_schedule_and_watch_the_progress(
    people, erin, send_at, fan_out
) -> None:
    http = logged_in(erin)
    response = http.post(
        ADD, _form(by_sms="on", sms_purpose=Purpose.objects.get(key="marketing_sms").pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    page = http.get(f"/admin/messaging/campaign/{campaign.pk}/change/").content.decode()
    assert "4 clients dans la cible." in page
    assert "2 destinataires" in page
    assert "1 destinataire" in page
    schedule = f"/admin/messaging/campaign/{campaign.pk}/programmer/"
    assert "Programmer" in http.get(schedule).content.decode()
    now = timezone.localtime()
    response = http.post(schedule, {"scheduled_for": now.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    send_at["now"] = max(campaign.scheduled_for, timezone.now())
    fan_out(campaign.pk, now=send_at["now"])
    page = http.get(f"/admin/messaging/campaign/{campaign.pk}/change/").content.decode()
    assert '<progress class="campaign-progress" max="3" value="3">' in page
    assert "Envoyés : 3" in page


def test_a_cancellation_stops_the_chunks_that_follow(people, monkeypatch) -> None:
    monkeypatch.setattr(campaigns, "CHUNK", 1)
    monkeypatch.setattr(campaigns, "_send_chunk", lambda pks: None)
    original = campaigns._create_chunk
    calls = []

    def create_then_cancel(*args):
        calls.append(1)
        created = original(*args)
        # Staff press "Annuler" while the first chunk is being written.
        Campaign.objects.filter(pk=args[0].pk).update(status=Campaign.Status.CANCELLED)
        return created

    monkeypatch.setattr(campaigns, "_create_chunk", create_then_cancel)
    campaign = _campaign()
    assert campaign_fan_out(campaign.pk, now=TUESDAY_NOON) == 1
    assert len(calls) == 1
    assert Notification.objects.count() == 1


def test_a_fan_out_that_died_midway_is_resumed_without_duplicates(people, monkeypatch) -> None:
    monkeypatch.setattr(campaigns, "_send_chunk", lambda pks: None)
    campaign = _campaign(by_sms=False)
    assert campaign_fan_out(campaign.pk, now=TUESDAY_NOON) == 2
    # As if the worker had died after the first row: one row gone, never finished.
    Notification.objects.filter(campaign=campaign).order_by("pk").last().delete()
    Campaign.objects.filter(pk=campaign.pk).update(
        finished_at=None, started_at=TUESDAY_NOON - dt.timedelta(hours=1)
    )
    assert campaign_fan_out(campaign.pk, now=TUESDAY_NOON + dt.timedelta(minutes=1)) == 1
    assert Notification.objects.filter(campaign=campaign).count() == 2
    # A campaign still being written by a live worker is left alone.
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=None, started_at=TUESDAY_NOON)
    assert campaign_fan_out(campaign.pk, now=TUESDAY_NOON + dt.timedelta(minutes=1)) == 0


def test_a_client_who_turns_off_sms_before_an_alert_leaves_gets_none(people, monkeypatch) -> None:
    queued = []
    monkeypatch.setattr(campaigns, "_send_chunk", queued.append)
    alert = _campaign(kind=Campaign.Kind.ALERT, email_purpose=None, sms_purpose=None)
    with_commit = campaign_fan_out
    with_commit(alert.pk, now=TUESDAY_NOON)
    Client.objects.filter(pk=people["alice"].pk).update(service_by_sms=False)
    Client.objects.filter(pk=people["bob"].pk).update(is_restricted=True)
    from messaging.services.outbox import notification_send

    for pk in Notification.objects.filter(campaign=alert).values_list("pk", flat=True):
        notification_send(pk, now=TUESDAY_NOON)
    suppressed = Notification.objects.filter(status="suppressed")
    assert {(n.client_id, n.channel) for n in suppressed} == {
        (people["alice"].pk, "sms"),
        (people["bob"].pk, "email"),
        (people["bob"].pk, "sms"),
    }
    assert "par ce canal" in suppressed.get(client=people["alice"]).error

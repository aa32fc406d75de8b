from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import requests
from django.core import mail

from consent.models import ConsentState, Purpose, Suppression
from messaging import sms
from messaging.models import Notification
from messaging.services import outbox
from messaging.services.outbox import TransientSendError, notification_create, notification_send
from tests.consent.conftest import choose

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TUESDAY_NOON = dt.datetime(2027, 3, 2, 12, 0, tzinfo=PARIS)
SATURDAY_EVENING = dt.datetime(2027, 3, 6, 20, 30, tzinfo=PARIS)


def _campaign(client, channel="email", key="c1") -> Notification:
    purpose = Purpose.objects.get(key=f"marketing_{channel}")
    return notification_create(
        key=key,
        channel=channel,
        template="campaign",
        client=client,
        purpose=purpose,
        context={"subject": "Nouveautés", "body": "Le robot de nettoyage est arrivé."},
    )


def _consenting(client, channel="email"):
    choose(client, Purpose.objects.get(key=f"marketing_{channel}"), True)
    return client


def test_the_same_key_queues_once(alice) -> None:
    first = _campaign(alice)
    again = _campaign(alice)
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def test_consent_is_checked_when_the_message_leaves(alice) -> None:
    _consenting(alice)
    notification = _campaign(alice)
    choose(alice, Purpose.objects.get(key="marketing_email"), False)  # withdrawn meanwhile
    sent = notification_send(notification.pk, now=TUESDAY_NOON)
    assert sent.status == Notification.Status.SUPPRESSED
    assert mail.outbox == []


def test_marketing_email_leaves_from_its_own_address_with_one_click_unsubscribe(alice) -> None:
    _consenting(alice)
    sent = notification_send(_campaign(alice).pk, now=TUESDAY_NOON)
    assert sent.status == Notification.Status.SENT
    assert sent.to == alice.email
    (message,) = mail.outbox
    assert message.from_email.startswith("Actualités")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.subject == "Nouveautés"


def test_marketing_waits_for_the_quiet_hours_to_end(alice, monkeypatch) -> None:
    _consenting(alice)
    later = []
    monkeypatch.setattr(outbox, "enqueue", lambda pk, eta=None: later.append(eta))
    held = notification_send(_campaign(alice).pk, now=SATURDAY_EVENING)
    assert held.status == Notification.Status.HELD
    assert held.not_before == dt.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS)
    assert later == [held.not_before]
    assert mail.outbox == []
    # Too early, nothing; on Monday 8h it goes.
    assert notification_send(held.pk, now=SATURDAY_EVENING).status == Notification.Status.HELD
    monday = dt.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS)
    assert notification_send(held.pk, now=monday).status == Notification.Status.SENT


def test_transactional_messages_go_at_once_even_at_night(alice) -> None:
    notification = notification_create(
        key="t1",
        channel="email",
        template="campaign",
        client=alice,
        context={"subject": "Votre rendez-vous", "body": "Demain 9h."},
    )
    assert notification_send(notification.pk, now=SATURDAY_EVENING).status == "sent"


def test_a_notification_is_never_sent_twice(alice) -> None:
    _consenting(alice)
    notification = _campaign(alice)
    notification_send(notification.pk, now=TUESDAY_NOON)
    again = notification_send(notification.pk, now=TUESDAY_NOON)
    assert again.status == Notification.Status.SENT
    assert again.attempts == 1
    assert len(mail.outbox) == 1


@pytest.fixture
def brevo(settings, monkeypatch):
    """Brevo's real anymail backend, with the HTTP answer chosen by the test."""
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {**getattr(settings, "ANYMAIL", {}), "BREVO_API_KEY": "xkeysib-test"}
    answer = {"status": 201, "body": {"messageId": "<202703021200.1@smtp-relay.brevo.com>"}}
    calls = []

    def request(self, method, url, **kwargs):
        calls.append({"method": method, "url": url, **kwargs})
        response = requests.Response()
        response.status_code = answer["status"]
        response.reason = "test"
        response._content = json.dumps(answer["body"]).encode()
        response.url = url
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    return answer, calls


def test_brevo_s_message_id_is_recorded(alice, brevo) -> None:
    _consenting(alice)
    _answer, calls = brevo
    sent = notification_send(_campaign(alice).pk, now=TUESDAY_NOON)
    assert sent.status == Notification.Status.SENT
    assert sent.provider_id == "<202703021200.1@smtp-relay.brevo.com>"
    (call,) = calls
    assert call["url"].endswith("/v3/smtp/email")
    assert "List-Unsubscribe" in json.loads(call["data"])["headers"]


def test_a_transient_provider_error_leaves_it_waiting_for_a_retry(alice, brevo) -> None:
    _consenting(alice)
    answer, _calls = brevo
    answer.update(status=503, body={"code": "unavailable", "message": "Brevo indisponible"})
    notification = _campaign(alice)
    with pytest.raises(TransientSendError):
        notification_send(notification.pk, now=TUESDAY_NOON)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert "indisponible" in notification.error
    answer.update(status=201, body={"messageId": "<2@brevo>"})
    again = notification_send(notification.pk, now=TUESDAY_NOON)
    assert (again.status, again.attempts) == ("sent", 2)


def test_a_permanent_provider_error_fails_it(alice, brevo) -> None:
    _consenting(alice)
    answer, _calls = brevo
    answer.update(status=400, body={"code": "invalid_parameter", "message": "email invalide"})
    notification = _campaign(alice)
    assert notification_send(notification.pk, now=TUESDAY_NOON).status == "failed"


def test_an_sms_carries_the_opt_out_and_goes_in_e164(alice) -> None:
    _consenting(alice, "sms")
    sent = notification_send(_campaign(alice, "sms").pk, now=TUESDAY_NOON)
    assert sent.status == Notification.Status.SENT
    (message,) = sms.outbox
    assert message.to == "+33612345678"
    assert message.body.endswith("STOP pour ne plus recevoir")
    assert sent.provider_id == message.id


def test_twilio_21610_records_a_withdrawal(alice, monkeypatch) -> None:
    _consenting(alice, "sms")

    class OptedOut(sms.BaseSmsBackend):
        def send(self, message):
            raise sms.SmsOptedOut("Twilio 400 21610", code="21610", permanent=True)

    monkeypatch.setattr(sms, "get_backend", OptedOut)
    sent = notification_send(_campaign(alice, "sms").pk, now=TUESDAY_NOON)
    assert sent.status == Notification.Status.FAILED
    state = ConsentState.objects.get(client=alice, purpose__key="marketing_sms")
    assert state.granted is False
    assert Suppression.objects.filter(kind="phone").exists()


def test_an_sms_provider_outage_is_transient(alice, monkeypatch) -> None:
    _consenting(alice, "sms")

    class Down(sms.BaseSmsBackend):
        def send(self, message):
            raise sms.SmsError("Twilio 503", code="20500")

    monkeypatch.setattr(sms, "get_backend", Down)
    with pytest.raises(TransientSendError):
        notification_send(_campaign(alice, "sms").pk, now=TUESDAY_NOON)


def test_due_and_lost_messages_are_queued_again(alice, monkeypatch) -> None:
    from django.utils import timezone

    queued = []
    monkeypatch.setattr(outbox, "enqueue", lambda pk, eta=None: None)
    monkeypatch.setattr(outbox, "enqueue_many", queued.extend)
    now = timezone.now()
    held = _campaign(alice, key="held")
    Notification.objects.filter(pk=held.pk).update(
        status="held", not_before=now - dt.timedelta(minutes=1)
    )
    later = _campaign(alice, key="later")
    Notification.objects.filter(pk=later.pk).update(
        status="held", not_before=now + dt.timedelta(hours=1)
    )
    lost = _campaign(alice, key="lost")
    Notification.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=30))
    fresh = _campaign(alice, key="fresh")
    sent = _campaign(alice, key="sent")
    Notification.objects.filter(pk=sent.pk).update(
        status="sent", created_at=now - dt.timedelta(hours=2)
    )
    queued.clear()
    assert outbox.notifications_release_due(now) == 2
    assert set(queued) == {held.pk, lost.pk}
    assert fresh.pk not in queued


def test_every_preset_purges_the_delivery_log_after_a_year(alice) -> None:
    from django.utils import timezone

    from retention.presets import preset_apply
    from retention.services.purge import purge_run

    preset_apply("toiture")
    old, recent = _campaign(alice, key="old"), _campaign(alice, key="recent")
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    purge_run()
    assert set(Notification.objects.values_list("pk", flat=True)) == {recent.pk}


def test_a_send_interrupted_midway_is_flagged_not_repeated(alice, monkeypatch) -> None:
    from django.utils import timezone

    monkeypatch.setattr(outbox, "enqueue", lambda pk, eta=None: None)
    now = timezone.now()
    stuck = _campaign(alice, key="stuck")
    Notification.objects.filter(pk=stuck.pk).update(
        status="sending", status_at=now - dt.timedelta(hours=1)
    )
    busy = _campaign(alice, key="busy")
    Notification.objects.filter(pk=busy.pk).update(status="sending", status_at=now)
    outbox.notifications_release_due(now)
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == "failed"
    assert "vérifier chez le prestataire" in stuck.error
    assert busy.status == "sending"


def test_the_broker_never_holds_a_message_due_hours_later(monkeypatch) -> None:
    from django.utils import timezone

    from messaging import tasks

    calls = []
    monkeypatch.setattr(tasks.send_notification, "delay", lambda pk: calls.append(("now", pk)))
    monkeypatch.setattr(
        tasks.send_notification, "apply_async", lambda args, eta: calls.append(("eta", args[0]))
    )
    now = timezone.now()
    outbox.enqueue(1)
    outbox.enqueue(2, eta=now - dt.timedelta(seconds=1))
    outbox.enqueue(3, eta=now + dt.timedelta(minutes=2))
    outbox.enqueue(4, eta=now + dt.timedelta(hours=14))  # tomorrow 8h: left to the beat
    assert calls == [("now", 1), ("now", 2), ("eta", 3)]


def test_the_release_queues_chunks_not_one_task_per_message(monkeypatch) -> None:
    from messaging import tasks

    chunks = []
    monkeypatch.setattr(tasks.send_notifications, "delay", chunks.append)
    outbox.enqueue_many(list(range(2500)))
    assert [len(c) for c in chunks] == [1000, 1000, 500]

"""Appointments: a confirmation when set, a reminder 24 hours before by SMS and email, a new
confirmation and reminder when moved, a notice when cancelled; on the dashboard, with a way
to ask to move it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from messaging import sms
from messaging.models import Appointment, Notification, Thread
from messaging.services.outbox import notification_send
from tests.conftest import logged_in


def _admin_form(client, starts_at: dt.datetime, **fields) -> dict:
    local = timezone.localtime(starts_at)
    return {
        "client": client.pk,
        "kind": "maintenance",
        "starts_at_0": local.strftime("%d/%m/%Y"),
        "starts_at_1": local.strftime("%H:%M"),
        "duration_minutes": "60",
        "address": "",
        "note": "Prévoir l'accès au local technique.",
        "status": "planned",
        "_save": "Enregistrer",
        **fields,
    }


def _in_days(days: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def test_staff_set_an_appointment_the_client_is_confirmed_and_reminded(
    alice, erin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    starts = _in_days(5)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(erin).post(
            "/admin/messaging/appointment/add/", _admin_form(alice, starts)
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment = Appointment.objects.get()
    assert appointment.created_by == erin
    confirmations = Notification.objects.filter(template="appointment_confirmation")
    assert sorted(confirmations.values_list("channel", flat=True)) == ["email", "sms"]
    assert any("Rendez-vous confirmé" in m.subject for m in mailoutbox)
    assert "rendez-vous confirmé" in sms.outbox[0].body
    reminders = Notification.objects.filter(template="appointment_reminder")
    assert reminders.count() == 2
    assert {r.not_before for r in reminders} == {starts - dt.timedelta(hours=24)}
    assert set(reminders.values_list("status", flat=True)) == {"pending"}
    # The day before, the reminder leaves.
    for reminder in reminders:
        sent = notification_send(reminder.pk, now=starts - dt.timedelta(hours=23))
        assert sent.status == Notification.Status.SENT
    assert any("Rappel" in m.subject for m in mailoutbox)
    assert "Prévoir l'accès au local technique." in mailoutbox[-1].body


def test_moving_an_appointment_cancels_the_old_reminder_and_confirms_the_new_date(
    alice, erin, django_capture_on_commit_callbacks
) -> None:
    http = logged_in(erin)
    with django_capture_on_commit_callbacks(execute=True):
        http.post("/admin/messaging/appointment/add/", _admin_form(alice, _in_days(5)))
    appointment = Appointment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            f"/admin/messaging/appointment/{appointment.pk}/change/",
            _admin_form(alice, _in_days(8)),
        )
    reminders = Notification.objects.filter(template="appointment_reminder")
    assert sorted(reminders.values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
        "pending",
        "pending",
    ]
    assert Notification.objects.filter(template="appointment_confirmation").count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            f"/admin/messaging/appointment/{appointment.pk}/change/",
            _admin_form(alice, _in_days(8), status="cancelled"),
        )
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    assert Notification.objects.filter(template="appointment_cancelled").count() == 2


def test_an_appointment_within_a_day_gets_no_separate_reminder(alice, erin) -> None:
    logged_in(erin).post("/admin/messaging/appointment/add/", _admin_form(alice, _in_days(0)))
    assert not Notification.objects.filter(template="appointment_reminder").exists()
    assert Notification.objects.filter(template="appointment_confirmation").count() == 2


def test_the_dashboard_shows_upcoming_appointments_and_the_client_can_ask_to_move_one(
    alice, alice_http, bob, erin
) -> None:
    logged_in(erin).post("/admin/messaging/appointment/add/", _admin_form(alice, _in_days(3)))
    appointment = Appointment.objects.get()
    page = alice_http.get("/espace-client/").content.decode()
    assert "Entretien" in page
    move = f"/espace-client/messagerie/nouveau/?rendez-vous={appointment.public_id}"
    assert move in page
    form = alice_http.get(move).content.decode()
    assert "Déplacer le rendez-vous du" in form
    response = alice_http.post(
        move,
        {
            "subject": "Déplacer le rendez-vous",
            "category": "appointment",
            "body": "Je ne serai pas là, mardi suivant ?",
        },
    )
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.appointment == appointment
    # Bob cannot ask about alice's appointment: the link is ignored for him.
    bob_http = logged_in(bob.user)
    assert "Déplacer le rendez-vous du" not in bob_http.get(move).content.decode()


def test_a_client_without_a_phone_or_who_refused_sms_gets_email_only(alice, erin) -> None:
    alice.service_by_sms = False
    alice.save()
    logged_in(erin).post("/admin/messaging/appointment/add/", _admin_form(alice, _in_days(4)))
    channels = set(Notification.objects.values_list("channel", flat=True))
    assert channels == {"email"}


def test_a_new_address_is_confirmed_and_the_old_reminder_cancelled(
    alice, erin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    http = logged_in(erin)
    starts = _in_days(5)
    http.post("/admin/messaging/appointment/add/", _admin_form(alice, starts, address="1 rue A"))
    appointment = Appointment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            f"/admin/messaging/appointment/{appointment.pk}/change/",
            _admin_form(alice, starts, address="99 avenue B"),
        )
    pending = Notification.objects.filter(template="appointment_reminder", status="pending")
    assert {n.context["place"] for n in pending} == {"99 avenue B"}
    assert "99 avenue B" in mailoutbox[-1].body


def test_an_english_client_reads_dates_in_english(alice, erin, mailoutbox) -> None:
    from django.test import override_settings  # noqa: F401

    alice.language = "en"
    alice.save()
    starts = timezone.make_aware(dt.datetime(2030, 3, 5, 14, 30))
    logged_in(erin).post("/admin/messaging/appointment/add/", _admin_form(alice, starts))
    when = Notification.objects.filter(template="appointment_confirmation").first().context["when"]
    assert when.startswith("Tuesday")
    assert " à " not in when

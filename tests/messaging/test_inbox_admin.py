"""The staff inbox in the admin: waiting threads first, priority then earliest due, overdue in
red; assignment, canned replies and internal notes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from messaging.models import CannedReply, Message, Thread
from portal.models import AuditEvent
from tests.conftest import logged_in
from tests.messaging.conftest import PDF_BYTES, open_thread, upload

INBOX = "/admin/messaging/thread/"


def _reply_form(thread, **fields) -> dict:
    return {
        "assigned_to": thread.assigned_to_id or "",
        "canned_reply": "",
        "reply": "",
        "_save": "Enregistrer",
        **fields,
    }


def test_the_inbox_lists_waiting_threads_priority_first_then_by_due_time(alice, bob, erin):
    standard_late = open_thread(bob, subject="Standard en retard")
    standard = open_thread(bob, subject="Standard")
    priority = open_thread(alice, subject="Prioritaire")
    answered = open_thread(alice, subject="Déjà répondu")
    Thread.objects.filter(pk=standard_late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    Thread.objects.filter(pk=answered.pk).update(status=Thread.Status.ANSWERED)
    page = logged_in(erin).get(INBOX).content.decode()
    order = [page.index(s.subject) for s in (priority, standard_late, standard)]
    assert order == sorted(order)
    assert "Déjà répondu" not in page  # the inbox opens on what waits
    assert page.count("dsar-overdue") == 1
    assert "en retard" in page
    everything = logged_in(erin).get(INBOX + "?boite=all").content.decode()
    assert "Déjà répondu" in everything


def test_a_reply_with_a_canned_answer_and_a_file_reaches_the_client(alice, erin, mailoutbox):
    canned = CannedReply.objects.create(
        title="Passage technicien", body="Bonjour {prenom}, notre technicien passe demain."
    )
    thread = open_thread(alice)
    http = logged_in(erin)
    url = f"{INBOX}{thread.pk}/change/"
    assert "La pompe fait un bruit étrange" in http.get(url).content.decode()
    # Choosing the canned reply brings it into the answer, to be read; nothing is sent.
    chosen = http.post(url, {**_reply_form(thread, canned_reply=canned.pk), "_use_canned": "1"})
    assert chosen.status_code == 302
    assert chosen["Location"].endswith(f"?canned={canned.pk}")
    page = http.get(chosen["Location"]).content.decode()
    assert "Bonjour Alice, notre technicien passe demain.</textarea>" in page
    assert not thread.messages.filter(author_kind=Message.Author.STAFF).exists()
    # Chosen but never brought into an empty answer: refused, nothing sent.
    refused = http.post(url, _reply_form(thread, canned_reply=canned.pk))
    assert refused.status_code == 200
    assert "Reprendre la réponse type" in refused.content.decode()
    assert not thread.messages.filter(author_kind=Message.Author.STAFF).exists()
    # What staff send is the answer as they edited it.
    response = http.post(
        url,
        _reply_form(
            thread,
            canned_reply=canned.pk,
            reply="Bonjour Alice, notre technicien passe demain.\n\nPrévoyez l'accès au local.",
            attachments=[upload("notice.pdf", PDF_BYTES)],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    reply = thread.messages.get(author_kind=Message.Author.STAFF)
    assert reply.body == (
        "Bonjour Alice, notre technicien passe demain.\n\nPrévoyez l'accès au local."
    )
    assert reply.attachments.get().name == "notice.pdf"
    thread.refresh_from_db()
    assert thread.status == Thread.Status.ANSWERED
    assert thread.assigned_to == erin
    # The staff view marked the client's message read.
    assert thread.messages.get(author_kind="client").read_at is not None
    assert AuditEvent.objects.filter(action="messaging.thread.viewed").exists()


def test_an_internal_note_stays_between_staff(alice, alice_http, erin):
    thread = open_thread(alice)
    http = logged_in(erin)
    http.post(
        f"{INBOX}{thread.pk}/change/",
        _reply_form(thread, reply="Vérifier la garantie", internal="on"),
    )
    note = thread.messages.get(is_internal=True)
    assert note.body == "Vérifier la garantie"
    thread.refresh_from_db()
    assert thread.status == Thread.Status.WAITING  # a note is not an answer
    page = alice_http.get(f"/espace-client/messagerie/{thread.public_id}/").content.decode()
    assert "Vérifier la garantie" not in page
    assert "Note interne" in http.get(f"{INBOX}{thread.pk}/change/").content.decode()


def test_assignment_and_closing(alice, erin):
    thread = open_thread(alice)
    http = logged_in(erin)
    http.post(f"{INBOX}{thread.pk}/change/", _reply_form(thread, assigned_to=erin.pk))
    thread.refresh_from_db()
    assert thread.assigned_to == erin
    mine = http.get(INBOX + "?boite=mine").content.decode()
    assert thread.subject in mine
    http.post(f"{INBOX}{thread.pk}/change/", _reply_form(thread, close="on"))
    thread.refresh_from_db()
    assert thread.status == Thread.Status.CLOSED
    assert AuditEvent.objects.filter(action="messaging.thread.assigned").exists()


def test_a_bad_attachment_in_a_staff_reply_re_renders_with_the_text(alice, erin):
    thread = open_thread(alice)
    response = logged_in(erin).post(
        f"{INBOX}{thread.pk}/change/",
        _reply_form(thread, reply="Voici le plan", attachments=[upload("plan.svg", b"<svg/>")]),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "accepté" in page
    assert "Voici le plan" in page
    assert not thread.messages.filter(author_kind="staff").exists()


def test_staff_without_the_permission_see_neither_threads_nor_files(alice, carol):
    thread = open_thread(alice, files=[upload("a.pdf", PDF_BYTES)])
    attachment = thread.messages.get().attachments.get()
    http = logged_in(carol)
    assert http.get(f"{INBOX}{thread.pk}/change/").status_code in (302, 403)
    url = f"/admin/messaging/thread/piece-jointe/{attachment.public_id}/"
    assert http.get(url).status_code == 403


def test_staff_with_the_permission_download_an_attachment_audited(alice, erin):
    thread = open_thread(alice, files=[upload("a.pdf", PDF_BYTES)])
    attachment = thread.messages.get().attachments.get()
    response = logged_in(erin).get(f"/admin/messaging/thread/piece-jointe/{attachment.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert AuditEvent.objects.filter(action="messaging.attachment.downloaded").exists()


def test_the_inbox_costs_a_fixed_number_of_queries(alice, bob, erin, django_assert_max_num_queries):
    for n in range(20):
        open_thread(alice if n % 2 else bob, subject=f"Sujet {n}")
    http = logged_in(erin)
    with django_assert_max_num_queries(20):
        assert http.get(INBOX).status_code == 200


def test_a_save_never_overrides_what_changed_since_the_page_was_opened(alice, erin, carol):
    from messaging.services.threads import client_message_post, staff_message_post
    from portal.audit import Actor

    thread = open_thread(alice)
    seen = thread.messages.get().pk
    # Meanwhile: carol takes the thread, and alice writes again.
    Thread.objects.filter(pk=thread.pk).update(assigned_to=carol)
    client_message_post(thread=thread, body="Autre question urgente", by=Actor(user=alice.user))
    response = logged_in(erin).post(
        f"{INBOX}{thread.pk}/change/",
        _reply_form(
            thread,
            assigned_to=erin.pk,  # erin takes it, not knowing carol did
            seen_assignee="",
            seen_up_to=seen,
            reply="Réponse à la première question",
            close="on",
        ),
        follow=True,
    )
    page = response.content.decode()
    thread.refresh_from_db()
    assert thread.assigned_to == carol
    assert thread.status == Thread.Status.WAITING  # the new question still waits
    assert thread.due_at is not None
    assert "confiée à quelqu" in page
    assert "Le client a écrit entre-temps" in page
    # With the page up to date, the same reply answers and closes.
    staff_message_post(thread=thread, body="Et pour la seconde", by=Actor(user=erin))
    thread.refresh_from_db()
    assert thread.status == Thread.Status.ANSWERED


@pytest.mark.parametrize(
    "url",
    [
        "/admin/messaging/thread/",
        "/admin/messaging/cannedreply/add/",
        "/admin/messaging/servicelevel/1/change/",
        "/admin/messaging/appointment/",
        "/admin/messaging/appointment/add/",
        "/admin/messaging/campaign/",
        "/admin/messaging/campaign/add/",
        "/admin/messaging/notification/",
        "/admin/accounts/tag/add/",
    ],
)
def test_every_messaging_admin_page_opens(erin, url):
    from messaging.models import ServiceLevel

    ServiceLevel.load()
    erin.is_superuser = True
    erin.save()
    assert logged_in(erin).get(url).status_code == 200


def test_the_service_level_page_edits_targets_and_opening_hours(erin):
    from messaging.models import OpeningPeriod, ServiceLevel

    level = ServiceLevel.load()
    periods = list(OpeningPeriod.objects.filter(service_level=level))
    data = {
        "priority_hours": "2",
        "standard_hours": "8",
        "opening_periods-TOTAL_FORMS": str(len(periods)),
        "opening_periods-INITIAL_FORMS": str(len(periods)),
        "_save": "Enregistrer",
    }
    for n, period in enumerate(periods):
        data.update(
            {
                f"opening_periods-{n}-id": period.pk,
                f"opening_periods-{n}-service_level": level.pk,
                f"opening_periods-{n}-weekday": period.weekday,
                f"opening_periods-{n}-opens": period.opens.strftime("%H:%M"),
                f"opening_periods-{n}-closes": period.closes.strftime("%H:%M"),
            }
        )
    data["opening_periods-0-closes"] = "08:00"  # before it opens
    response = logged_in(erin).post(f"/admin/messaging/servicelevel/{level.pk}/change/", data)
    assert response.status_code == 200  # refused, with the form again
    assert "L&#x27;heure de fermeture doit suivre l&#x27;heure d&#x27;ouverture." in (
        response.content.decode()
    )
    data["opening_periods-0-closes"] = "12:30"
    response = logged_in(erin).post(f"/admin/messaging/servicelevel/{level.pk}/change/", data)
    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.priority_hours, level.standard_hours) == (2, 8)

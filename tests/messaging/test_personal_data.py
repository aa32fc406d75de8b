"""Messages, notes, attachments, appointments and tags are on the map of personal data: the
access archive carries them, erasure and the purge delete them, files included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Client, ClientTag, Tag
from dsar.models import Kind
from dsar.services import erasure
from messaging.models import Appointment, Attachment, Message, Thread
from messaging.services.threads import staff_message_post
from portal.audit import Actor
from portal.personal_data import registry
from retention.models import ProcessingActivity, RetentionRule
from retention.services.purge import purge_run
from tests.dsar.conftest import file_request
from tests.messaging.conftest import PDF_BYTES, open_thread, upload


def _alice_with_history(alice, erin) -> Thread:
    thread = open_thread(alice, files=[upload("photo.pdf", PDF_BYTES)])
    staff_message_post(thread=thread, body="Nous passons jeudi.", by=Actor(user=erin))
    staff_message_post(thread=thread, body="Garantie à vérifier", internal=True, by=Actor())
    Appointment.objects.create(
        client=alice, kind="repair", starts_at=timezone.now() + dt.timedelta(days=2)
    )
    ClientTag.objects.create(client=alice, tag=Tag.objects.create(name="Piscine coque"))
    return thread


def test_the_access_archive_carries_messages_notes_files_appointments_and_tags(alice, erin) -> None:
    _alice_with_history(alice, erin)
    messages = registry.get("messaging.messages").export(alice)
    assert [m["body"] for m in messages] == [
        "Nous passons jeudi.",
        "La pompe fait un bruit étrange depuis hier.",
    ]
    assert [n["body"] for n in registry.get("messaging.notes").export(alice)] == [
        "Garantie à vérifier"
    ]
    assert registry.get("messaging.attachments").export(alice)[0]["name"] == "photo.pdf"
    assert registry.get("messaging.appointments").export(alice)[0]["kind"] == "repair"
    assert len(registry.get("accounts.client_tags").export(alice)) == 1
    # Portability: what alice provided, not our notes.
    provided = registry.get("messaging.messages").export(alice, provided_only=True)
    assert set(provided[0]) == {"created_at", "thread", "author_kind", "body"}


def test_erasure_deletes_threads_and_their_files(
    alice, bob, erin, dana, django_capture_on_commit_callbacks
) -> None:
    _alice_with_history(alice, erin)
    bobs = open_thread(bob, files=[upload("bob.pdf", PDF_BYTES)])
    files = [Path(a.file.path) for a in Attachment.objects.filter(message__thread__client=alice)]
    assert all(f.exists() for f in files)
    request = file_request(alice, kind=Kind.ERASURE)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.erasure_execute(request=request, by=Actor(user=dana))
    assert not Thread.objects.filter(client=alice).exists()
    assert not Message.objects.filter(thread__client=alice).exists()
    assert not Appointment.objects.filter(client=alice).exists()
    assert not ClientTag.objects.filter(client=alice).exists()
    assert not any(f.exists() for f in files)
    assert Path(bobs.messages.get().attachments.get().file.path).exists()


@pytest.fixture
def thread_rule(db) -> RetentionRule:
    activity = ProcessingActivity.objects.create(
        key="messagerie", name="Messagerie", purposes="Échanges", legal_basis="b"
    )
    rule = RetentionRule(
        activity=activity,
        data_kind="messaging.threads",
        label="Conversations",
        duration=1,
        unit="years",
        event="last_contact",
        action="delete",
        legal_reference="CNIL",
    )
    rule.full_clean()
    rule.save()
    return rule


def test_the_purge_deletes_threads_a_year_after_their_last_message(
    alice, bob, thread_rule, django_capture_on_commit_callbacks
) -> None:
    old = open_thread(alice, subject="Ancienne", files=[upload("old.pdf", PDF_BYTES)])
    recent = open_thread(alice, subject="Récente")
    restricted = open_thread(bob, subject="Gelée")
    long_ago = timezone.now() - dt.timedelta(days=400)
    Thread.objects.filter(pk__in=[old.pk, restricted.pk]).update(last_message_at=long_ago)
    Client.objects.filter(pk=bob.pk).update(is_restricted=True)
    old_file = Path(old.messages.get().attachments.get().file.path)
    with django_capture_on_commit_callbacks(execute=True):
        run = purge_run()
    assert run.total == 1
    assert set(Thread.objects.values_list("subject", flat=True)) == {"Récente", "Gelée"}
    assert not old_file.exists()
    assert recent.messages.exists()


def test_a_rule_cannot_keep_conversations_beyond_the_legal_maximum(thread_rule) -> None:
    from django.core.exceptions import ValidationError

    thread_rule.duration = 5
    with pytest.raises(ValidationError):
        thread_rule.full_clean()

"""No private file outlives its row: deletions are journalled with the row's deletion and
carried out after commit, again by the sweep; files that no row names are found and removed."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from accounts.models import Document
from accounts.services import document_delete
from portal.audit import Actor
from portal.files import file_deletions_carry_out, orphan_files
from portal.models import FileDeletion
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def _on_disk(document: Document) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / document.file.name


def test_a_deletion_killed_after_its_commit_is_carried_out_later(
    alice, carol, django_capture_on_commit_callbacks
) -> None:
    document = alice.documents.exclude(kind="invoice").get()
    path = _on_disk(document)
    # The process dies between the commit and its after-commit work: nothing runs.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_delete(document=document, by=Actor(user=carol))
    assert len(callbacks) == 1
    assert not Document.objects.filter(pk=document.pk).exists()
    assert path.exists()
    assert list(FileDeletion.objects.values_list("name", flat=True)) == [document.file.name]
    # The next sweep (every 15 minutes, and at the start of every purge) finishes the job.
    assert file_deletions_carry_out() == 1
    assert not path.exists()
    assert not FileDeletion.objects.exists()
    assert file_deletions_carry_out() == 0


def test_a_deletion_rolled_back_keeps_the_file_and_forgets_the_journal(alice, carol) -> None:
    document = alice.documents.exclude(kind="invoice").get()

    def cut() -> None:
        with transaction.atomic():
            document_delete(document=document, by=Actor(user=carol))
            raise RuntimeError("coupure")

    with pytest.raises(RuntimeError):
        cut()
    assert Document.objects.filter(pk=document.pk).exists()
    assert _on_disk(document).exists()
    assert not FileDeletion.objects.exists()


def test_a_committed_deletion_removes_the_file_at_once(
    alice, carol, django_capture_on_commit_callbacks
) -> None:
    document = alice.documents.exclude(kind="invoice").get()
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document, by=Actor(user=carol))
    assert not _on_disk(document).exists()
    assert not FileDeletion.objects.exists()


def _orphan(name: str, *, age: dt.timedelta) -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 orphan")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))
    return path


def test_orphans_are_listed_then_removed_and_nothing_else(alice) -> None:
    old = _orphan("documents/2026/01/perdu.pdf", age=dt.timedelta(hours=3))
    fresh = _orphan("messages/2026/12/en-cours.jpg", age=dt.timedelta(minutes=5))
    kept = [_on_disk(document) for document in alice.documents.all()]
    assert orphan_files() == ["documents/2026/01/perdu.pdf"]
    out = io.StringIO()
    call_command("prune_orphan_files", "--dry-run", stdout=out)
    assert "documents/2026/01/perdu.pdf" in out.getvalue()
    assert "1 fichier orphelin à supprimer." in out.getvalue()
    assert old.exists()
    out = io.StringIO()
    call_command("prune_orphan_files", stdout=out)
    assert "1 fichier orphelin supprimé" in out.getvalue()
    assert not old.exists()
    assert fresh.exists()  # an upload in flight
    assert all(path.exists() for path in kept)
    call_command("prune_orphan_files", "--grace-minutes", "0", stdout=io.StringIO())
    assert not fresh.exists()
    assert all(path.exists() for path in kept)


def test_a_file_saved_by_a_rolled_back_upload_is_an_orphan(alice) -> None:
    document = DocumentFactory.build(client=alice)

    def cut() -> None:
        with transaction.atomic():
            document.file.save("document.pdf", ContentFile(b"%PDF-1.4 x"), save=False)
            document.save()
            raise RuntimeError("coupure")

    with pytest.raises(RuntimeError):
        cut()
    assert orphan_files(grace=dt.timedelta(0)) == [document.file.name]

"""Private files and their rows: no file outlives its row, whatever process is killed when.

A file is deleted in two steps. In the transaction that deletes its row, its name is written
to a journal (`FileDeletion`); after that transaction commits, the file and its journal row
go. A process killed between the two leaves the journal row, which the next purge, the
periodic sweep or `prune_orphan_files` carries out. A file written by a transaction that is
then rolled back, or by a process killed before its commit, is named by no row: the sweep of
orphans removes it once it is older than a grace period (uploads in flight are younger).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator
from functools import partial

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import timezone

from portal.models import FileDeletion

logger = logging.getLogger(__name__)
ORPHAN_GRACE = dt.timedelta(hours=1)


def _file_fields() -> list[tuple[type[models.Model], str, Storage]]:
    return [
        (model, field.name, field.storage)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def private_storage() -> Storage:
    """The one storage every private file of the portal lives in."""
    storages = {id(storage): storage for _model, _name, storage in _file_fields()}
    if len(storages) != 1:
        raise RuntimeError("Private files are expected in exactly one storage.")
    return next(iter(storages.values()))


def files_delete_on_commit(names: Iterable[str]) -> int:
    """Journal `names` in the caller's transaction, and delete the files once it commits.
    Rolled back, the journal rows go too and the files stay with their rows."""
    rows = FileDeletion.objects.bulk_create([FileDeletion(name=name) for name in names if name])
    if rows:
        transaction.on_commit(partial(file_deletions_carry_out, ids=[row.pk for row in rows]))
    return len(rows)


def file_deletions_carry_out(*, ids: list[int] | None = None, batch_size: int = 1000) -> int:
    """Delete the journalled files (those of `ids`, or every one left by a killed process),
    then their journal rows. Safe to run twice or side by side: a file already gone is not
    an error."""
    storage = private_storage()
    pending = FileDeletion.objects.order_by("pk")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    done = 0
    last = 0
    while True:
        batch = list(pending.filter(pk__gt=last).values_list("pk", "name")[:batch_size])
        if not batch:
            return done
        for _pk, name in batch:
            storage.delete(name)
        FileDeletion.objects.filter(pk__in=[pk for pk, _name in batch]).delete()
        done += len(batch)
        last = batch[-1][0]


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _stored_names(storage, f"{folder}/{sub}" if folder else sub)


def _referenced_names() -> set[str]:
    names: set[str] = set()
    for model, field, _storage in _file_fields():
        names.update(
            model._default_manager.exclude(**{field: ""})
            .values_list(field, flat=True)
            .iterator(chunk_size=10000)
        )
    return names


def orphan_files(*, grace: dt.timedelta = ORPHAN_GRACE) -> list[str]:
    """Files in private storage that no row names, older than `grace`."""
    storage = private_storage()
    referenced = _referenced_names()
    limit = timezone.now() - grace
    orphans = []
    for name in _stored_names(storage):
        if name in referenced or os.path.basename(name).startswith("."):
            continue
        try:
            if storage.get_modified_time(name) > limit:
                continue
        except FileNotFoundError:
            continue
        orphans.append(name)
    return sorted(orphans)


def orphan_files_delete(*, grace: dt.timedelta = ORPHAN_GRACE) -> list[str]:
    """Delete the orphans; a row that names one of them meanwhile keeps its file."""
    storage = private_storage()
    found = orphan_files(grace=grace)
    referenced = _referenced_names()
    deleted = [name for name in found if name not in referenced]
    for name in deleted:
        storage.delete(name)
    if deleted:
        logger.warning("Deleted %d private files that no row named", len(deleted))
    return deleted

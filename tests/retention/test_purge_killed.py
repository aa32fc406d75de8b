"""A purge killed with SIGKILL: its lock dies with it, the next run starts at once and marks
it interrupted, and the files of the rows it deleted are deleted all the same."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal.db import process_lock
from retention.models import PurgeRun
from retention.services.purge import purge_run
from tests.conftest import database_url
from tests.retention.test_purge import _rule, activity  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]

HOLD = """
import django, os, sys, time
django.setup()
from django.utils import timezone
from portal.db import process_lock
from retention.models import PurgeRun
with process_lock("retention.purge") as held:
    assert held
    PurgeRun.objects.create(started_at=timezone.now())
    print("held", flush=True)
    time.sleep(120)
"""


def _portal_env() -> dict[str, str]:
    """The environment of a process of the portal's own, on the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    env.pop("REDIS_URL", None)
    return env


def test_a_killed_purge_frees_its_lock_at_once(tmp_path) -> None:
    env = _portal_env()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert purge_run() is None  # held by the other process
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        run = None
        while run is None and time.monotonic() - started < 10:
            run = purge_run()  # PostgreSQL notices the closed session within moments
            if run is None:
                time.sleep(0.1)
        assert run is not None
        assert time.monotonic() - started < 10
    finally:
        if holder.poll() is None:
            holder.kill()
    killed = PurgeRun.objects.exclude(pk=run.pk).get()
    assert killed.status == PurgeRun.Status.INTERRUPTED
    assert run.status == PurgeRun.Status.DONE
    assert run.started_at <= timezone.now()
    with process_lock("retention.purge") as held:
        assert held  # and the finished run released it


KILLED_AFTER_FIRST_COMMIT = """
import django, os, signal
django.setup()
from portal import files
from retention.services.purge import purge_run
from tests.conftest import database_url
from tests.retention.test_purge import _rule, activity  # noqa: F401

def killed(*args, **kwargs):
    if kwargs.get("ids") is not None:  # the after-commit deletion of the first batch
        os.kill(os.getpid(), signal.SIGKILL)
    return carry_out(*args, **kwargs)

carry_out = files.file_deletions_carry_out
files.file_deletions_carry_out = killed
purge_run(batch_size=10)
"""


def test_no_file_outlives_its_row_when_the_purge_is_killed_after_a_commit(
    activity,  # noqa: F811
) -> None:
    from portal.files import orphan_files
    from tests.factories import ClientFactory, DocumentFactory

    _rule(
        activity,
        data_kind="accounts.documents",
        label="Devis",
        event="document_date",
        action="delete",
    )
    old = timezone.localdate().replace(year=timezone.localdate().year - 4)
    client = ClientFactory(user=None)
    for _ in range(40):
        DocumentFactory(client=client, issued_on=old)
    assert len(list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf"))) == 40
    env = _portal_env()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_FIRST_COMMIT], cwd=ROOT, env=env, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL
    from accounts.models import Document

    assert Document.objects.count() == 30  # the first batch committed, its files still there
    assert len(list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf"))) == 40
    run = purge_run(batch_size=10)
    assert run is not None
    assert Document.objects.count() == 0
    assert list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf")) == []
    assert orphan_files(grace=dt.timedelta(0)) == []
    assert PurgeRun.objects.filter(status=PurgeRun.Status.INTERRUPTED).count() == 1

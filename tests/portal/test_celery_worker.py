"""A real Celery worker, started as a process, takes a task from Redis and runs it against
the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.audit import Actor, audit_log
from portal.celery import app
from portal.tasks import audit_chain_verify

ROOT = Path(__file__).resolve().parents[2]

if not os.environ.get("REDIS_URL") and os.environ.get("REQUIRE_WORKER") != "1":
    pytest.skip(
        "needs REDIS_URL (set REQUIRE_WORKER=1 to make this an error)", allow_module_level=True
    )


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            "pytest-worker",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _run_in_worker(worker) -> dict:
    result = audit_chain_verify.apply_async(queue="pytest-worker")
    try:
        return result.get(timeout=60)
    except Exception as error:
        worker.terminate()
        output = worker.stdout.read() if worker.stdout else "no worker output"
        raise AssertionError(output) from error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_audit_chain_check(worker, alice) -> None:
    app.conf.task_always_eager = False
    events = [
        audit_log(action="accounts.client.viewed", by=Actor(), client=alice) for _ in range(3)
    ]
    assert _run_in_worker(worker) == {"ok": True, "checked": 3, "broken_at": None}

    # The worker reads the same database: it sees an edit made behind the application's back.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE portal_auditevent SET action = 'x.y.z' WHERE id = %s", [events[1].pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    assert _run_in_worker(worker) == {"ok": False, "checked": 1, "broken_at": events[1].pk}

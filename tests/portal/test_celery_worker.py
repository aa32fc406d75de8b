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
    pytest.skip("needs REDIS_URL (set REQUIRE_WORKER=1 to make this an error)", allow_module_level=True)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", "pytest-worker"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_audit_chain_check(worker, alice) -> None:
    app.conf.task_always_eager = False
    audit_log(action="accounts.client.viewed", by=Actor(), client=alice)
    result = audit_chain_verify.apply_async(queue="pytest-worker")
    try:
        outcome = result.get(timeout=60)
    except Exception:
        worker.terminate()
        print(worker.stdout.read() if worker.stdout else "")
        raise
    assert outcome["ok"] is True
    # The worker counted the events this test wrote, so it read the test database.
    assert outcome["checked"] >= 3

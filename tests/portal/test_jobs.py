"""Is everything running? Each periodic job's runs are recorded, a heartbeat tells that beat
and a worker are alive, /sante/ reports a silent one, and "État du portail" shows it all.
Without Redis, `runserver` runs beat's schedule in its own process."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import DPO_GROUP, OWNER_GROUP, TEAM_GROUP, roles_ensure
from messaging.models import Campaign, Notification
from portal.jobs import HEARTBEAT, job_runs_prune, portal_state
from portal.models import JobRun
from portal.scheduler import InProcessBeat
from tests.conftest import _staff, logged_in

pytestmark = pytest.mark.django_db


def test_a_job_run_is_recorded_with_its_result(settings) -> None:
    from portal.tasks import heartbeat

    heartbeat.apply_async()
    run = JobRun.objects.get(job=HEARTBEAT)
    assert run.ok is True
    assert run.finished_at >= run.started_at
    beat = InProcessBeat()
    beat.last_run["retention-purge"] = timezone.now() - dt.timedelta(days=2)
    with mock.patch("retention.tasks.purge_run", side_effect=RuntimeError("disque plein")):
        assert "retention-purge" in beat.tick()  # the error stops neither the others nor it
    failed = JobRun.objects.get(job="retention.tasks.purge")
    assert failed.ok is False
    assert "disque plein" in failed.result


def test_old_runs_go_but_the_last_of_each_job_stays() -> None:
    now = timezone.now()
    old = now - dt.timedelta(days=40)
    for days in (40, 35):
        JobRun.objects.create(job=HEARTBEAT, started_at=now - dt.timedelta(days=days), ok=True)
    JobRun.objects.create(job="retention.tasks.purge", started_at=old, ok=True)
    assert job_runs_prune(now) == 1
    assert JobRun.objects.filter(job="retention.tasks.purge").count() == 1  # its only run
    assert JobRun.objects.filter(job=HEARTBEAT).get().started_at > old


def test_the_in_process_scheduler_runs_what_is_due_and_waits_for_the_night() -> None:
    beat = InProcessBeat()
    assert "retention-purge" not in beat.tick()  # just started: the purge waits for 2:00
    beat.last_run = {name: timezone.now() - dt.timedelta(days=2) for name in beat.last_run} | {
        "retention-purge": timezone.now() - dt.timedelta(days=2),
        "heartbeat": timezone.now() - dt.timedelta(minutes=2),
        "campaigns-start": timezone.now() - dt.timedelta(minutes=2),
    }
    ran = beat.tick()
    assert {"retention-purge", "heartbeat", "campaigns-start"} <= set(ran)
    assert JobRun.objects.filter(job="retention.tasks.purge", ok=True).exists()
    assert JobRun.objects.filter(job="messaging.tasks.start_campaigns", ok=True).exists()
    assert "retention-purge" not in beat.tick()  # once a night


def test_health_reports_a_silent_beat_or_worker(client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with (
        mock.patch("portal.jobs.worker_alive", return_value=True),
        mock.patch("redis.Redis.ping", return_value=True),
    ):
        response = client.get("/sante/")
        assert response.status_code == 503
        assert response.json()["beat"] == "error"
        JobRun.objects.create(job=HEARTBEAT, started_at=timezone.now(), ok=True)
        assert client.get("/sante/").json() == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
            "worker": "ok",
            "beat": "ok",
        }
    with (
        mock.patch("portal.jobs.worker_alive", return_value=False),
        mock.patch("redis.Redis.ping", return_value=True),
    ):
        silent = client.get("/sante/")
        assert silent.status_code == 503
        assert silent.json()["worker"] == "error"
        # The web container's own check does not depend on the worker.
        assert client.get("/sante/web/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/sante/", "/confidentialite/", "/compte/login/"])
def test_head_answers_like_get(client, url) -> None:
    assert client.head(url).status_code == client.get(url).status_code


def test_the_state_page_shows_jobs_failures_and_stuck_campaigns() -> None:
    roles_ensure()
    JobRun.objects.create(
        job="retention.tasks.purge",
        started_at=timezone.now() - dt.timedelta(hours=9),
        finished_at=timezone.now() - dt.timedelta(hours=9) + dt.timedelta(seconds=42),
        ok=False,
        result="disque plein",
    )
    Notification.objects.create(
        channel="email", template="thread_reply", idempotency_key="k1", status="failed"
    )
    Campaign.objects.create(
        name="Printemps",
        subject="s",
        body="b",
        status=Campaign.Status.SENDING,
        started_at=timezone.now() - dt.timedelta(hours=2),
    )
    state = portal_state(ping=False)
    assert state.failed_notifications == 1
    assert [c.name for c in state.stuck_campaigns] == ["Printemps"]
    owner = logged_in(
        _staff("proprietaire@entreprise.test", group=Group.objects.get(name=OWNER_GROUP))
    )
    page = owner.get("/admin/etat/").content.decode()
    assert "Purge de conservation" in page
    assert "échec" in page
    assert "disque plein" in page
    assert "1 e-mail ou SMS en échec ces dernières 24 heures" in page
    assert "Printemps" in page
    assert "État du portail" in owner.get("/admin/").content.decode()
    dpo = logged_in(_staff("dpo2@entreprise.test", group=Group.objects.get(name=DPO_GROUP)))
    assert dpo.get("/admin/etat/").status_code == 200
    team = logged_in(_staff("equipe2@entreprise.test", group=Group.objects.get(name=TEAM_GROUP)))
    assert team.get("/admin/etat/").status_code == 403
    assert "État du portail" not in team.get("/admin/").content.decode()

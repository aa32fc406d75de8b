"""The periodic jobs without Redis: `make run` has no Celery beat nor worker, so the portal's
own process runs beat's schedule (portal/celery.py) in a thread, the tasks in-process. Scheduled
campaigns start, held messages go, reminders and the nightly purge run, as in production.

Started by `manage.py runserver` when there is no broker (portal/management/commands/
runserver.py); never in production, where Celery beat and a worker do this.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections
from django.utils import timezone

from portal.jobs import job_failed

logger = logging.getLogger(__name__)


class InProcessBeat(threading.Thread):
    """Every `interval` seconds, each entry of beat's schedule whose time has come since it
    last ran is run. A job's first run is its first time after the start: a nightly purge
    waits for the night."""

    def __init__(self, interval: float = 20.0) -> None:
        super().__init__(name="portal-beat", daemon=True)
        self.interval = interval
        self.started = timezone.now()
        self.last_run: dict[str, dt.datetime] = {}
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.tick()
            finally:
                close_old_connections()

    def tick(self) -> list[str]:
        from portal.celery import app

        app.loader.import_default_modules()  # the apps' tasks modules, once (autodiscovery)
        ran = []
        for name, entry in app.conf.beat_schedule.items():
            last = self.last_run.get(name, self.started)
            due, _next = entry["schedule"].is_due(last)
            if not due:
                continue
            self.last_run[name] = timezone.now()
            try:
                app.tasks[entry["task"]].apply_async()
            except Exception as error:  # the others still run
                logger.exception("periodic job %s failed", entry["task"])
                job_failed(entry["task"], error)
            ran.append(name)
        return ran

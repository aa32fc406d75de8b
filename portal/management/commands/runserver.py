"""`runserver`, with the periodic jobs in the same process when there is no broker (the
embedded default of `make run`): see portal/scheduler.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhitenoiseRunserver,
)


class Command(WhitenoiseRunserver):
    def inner_run(self, *args: Any, **options: Any) -> Any:
        # The reloader runs the server in a child process: the jobs start there, once.
        if settings.CELERY_TASK_ALWAYS_EAGER and settings.INPROCESS_JOBS:
            from portal.scheduler import InProcessBeat

            InProcessBeat().start()
            self.stdout.write(
                "Tâches planifiées : dans ce processus (sans Redis) — campagnes, rappels, "
                "messages retenus, purge de nuit."
            )
        return super().inner_run(*args, **options)

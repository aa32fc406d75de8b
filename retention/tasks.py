from __future__ import annotations

from celery import shared_task

from retention.services.purge import purge_run


@shared_task(name="retention.tasks.purge")
def purge() -> int | None:
    """Nightly; a second run while one holds the lock does nothing."""
    run = purge_run()
    return run.pk if run is not None else None

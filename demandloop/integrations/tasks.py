"""Celery tasks: the outbox delivery and the generic runner of the periodic tasks.

Every task is idempotent (delivery claims its row; the sweep records each step once), which is what makes
acks_late with re-queueing on a dead worker safe: a task run twice does the work once.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from config.celery import app
from demandloop.integrations.notify.delivery import deliver_message


@app.task(  # type: ignore[untyped-decorator]
    name="demandloop.deliver_outbox_message", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def deliver_outbox_message(pk: int) -> str | None:
    return deliver_message(pk)


@app.task(  # type: ignore[untyped-decorator]
    name="demandloop.run_periodic", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def run_periodic(path: str) -> Any:
    """Run one entry of `settings.DEMANDLOOP_PERIODIC_TASKS` (the same callable the in-process runner runs)."""
    from django.conf import settings

    allowed = {entry[2] for entry in getattr(settings, "DEMANDLOOP_PERIODIC_TASKS", [])}
    # Only configured callables: a forged message on the broker cannot make the worker import anything else.
    if path not in allowed:
        raise ValueError(f"{path} is not a configured periodic task")
    return import_string(path)()

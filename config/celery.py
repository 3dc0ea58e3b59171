"""The Celery application of production deployments (`demandloop worker`).

Configured from the Django settings (`CELERY_*`): tasks are acknowledged only after they finish and are re-queued
when the worker running them dies (acks_late + reject_on_worker_lost), and a worker takes one task at a time, so a
SIGKILL loses nothing that was not already recorded in the database. The periodic schedule (beat) is the same list
the in-process runner reads, `settings.DEMANDLOOP_PERIODIC_TASKS`, each entry run by one generic task.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("demandloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # One queue per deployment (tests run their own worker on a queue of their own).
    task_default_queue=os.environ.get("DEMANDLOOP_CELERY_QUEUE", "demandloop"),
    # With Redis, a message taken by a worker that died comes back after this many seconds.
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("DEMANDLOOP_CELERY_VISIBILITY_TIMEOUT", "300"))
    },
    # Publishing from a web request must not hang when the broker is down: the outbox sweep catches up.
    task_publish_retry_policy={
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 0.5,
    },
    broker_connection_timeout=3,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks(["demandloop.integrations"])


@app.on_after_finalize.connect  # type: ignore[untyped-decorator]
def _schedule_periodic_tasks(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    for name, interval, path in getattr(settings, "DEMANDLOOP_PERIODIC_TASKS", []):
        sender.add_periodic_task(
            float(interval), sender.signature("demandloop.run_periodic", args=(path,)), name=name
        )

"""The in-process background runner of the embedded default: the periodic tasks, without a broker.

Production runs the same tasks under Celery beat and workers (`demandloop worker`); the embedded default runs them
in a daemon thread of `demandloop serve`. The list of periodic tasks is `settings.DEMANDLOOP_PERIODIC_TASKS`:
(name, interval in seconds, dotted path of a callable taking no arguments).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def periodic_tasks() -> list[tuple[str, float, Callable[[], object]]]:
    return [
        (name, float(interval), import_string(path))
        for name, interval, path in getattr(settings, "DEMANDLOOP_PERIODIC_TASKS", [])
    ]


class BackgroundRunner(threading.Thread):
    """Runs each periodic task at its interval until stopped; one failing task never stops the others."""

    def __init__(self, tick: float = 1.0) -> None:
        super().__init__(name="demandloop-runner", daemon=True)
        self.tick = tick
        self._stop_event = threading.Event()
        self.tasks = periodic_tasks()
        self.next_run = dict.fromkeys((name for name, _i, _f in self.tasks), 0.0)

    def run_due(self, now: float) -> list[str]:
        ran = []
        for name, interval, func in self.tasks:
            if now < self.next_run[name]:
                continue
            self.next_run[name] = now + interval
            close_old_connections()
            try:
                func()
                ran.append(name)
            except Exception:
                logger.exception("periodic task %s failed", name)
            finally:
                close_old_connections()
        return ran

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.run_due(time.monotonic())
            self._stop_event.wait(self.tick)

    def stop(self) -> None:
        self._stop_event.set()

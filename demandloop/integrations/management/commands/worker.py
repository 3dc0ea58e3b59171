"""`demandloop worker`: the background workers.

With a broker configured (`CELERY_BROKER_URL`, or `REDIS_URL`), it runs a Celery worker on Redis together with
the periodic schedule (beat) of `settings.DEMANDLOOP_PERIODIC_TASKS`; run one such process per node, or start
beat once with `--beat-only` and workers elsewhere with `--no-beat`. Without a broker it runs the same periodic
tasks in this process (the embedded default), until stopped — or once, with `--once`.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.runner import BackgroundRunner


class Command(BaseCommand):
    help = _("Run the background workers: Celery worker and beat on the broker, or the in-process runner.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2, help=_("worker processes (Celery)"))
        parser.add_argument("--no-beat", action="store_true", help=_("do not run the periodic schedule here"))
        parser.add_argument(
            "--beat-only", action="store_true", help=_("run only the periodic schedule (beat)")
        )
        parser.add_argument(
            "--schedule-file",
            default=str(settings.VAR_DIR / "celerybeat-schedule"),
            help=_("where beat keeps the times of the last runs"),
        )
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--in-process", action="store_true", help=_("ignore the broker; run the tasks here")
        )
        parser.add_argument(
            "--once", action="store_true", help=_("in-process: run every periodic task once, then stop")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CELERY_BROKER_URL and not options["in_process"]:
            self._celery(options)
        else:
            self._in_process(options)

    def _celery(self, options: Any) -> None:
        from config.celery import app

        if options["beat_only"]:
            argv = ["beat", "--loglevel", options["loglevel"], "--schedule", options["schedule_file"]]
        else:
            argv = [
                "worker",
                "--loglevel",
                options["loglevel"],
                "--concurrency",
                str(options["concurrency"]),
                "--queues",
                app.conf.task_default_queue,
            ]
            if not options["no_beat"]:
                argv += ["--beat", "--schedule", options["schedule_file"]]
        self.stdout.write(_("Starting Celery (%(argv)s).") % {"argv": " ".join(argv)})
        app.start(argv=argv)

    def _in_process(self, options: Any) -> None:
        runner = BackgroundRunner()
        if options["once"]:
            ran = runner.run_due(time.monotonic())
            self.stdout.write(
                _("Ran %(n)d periodic tasks: %(names)s") % {"n": len(ran), "names": ", ".join(ran)}
            )
            return
        if not runner.tasks:
            raise CommandError(_("No periodic tasks are configured (DEMANDLOOP_PERIODIC_TASKS)."))
        self.stdout.write(
            _("No broker configured: running %(n)d periodic tasks in this process. Press Ctrl+C to stop.")
            % {"n": len(runner.tasks)}
        )
        signal.signal(signal.SIGTERM, lambda *_args: runner.stop())
        runner.start()
        try:
            while runner.is_alive():
                runner.join(timeout=1)
        except KeyboardInterrupt:
            runner.stop()

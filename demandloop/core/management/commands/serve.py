"""`demandloop serve`: the web server with the in-process background runner (embedded default)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.runner import BackgroundRunner


class Command(BaseCommand):
    help = _("Start the platform: web server and background runner.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-runner", action="store_true", help=_("do not start the background runner"))

    def handle(self, *args: Any, **options: Any) -> None:
        runner = None
        # With a broker configured, Celery workers and beat run the periodic tasks instead (`demandloop worker`).
        if not options["no_runner"] and not settings.CELERY_BROKER_URL:
            runner = BackgroundRunner()
            runner.start()
            self.stdout.write(
                _("Background runner started (%(n)d periodic tasks).") % {"n": len(runner.tasks)}
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(_("demandloop is running at %(url)s — press Ctrl+C to stop.") % {"url": url})
        try:
            call_command(
                "runserver", f"{options['host']}:{options['port']}", use_reloader=False, use_threading=True
            )
        finally:
            if runner:
                runner.stop()

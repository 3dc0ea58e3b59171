"""`demandloop supervise`: run the supervision sweep once now (or at a given moment), optionally after rebuilding
the deadline watches of every open demand (needed after bulk inserts that sent no signal: demo data, imports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.sla.sweep import rebuild_watches, run_sweep


class Command(BaseCommand):
    help = _("Run the supervision sweep once: reminders, supervision and overdue steps that are due.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help=_("first recompute the watches of open demands")
        )
        parser.add_argument("--at", help=_("sweep as of this moment (ISO 8601 with offset) instead of now"))
        parser.add_argument("--limit", type=int, default=10000, help=_("at most this many watches"))

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(
                    _("--at must be an ISO date and time, e.g. 2026-02-26T09:00:00+08:00")
                ) from None
            if now.tzinfo is None:
                raise CommandError(_("--at must include a UTC offset, e.g. +08:00"))
        if options["rebuild"]:
            count = rebuild_watches()
            self.stdout.write(_("Watches rebuilt for %(n)d open demands.") % {"n": count})
        result = run_sweep(now=now, limit=options["limit"])
        steps = ", ".join(f"{step}: {n}" for step, n in sorted((result.steps or {}).items())) or "—"
        self.stdout.write(
            _("%(n)d watches due; steps taken: %(steps)s") % {"n": result.watches, "steps": steps}
        )

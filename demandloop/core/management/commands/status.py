"""`demandloop status`: is this deployment working — database, task queue, deadline supervision, messages,
working-day calendar, routers (`demandloop.core.status`). One line a check; `--json` for a monitor. The exit
status is 1 when a check fails (warnings leave it 0), so a scheduled run can alert.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.status import FAIL, OK, WARN, run_checks

MARKS = {OK: "✓", WARN: "!", FAIL: "✗"}


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Check that this deployment works: database, task queue, supervision, messages, calendar, routers."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help=_("Print the checks as JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        checks = run_checks()
        if options["json"]:
            self.stdout.write(json.dumps([check.as_dict() for check in checks], ensure_ascii=False, indent=2))
        else:
            width = max(len(check.name) for check in checks)
            for check in checks:
                self.stdout.write(f"{MARKS[check.state]} {check.name.ljust(width, '　')}  {check.message}")
        if any(check.state == FAIL for check in checks):
            sys.exit(1)

"""`demandloop phones` lists the phone numbers already saved that the platform's checks refuse (rows saved
before the checks, or written around them): which record, which field, the number, why, and where to correct
it. `--json` prints them as JSON. The exit status is 1 when any is found, so a scheduled run can alert.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from demandloop.core.command_options import database_ready
from demandloop.core.phone_check import bad_phones, phone_fields


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("List the saved phone numbers that the platform's checks refuse, and where to correct each.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help=_("Print the list as JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        with database_ready():
            found = list(bad_phones())
        if options["json"]:
            self.stdout.write(json.dumps([bad.as_dict() for bad in found], ensure_ascii=False, indent=2))
        else:
            for bad in found:
                self.stdout.write(
                    _("%(model)s #%(pk)s %(record)s · %(field)s “%(value)s”: %(reason)s")
                    % {
                        "model": bad.model_name,
                        "pk": bad.pk,
                        "record": bad.record,
                        "field": bad.field_name,
                        "value": bad.value,
                        "reason": bad.reason,
                    }
                )
                self.stdout.write("    " + (bad.where or _("(corrected in the database only)")))
            fields = len(phone_fields())
            if found:
                self.stdout.write(
                    ngettext(
                        "%(n)d saved phone number is refused by the checks (%(fields)d fields checked).",
                        "%(n)d saved phone numbers are refused by the checks (%(fields)d fields checked).",
                        len(found),
                    )
                    % {"n": len(found), "fields": fields}
                )
            else:
                self.stdout.write(
                    _("Every saved phone number passes the checks (%(fields)d fields checked).")
                    % {"fields": fields}
                )
        if found:
            sys.exit(1)

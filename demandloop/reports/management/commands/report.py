"""`demandloop report monthly --district CODE [--month YYYY-MM] --out FILE.docx|FILE.xlsx|FILE.json`: the
district's monthly report (月度通报) as a Word document, an Excel workbook or JSON, chosen by the file's extension
(see `demandloop.reports.monthly` and `.documents`). Without --month, the last complete month.

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready, district_by_code, out_file, write_file

ACTIONS = ("monthly",)
EXTENSIONS = ("docx", "xlsx", "json")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Write a district's monthly report as a Word document, an Excel workbook or JSON.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to write: monthly."))
        parser.add_argument("--district", help=_("District code, e.g. jinghai."))
        parser.add_argument("--month", help=_("The month, as YYYY-MM (default: the last complete month)."))
        parser.add_argument("--out", help=_("The file to write: .docx, .xlsx or .json."))

    def handle(self, *args: Any, **options: Any) -> None:
        from demandloop.reports import documents
        from demandloop.reports.api import report_dict
        from demandloop.reports.monthly import Month, MonthError, monthly_report

        if options["action"] not in ACTIONS:
            raise CommandError(_("Say what to write: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        out, extension = out_file(options["out"], EXTENSIONS, "月度通报.docx")
        district = district_by_code(options["district"])
        try:
            month = Month.parse(options["month"]) if options["month"] else Month.last_complete()
        except MonthError as error:
            raise CommandError(f"--month: {error}") from None
        with database_ready():
            report = monthly_report(district, month)
            if extension == "json":
                content = json.dumps(report_dict(report), ensure_ascii=False, indent=2).encode()
            else:
                content = documents.report_file(report, extension).content
        write_file(out, content)
        self.stdout.write(
            _("Wrote the report of %(district)s for %(month)s to %(path)s.")
            % {"district": district.name, "month": month.label, "path": out}
        )

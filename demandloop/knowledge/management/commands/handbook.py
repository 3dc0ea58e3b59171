"""`demandloop handbook export --district CODE --out FILE.docx|FILE.xlsx`: the district's 高频事项应答手册 as a
Word handbook or an Excel list, chosen by the file's extension (see `demandloop.knowledge.export`).

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback: the options are taken
as text and checked in handle().
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready, district_by_code, out_file, write_file
from demandloop.knowledge.export import EXPORT_FORMATS, handbook_file

ACTIONS = ("export",)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property so that the text is translated when the parser is built, in the active language.
        return _("Export a district's handbook (高频事项应答手册) as a Word document or an Excel list.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to do: export."))
        parser.add_argument("--district", help=_("District code, e.g. jinghai."))
        parser.add_argument("--out", help=_("The file to write: .docx for Word, .xlsx for Excel."))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ACTIONS:
            raise CommandError(_("Say what to do: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        out, file_format = out_file(options["out"], list(EXPORT_FORMATS), "应答手册.docx")
        district = district_by_code(options["district"])
        with database_ready():
            file = handbook_file(district, file_format)
        write_file(out, file.content)
        self.stdout.write(
            _("Wrote the handbook of %(district)s to %(path)s.") % {"district": district.name, "path": out}
        )

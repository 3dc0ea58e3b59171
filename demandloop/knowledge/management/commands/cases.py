"""`demandloop cases export --district CODE --year YYYY [--collection top10|accepted] --out FILE.docx|FILE.xlsx`:
a year's 案例汇编 — the published 十佳服务案例 (default) or every case accepted into the library — as a Word
document or an Excel list, chosen by the file's extension (see `demandloop.knowledge.casebook`).

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready, district_by_code, out_file, write_file
from demandloop.knowledge.casebook import COLLECTIONS, EXPORT_FORMATS, casebook, casebook_file

ACTIONS = ("export",)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Export a year's typical cases (案例汇编) as a Word document or an Excel list.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to do: export."))
        parser.add_argument("--district", help=_("District code, e.g. jinghai."))
        parser.add_argument("--year", help=_("The year the demands were resolved, e.g. 2026."))
        parser.add_argument(
            "--collection",
            default="top10",
            help=_(
                "top10: the published top-ten cases (default); accepted: every accepted case of the year."
            ),
        )
        parser.add_argument("--out", help=_("The file to write: .docx for Word, .xlsx for Excel."))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ACTIONS:
            raise CommandError(_("Say what to do: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        out, file_format = out_file(options["out"], list(EXPORT_FORMATS), "十佳服务案例.docx")
        text = (options["year"] or "").strip()
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            raise CommandError(
                _("--year must be a year of four digits, e.g. --year 2026, not “%(text)s”.") % {"text": text}
            )
        collection = options["collection"]
        if collection not in COLLECTIONS:
            raise CommandError(
                _("--collection must be top10 or accepted, not “%(text)s”.") % {"text": collection}
            )
        district = district_by_code(options["district"])
        with database_ready():
            file = casebook_file(district, int(text), collection, file_format)
            count = len(casebook(district, int(text), collection).cases)
        write_file(out, file.content)
        self.stdout.write(
            _("Wrote %(count)d case(s) of %(district)s, %(year)s, to %(path)s.")
            % {"count": count, "district": district.name, "year": text, "path": out}
        )

"""`demandloop calendar due|show|import|seed`: the working-day calendar from the command line (DESIGN.md §8).

`due` prints the deadline as ISO 8601 in Asia/Shanghai on stdout, alone on its line so that scripts can read
it; the end of a day is written 23:59:59.999999+08:00 (see `demandloop.sla.calendar`: the date is the due day
itself and the instant round-trips exactly through `datetime.fromisoformat`). A provisional deadline is said
so on stderr, and in the `provisional` field of `--json`.

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, ProgrammingError
from django.utils import dateformat
from django.utils.translation import gettext as _

from demandloop.sla.calendar import CalendarError, DateOutOfRangeError, NaiveDatetimeError
from demandloop.sla.imports import ArrangementImportError, parse_arrangement_file
from demandloop.sla.models import PublishedYear
from demandloop.sla.services import due_payload, get_calendar, seed_official_calendar

MAX_DAYS = 3650  # ten years of working days: beyond any deadline the platform sets, and a readable `counted`.
MIN_YEAR, MAX_YEAR = 1949, 2999
SUBCOMMANDS = ("due", "show", "import", "seed")


def _translate_argparse_message(message: str) -> str:
    """argparse's English messages in Chinese: the ones a person mistyping a command can meet."""
    if match := re.match(r"the following arguments are required: (.+)", message):
        names = match.group(1)
        if "subcommand" in names or "{due" in names:
            return _("Say what to do: %(choices)s.") % {"choices": ", ".join(SUBCOMMANDS)}
        return _("Missing argument(s): %(names)s.") % {"names": names}
    if match := re.match(r"argument (\S+): invalid choice: '?([^']*)'? \(choose from", message):
        return _("Unknown subcommand “%(value)s”; use one of: %(choices)s.") % {
            "value": match.group(2),
            "choices": ", ".join(SUBCOMMANDS),
        }
    if match := re.match(r"argument (\S+): expected one argument", message):
        return _("Option %(option)s needs a value.") % {"option": match.group(1).split("/")[0]}
    if match := re.match(r"unrecognized arguments: (.+)", message):
        return _("Unrecognised argument(s): %(names)s.") % {"names": match.group(1)}
    return _("Invalid arguments: %(detail)s") % {"detail": message}


class ChineseCommandParser(CommandParser):
    """A `CommandParser` whose errors people read in Chinese, with the same exits as Django's."""

    def error(self, message: str) -> NoReturn:
        text = _translate_argparse_message(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, _("%(prog)s: error: %(message)s") % {"prog": self.prog, "message": text} + "\n")
        raise CommandError(text)


def _parse_int(value: str | None, option: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise CommandError(
            _("%(option)s must be a whole number from %(low)d to %(high)d, not “%(value)s”.")
            % {"option": option, "low": low, "high": high, "value": value}
        )
    return number


def _parse_start(value: str | None) -> datetime:
    if not value:
        raise CommandError(_("--from is required: the moment of receipt, e.g. 2026-02-13T09:00:00+08:00."))
    try:
        start = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("--from “%(value)s” is not an ISO 8601 date and time, e.g. 2026-02-13T09:00:00+08:00.")
            % {"value": value}
        ) from None
    if start.tzinfo is None or start.utcoffset() is None:
        raise CommandError(
            _(
                "--from “%(value)s” has no UTC offset; add one, "
                "e.g. 2026-02-13T09:00:00+08:00 for Beijing time."
            )
            % {"value": value}
        )
    return start


def _weekday(day: date) -> str:
    return str(dateformat.format(day, "D"))


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property so that the text is translated when the parser is built, in the active language.
        return _(
            "The working-day calendar: compute a deadline, show a year, import a year's arrangement, seed."
        )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Top-level errors (no or unknown subcommand) in Chinese too; the subparsers get the class below.
        parser.__class__ = ChineseCommandParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand",
            metavar="{due,show,import,seed}",
            required=True,
            parser_class=ChineseCommandParser,
        )
        # Options are taken as text and checked in handle(), so that every mistake gets a Chinese message.
        due = subcommands.add_parser(
            "due", help=_("Print the deadline of N working days from a moment of receipt.")
        )
        due.add_argument("--from", dest="start", help=_("Moment of receipt, ISO 8601 with offset."))
        due.add_argument("--days", help=_("Number of working days (0 = within the day)."))
        due.add_argument("--district", help=_("District code: its office closing time ends the day."))
        due.add_argument("--json", action="store_true", help=_("Print JSON: due, provisional, counted."))

        show = subcommands.add_parser("show", help=_("List a year's days off and make-up working days."))
        show.add_argument("year", nargs="?", help=_("The year, e.g. 2026."))
        show.add_argument("--json", action="store_true", help=_("Print JSON."))

        imp = subcommands.add_parser(
            "import", help=_("Import a year's arrangement from CSV or XLSX (date, type, note).")
        )
        imp.add_argument("file", nargs="?", help=_("The CSV (UTF-8 or GBK) or XLSX file."))
        imp.add_argument("--year", help=_("The arrangement's year (default: the latest year in the file)."))
        imp.add_argument("--user", help=_("Username recorded as the author of the import."))
        imp.add_argument("--dry-run", action="store_true", help=_("Validate only; save nothing."))

        subcommands.add_parser("seed", help=_("Fill the official days from the chinesecalendar package."))

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {"due": self.handle_due, "show": self.handle_show, "import": self.handle_import}
        handler = handlers.get(options["subcommand"], self.handle_seed)
        try:
            handler(options)
        except (OperationalError, ProgrammingError) as error:
            # A database without the calendar's tables: say what to do rather than print a traceback.
            raise CommandError(
                _("The database is not ready (%(error)s); run `demandloop init` first.") % {"error": error}
            ) from None

    # --- due -------------------------------------------------------------------------------------------

    def handle_due(self, options: dict[str, Any]) -> None:
        from demandloop.org.models import District
        from demandloop.sla.calendar import add_working_days

        start = _parse_start(options["start"])
        if options["days"] is None:
            raise CommandError(_("--days is required: the number of working days, e.g. --days 3."))
        days = _parse_int(options["days"], "--days", 0, MAX_DAYS)
        closing_time = None
        if options["district"]:
            district = District.objects.filter(code=options["district"].strip()).first()
            if district is None:
                raise CommandError(_("No district has the code “%(code)s”.") % {"code": options["district"]})
            closing_time = district.office_closing_time
        try:
            due = add_working_days(start, days, get_calendar(), closing_time)
        except DateOutOfRangeError:
            raise CommandError(_("The deadline would fall after the year 9999.")) from None
        except NaiveDatetimeError:
            raise CommandError(_("--from has no UTC offset.")) from None
        except CalendarError as error:
            raise CommandError(_("The deadline cannot be computed: %(error)s") % {"error": error}) from None

        if options["json"]:
            self.stdout.write(json.dumps(due_payload(due), ensure_ascii=False))
        else:
            self.stdout.write(due.due.isoformat())
        if due.provisional:
            self.stderr.write(
                _(
                    "Note: this deadline is provisional: the holiday arrangement of a year it involves "
                    "has not been published, so Monday to Friday were counted as working days."
                ),
                style_func=self.style.WARNING,
            )

    # --- show ------------------------------------------------------------------------------------------

    def handle_show(self, options: dict[str, Any]) -> None:
        if options["year"] is None:
            raise CommandError(_("Say which year to show, e.g. demandloop calendar show 2026."))
        year = _parse_int(options["year"], _("year"), MIN_YEAR, MAX_YEAR)
        calendar = get_calendar()
        published = calendar.is_published(year)
        record = PublishedYear.objects.filter(year=year).first()
        source = (
            record.get_source_display() if record else (_("chinesecalendar package") if published else "")
        )
        days_off = calendar.year_days_off(year)
        makeup = calendar.year_makeup_days(year)
        working = calendar.year_working_day_count(year)

        if options["json"]:
            payload = {
                "year": year,
                "published": published,
                "provisional": not published,
                "source": str(source),
                "days_off": [{"date": d.isoformat(), "note": calendar.label(d)} for d in days_off],
                "makeup_days": [{"date": d.isoformat(), "note": calendar.label(d)} for d in makeup],
                "working_days": working,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return

        if published:
            self.stdout.write(
                _("%(year)d holiday arrangement: published (source: %(source)s).")
                % {"year": year, "source": source}
            )
        else:
            self.stdout.write(
                _(
                    "%(year)d holiday arrangement: NOT published. Monday to Friday are counted as "
                    "working days and every deadline involving %(year)d is provisional."
                )
                % {"year": year},
                style_func=self.style.WARNING,
            )
        self.stdout.write(_("Days off (%(count)d):") % {"count": len(days_off)})
        for day in days_off:
            self.stdout.write(f"  {day.isoformat()} {_weekday(day)} {calendar.label(day)}".rstrip())
        self.stdout.write(_("Make-up working days (%(count)d):") % {"count": len(makeup)})
        for day in makeup:
            self.stdout.write(f"  {day.isoformat()} {_weekday(day)} {calendar.label(day)}".rstrip())
        self.stdout.write(_("Working days in the year: %(count)d.") % {"count": working})

    # --- import ----------------------------------------------------------------------------------------

    def handle_import(self, options: dict[str, Any]) -> None:
        from demandloop.sla.actions import do_import_arrangement

        if not options["file"]:
            raise CommandError(_("Say which file to import, e.g. demandloop calendar import 2027.xlsx."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("The file “%(path)s” does not exist.") % {"path": path})
        year = _parse_int(options["year"], "--year", MIN_YEAR, MAX_YEAR) if options["year"] else None
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(
                    _("No user has the username “%(username)s”.") % {"username": options["user"]}
                )
        try:
            arrangement = parse_arrangement_file(path, year=year)
        except ArrangementImportError as error:
            lines = [
                _("Nothing was imported: the file has %(count)d problem(s).") % {"count": len(error.errors)}
            ]
            lines += [f"  {problem}" for problem in error.errors]
            raise CommandError("\n".join(lines)) from None
        if options["dry_run"]:
            self.stdout.write(
                _(
                    "The file is valid: %(count)d day(s) of the %(year)d arrangement. "
                    "Nothing was saved (--dry-run)."
                )
                % {"count": len(arrangement.rows), "year": arrangement.year}
            )
            return
        result = do_import_arrangement(arrangement, user=user)
        self.stdout.write(
            _(
                "Imported the %(year)d arrangement: %(created)d day(s), "
                "replacing %(replaced)d earlier override(s); %(year)d is now published."
            )
            % {"year": result.year, "created": result.created, "replaced": result.replaced},
            style_func=self.style.SUCCESS,
        )

    # --- seed ------------------------------------------------------------------------------------------

    def handle_seed(self, options: dict[str, Any]) -> None:
        from demandloop.sla.official import SOURCE

        result = seed_official_calendar()
        if not result.changed:
            self.stdout.write(_("The official calendar already matches %(source)s.") % {"source": SOURCE})
            return
        self.stdout.write(
            _(
                "Official calendar synchronised with %(source)s: %(created)d added, %(updated)d updated, "
                "%(deleted)d removed; %(years)d year(s) newly published."
            )
            % {
                "source": SOURCE,
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
                "years": result.years_published,
            },
            style_func=self.style.SUCCESS,
        )

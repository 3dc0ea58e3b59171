"""Read a year's holiday arrangement from a CSV or XLSX file, validating every row before saving anything.

The file has a header and three columns - date, type (休息/上班, also 放假, or off/work) and note - in
any order, headed in English or Chinese. Every row is checked and every problem reported with its row and
column, in words a clerk understands; only a file without a single error becomes an `Arrangement` for
`do_import_arrangement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from demandloop.lib.tabular import CellValue, Table, TableReadError, read_table
from demandloop.sla.models import CalendarOverride, DayKindChoices

DATE_HEADERS = ("date", "日期")
TYPE_HEADERS = ("type", "kind", "类型", "类别")
NOTE_HEADERS = ("note", "备注", "说明")

_KIND_WORDS = {
    "休息": DayKindChoices.OFF,
    "放假": DayKindChoices.OFF,
    "off": DayKindChoices.OFF,
    "上班": DayKindChoices.WORK,
    "work": DayKindChoices.WORK,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_NOTE_MAX_LENGTH = CalendarOverride._meta.get_field("note").max_length or 200


@dataclass(frozen=True, slots=True)
class ArrangementRow:
    """One valid row: the date, whether it is worked, and the note."""

    number: int
    date: date
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class Arrangement:
    """A year's arrangement read from a file, every row valid."""

    year: int
    rows: tuple[ArrangementRow, ...]
    file_name: str


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with the file (row None) or with one cell of one row."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ArrangementImportError(Exception):
    """The file was refused; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def _read_failure_message(error: TableReadError) -> str:
    messages = {
        "unsupported_format": _("Unsupported file type “%(detail)s”: use a CSV or XLSX file."),
        "undecodable": _("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX."),
        "unreadable": _("The file cannot be read as a table (%(detail)s)."),
        "empty": _("The file is empty: it needs a header row (date, type, note) and at least one day."),
    }
    return messages[error.reason] % {"detail": error.detail}


def parse_date(value: CellValue) -> date | None:
    """A date from a cell: an Excel date, or text such as 2026-02-15, 2026/2/15 or 2026年2月15日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    return None


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_table(table: Table, file_name: str, year: int | None = None) -> Arrangement:
    """Validate `table` as an arrangement; raise `ArrangementImportError` listing every problem."""
    date_index = table.column(DATE_HEADERS)
    type_index = table.column(TYPE_HEADERS)
    note_index = table.column(NOTE_HEADERS)
    missing = [label for label, index in ((_("date"), date_index), (_("type"), type_index)) if index is None]
    if date_index is None or type_index is None:
        raise ArrangementImportError(
            [
                RowError(
                    1,
                    None,
                    _(
                        "The header lacks the column(s) %(columns)s "
                        "(expected: date, type, note, or 日期、类型、备注)."
                    )
                    % {"columns": "、".join(missing)},
                )
            ]
        )
    date_column = table.header[date_index]
    type_column = table.header[type_index]
    note_column = table.header[note_index] if note_index is not None else ""
    if not table.rows:
        raise ArrangementImportError([RowError(None, None, _("The file has a header but no days."))])

    errors: list[RowError] = []
    rows: list[ArrangementRow] = []
    first_row_of: dict[date, int] = {}
    for row in table.rows:
        raw_date = row.get(date_index)
        day = parse_date(raw_date)
        if day is None:
            shown = _text(raw_date)
            message = (
                _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2026-02-15.") % {"value": shown}
                if shown
                else _("the date is missing.")
            )
            errors.append(RowError(row.number, date_column, message))
        elif day in first_row_of:
            errors.append(
                RowError(
                    row.number,
                    date_column,
                    _("%(date)s already appears in row %(other)d.")
                    % {"date": day.isoformat(), "other": first_row_of[day]},
                )
            )
            day = None
        else:
            first_row_of[day] = row.number

        raw_kind = _text(row.get(type_index))
        kind = _KIND_WORDS.get(raw_kind.casefold())
        if kind is None:
            message = (
                _(
                    "“%(value)s” is not a type; write 休息 (or off) for a day off, "
                    "上班 (or work) for a working day."
                )
                % {"value": raw_kind}
                if raw_kind
                else _("the type is missing; write 休息 (or off) or 上班 (or work).")
            )
            errors.append(RowError(row.number, type_column, message))

        note = _text(row.get(note_index)) if note_index is not None else ""
        if len(note) > _NOTE_MAX_LENGTH:
            errors.append(
                RowError(
                    row.number,
                    note_column,
                    _("the note is %(length)d characters long; at most %(limit)d are allowed.")
                    % {"length": len(note), "limit": _NOTE_MAX_LENGTH},
                )
            )
        if day is not None and kind is not None:
            rows.append(ArrangementRow(row.number, day, kind, note))

    if year is None and rows:
        # A notice is named after its year, which is the latest year it mentions: the 2019 notice also set
        # 2018-12-29 (a Saturday) as a make-up working day for New Year's Day.
        year = max(row.date.year for row in rows)
    if year is not None:
        for arrangement_row in rows:
            if not _belongs_to(arrangement_row.date, year):
                errors.append(
                    RowError(
                        arrangement_row.number,
                        date_column,
                        _(
                            "%(date)s is not part of the %(year)d arrangement "
                            "(only %(year)d and December of the year before)."
                        )
                        % {"date": arrangement_row.date.isoformat(), "year": year},
                    )
                )
    if errors:
        errors.sort(key=lambda error: error.row or 0)
        raise ArrangementImportError(errors)
    assert year is not None  # rows is not empty when there is no error
    return Arrangement(year=year, rows=tuple(rows), file_name=file_name)


def _belongs_to(day: date, year: int) -> bool:
    return day.year == year or (day.year == year - 1 and day.month == 12)


def parse_arrangement_file(
    path: Path | str, content: bytes | None = None, year: int | None = None
) -> Arrangement:
    """Read and validate an arrangement file (CSV in UTF-8 or GBK, or XLSX)."""
    try:
        table = read_table(path, content)
    except TableReadError as error:
        raise ArrangementImportError([RowError(None, None, _read_failure_message(error))]) from error
    return parse_table(table, Path(path).name, year)

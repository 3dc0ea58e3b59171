"""What every file import of the platform shares: the words for an unreadable file, and the command's district.

The ledger import (`enterprises.imports`) and the 12345 work-order import (`integrations.hotline12345.imports`)
read files through `lib.tabular` and run as sub-commands of `demandloop import`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from demandloop.lib.tabular import TableReadError
from demandloop.org.models import District


class CellError(ValueError):
    """A cell that cannot be read; the message is the clerk's."""


def cell_text(value: Any, *, with_time: bool = True) -> str:
    """A cell of CSV or XLSX as one line of text: nothing for an empty cell, runs of blanks as one space,
    Excel's whole numbers without ".0", dates in ISO form — a date and time as both, or, `with_time=False`
    (a ledger's registration date), as the day alone.

    Raises `CellError` for a number Excel has rounded (a long code typed into a number cell), which no reading
    can restore.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise CellError(
            _("The cell holds a number Excel has rounded; format the column as text and export again.")
        )
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ") if with_time else value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file: the row as the user sees it (header = row 1), the column, why."""

    row: int
    column: str
    message: str


class _HasOutcome(Protocol):
    outcome: str


RowT = TypeVar("RowT", bound=_HasOutcome)


@dataclass
class ImportReport(Generic[RowT]):
    """What a file would do (or did) to one district: its rows by outcome, its errors, whether it was applied."""

    path: str
    district: Any
    total_rows: int = 0
    rows: list[RowT] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    applied: bool = False

    def of(self, outcome: str) -> list[RowT]:
        return [row for row in self.rows if row.outcome == outcome]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def table_error_message(error: TableReadError) -> str:
    """Why a file could not be read as a table, in words a clerk understands."""
    messages = {
        "unsupported_format": _("Only CSV and XLSX files can be imported."),
        "undecodable": _("The file is neither UTF-8 nor GBK text."),
        "unreadable": _("The file cannot be read as a table."),
        "empty": _("The file is empty."),
    }
    return messages[error.reason]


def district_for_command(code: str | None) -> District:
    """The district named by --district, or the only one there is."""
    if code:
        try:
            return District.objects.get(code=code)
        except District.DoesNotExist:
            raise CommandError(_("There is no district with the code “%(code)s”.") % {"code": code}) from None
    districts = list(District.objects.all()[:2])
    if len(districts) != 1:
        raise CommandError(_("Name the district with --district CODE."))
    return districts[0]


# The largest import file accepted (12345 exports, the ledger list): a month of a district is a few MB.
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def checked_upload(upload: Any) -> Any:
    """An uploaded import file, refused (ValidationError, which forms and the API both report on the field) when
    it is larger than `MAX_IMPORT_BYTES`."""
    from django.core.exceptions import ValidationError

    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    return upload

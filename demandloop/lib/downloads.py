"""Files the platform hands out (the handbook, the monthly report, exports): content types and the response.

A download carries two file names (RFC 6266): the one in the district's language, which browsers take, and an
ASCII one for clients that cannot read it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Office formats by the extension the API, the pages and the commands name them by.
OFFICE_FORMATS = {"docx": DOCX, "xlsx": XLSX}


@dataclass(frozen=True)
class DownloadFile:
    """A file ready to send: its bytes, content type, and file names (in the district's language, and in ASCII
    for clients that cannot read the other)."""

    content: bytes
    content_type: str
    filename: str
    ascii_filename: str


def as_download(file: DownloadFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    # Both names (RFC 6266): browsers take the UTF-8 one, older clients the plain one.
    response["Content-Disposition"] = (
        f"attachment; filename=\"{file.ascii_filename}\"; filename*=UTF-8''{quote(file.filename)}"
    )
    return response


def clean_text(text: str) -> str:
    """The text without the control characters XML cannot hold (pasted from other programs), which would stop
    both python-docx and openpyxl."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def cells_as_text(sheet: Worksheet, min_row: int = 2) -> None:
    """Keep text that starts with "=" as text: openpyxl takes it for a formula, and a demand's title or an answer
    is what someone typed, never something for Excel to compute."""
    for row in sheet.iter_rows(min_row=min_row):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def text_cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """One row for a write-only sheet (a long export, streamed): text cleaned (`clean_text`) and kept as text. A
    title, a username or a message is what someone typed — "=HYPERLINK(…)" from a portal or a login form must
    reach the reader as those characters, not as a formula Excel runs."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            value = clean_text(value)
            if value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
        row.append(value)
    return row


def write_table(
    sheet: Worksheet,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float] = (),
    wrap: bool = True,
) -> None:
    """A list on `sheet` as every export of the platform writes one: a bold header row that stays in view, the
    rows with their text cleaned and kept as text (`clean_text`, `cells_as_text`), wrapped at the top of the
    cell, and the columns as wide as `widths` says (the first ones; the rest as Excel makes them)."""
    sheet.append([str(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([clean_text(value) if isinstance(value, str) else value for value in row])
    cells_as_text(sheet)
    if wrap:
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Read a small table from a CSV or XLSX file: a header and numbered rows of cell values.

The platform's imports (calendar arrangements, 12345 work orders, ledger lists) receive files written by hand
or exported from Excel on Windows, so CSV comes in UTF-8 (with or without BOM) or GBK, and XLSX cells come as
dates, numbers or text. This module only reads; validation, and the messages people read, belong to the import
that knows what each column means. Errors carry a `reason` code for that import to translate.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import openpyxl

CellValue = object
ReadFailure = Literal["unsupported_format", "undecodable", "unreadable", "empty"]

_XLSX_MAGIC = b"PK\x03\x04"
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
# GB18030 is a superset of GBK and GB2312: one fallback decodes files saved by any Chinese Windows.
_ENCODINGS = ("utf-8-sig", "gb18030")


class TableReadError(Exception):
    """The file could not be read as a table; `reason` says why in a word the caller translates."""

    def __init__(self, reason: ReadFailure, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: ReadFailure = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: its number as the user sees it (the header is row 1) and its cells."""

    number: int
    cells: tuple[CellValue, ...]

    def get(self, index: int) -> CellValue:
        """The cell at `index`, or None past the row's end (short CSV lines)."""
        return self.cells[index] if index < len(self.cells) else None


@dataclass(frozen=True, slots=True)
class Table:
    """A header (cell texts, stripped) and the data rows below it, blank rows left out."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    encoding: str | None = None

    def column(self, names: Sequence[str]) -> int | None:
        """The index of the first header cell equal (ignoring case and spaces) to one of `names`."""
        wanted = {name.strip().casefold() for name in names}
        for index, title in enumerate(self.header):
            if title.strip().casefold() in wanted:
                return index
        return None


def _is_blank(cells: Sequence[CellValue]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _build(raw_rows: Sequence[tuple[int, tuple[CellValue, ...]]], encoding: str | None) -> Table:
    rows = [(number, cells) for number, cells in raw_rows if not _is_blank(cells)]
    if not rows:
        raise TableReadError("empty")
    (_, header_cells), *data = rows
    header = tuple("" if cell is None else str(cell).strip() for cell in header_cells)
    return Table(header=header, rows=tuple(TableRow(n, c) for n, c in data), encoding=encoding)


def decode_text(content: bytes) -> tuple[str, str]:
    """The text of `content` and the encoding that decoded it: UTF-8 first, then GBK (as GB18030)."""
    for encoding in _ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TableReadError("undecodable", "neither UTF-8 nor GBK")


def read_csv(content: bytes) -> Table:
    """A table from CSV bytes; the delimiter (comma, tab or semicolon) is sniffed from the first lines, quoting is
    Excel's (a quote inside a quoted cell is doubled)."""
    text, encoding = decode_text(content)
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is taken from the sniffer; quoting stays Excel's. The sniffer reports doubled quotes
    # ("" inside a quoted cell) only if its sample holds one, and a dialect without them would end the cell at
    # the first "" further down and shift the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        # Row numbers count records, as a spreadsheet shows them (a quoted cell may span lines).
        raw_rows = [(number, tuple(record)) for number, record in enumerate(reader, start=1)]
    except csv.Error as error:
        raise TableReadError("unreadable", str(error)) from error
    return _build(raw_rows, encoding)


def read_xlsx(content: bytes) -> Table:
    """A table from the first worksheet of an XLSX workbook; formulas give their cached values."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise TableReadError("unreadable", str(error)) from error
    try:
        sheet = workbook.worksheets[0]
        raw_rows = [
            (number, tuple(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _build(raw_rows, None)


def read_table(path: Path | str, content: bytes | None = None) -> Table:
    """A table from a CSV or XLSX file, chosen by the suffix, or by the content when the suffix is unknown.

    `content` may be given when the bytes are already in memory (an upload); `path` then only names the file.
    """
    path = Path(path)
    if content is None:
        try:
            content = path.read_bytes()
        except OSError as error:
            raise TableReadError("unreadable", str(error)) from error
    suffix = path.suffix.lower()
    if suffix in _XLSX_SUFFIXES or (suffix not in _CSV_SUFFIXES and content.startswith(_XLSX_MAGIC)):
        return read_xlsx(content)
    if suffix in _CSV_SUFFIXES or not suffix:
        return read_csv(content)
    raise TableReadError("unsupported_format", suffix)

"""Test files of 12345 exports, written into the test's tmp_path: CSV in UTF-8 (with or without BOM) or GBK, and
XLSX. Made-up orders only; real exports hold citizens' personal data and never enter the repository.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

# The header of the hotline system's export, in its own words.
HEADER = (
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "企业名称",
    "统一社会信用代码",
    "诉求类别",
    "诉求内容",
    "办理时限",
)


def order(number: str, enterprise: Any = None, **cells: Any) -> dict[str, Any]:
    """One row of the export; `enterprise` fills the name and code from a ledger row."""
    row: dict[str, Any] = {
        "工单编号": number,
        "受理时间": "2025-09-28 09:15:00",
        "来电人": "王小明",
        "联系电话": "13912345678",
        "企业名称": enterprise.name if enterprise is not None else "",
        "统一社会信用代码": enterprise.uscc if enterprise is not None else "",
        "诉求类别": "营商环境",
        "诉求内容": "企业反映厂区门前道路破损，货车进出困难，希望尽快修复。",
        "办理时限": "2025-10-10",
    }
    row.update(cells)
    return row


def _table(rows: Sequence[dict[str, Any]], header: Sequence[str] | None) -> list[list[Any]]:
    columns = list(header or HEADER)
    return [columns, *([row.get(column, "") for column in columns] for row in rows)]


def write_csv(
    path: Path,
    rows: Sequence[dict[str, Any]],
    *,
    encoding: str = "utf-8",
    header: Sequence[str] | None = None,
    delimiter: str = ",",
) -> Path:
    """A CSV export; encoding "utf-8-sig" writes the BOM Excel adds, "gbk" what Chinese Windows saves."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(_table(rows, header))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[dict[str, Any]], *, header: Sequence[str] | None = None) -> Path:
    """An XLSX export; datetime cells stay datetimes, as Excel keeps them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in _table(rows, header):
        sheet.append(line)
    workbook.save(path)
    return path

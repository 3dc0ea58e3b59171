"""Reading one cell of an imported CSV or XLSX file, as the ledger and the 12345 imports both do."""

from __future__ import annotations

import datetime

import pytest

from demandloop.core.imports import CellError, cell_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  天津市   静海区\t大邱庄镇 ", "天津市 静海区 大邱庄镇"),
        (91120223.0, "91120223"),
        (12345, "12345"),
        (True, "True"),
        (datetime.date(2026, 2, 13), "2026-02-13"),
        (datetime.datetime(2026, 2, 13, 9, 30), "2026-02-13 09:30:00"),
    ],
)
def test_a_cell_reads_as_one_line_of_text(value, expected):
    assert cell_text(value) == expected


def test_a_ledger_reads_a_date_and_time_as_the_day():
    assert cell_text(datetime.datetime(2026, 2, 13, 9, 30), with_time=False) == "2026-02-13"
    assert cell_text(datetime.date(2026, 2, 13), with_time=False) == "2026-02-13"


def test_a_number_excel_has_rounded_is_refused_with_what_to_do():
    with pytest.raises(CellError, match="Excel"):
        cell_text(9.11202236e17)

"""Reading CSV (UTF-8, GBK) and XLSX tables for the imports."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from demandloop.lib.tabular import TableReadError, decode_text, read_table


def xlsx_bytes(rows: list[tuple[object, ...]]) -> bytes:
    workbook = openpyxl.Workbook()
    assert workbook.active is not None
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_reads_a_utf8_csv_with_its_header_and_row_numbers() -> None:
    table = read_table("a.csv", "日期,类型\n2027-01-01,休息\n\n2027-01-02,上班\n".encode())
    assert table.header == ("日期", "类型")
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("2027-01-01", "休息")),
        (4, ("2027-01-02", "上班")),
    ]
    assert table.encoding == "utf-8-sig"


def test_it_falls_back_to_gbk() -> None:
    table = read_table("a.csv", "日期,类型\n2027-01-01,休息\n".encode("gbk"))
    assert table.rows[0].cells == ("2027-01-01", "休息")
    assert table.encoding == "gb18030"


def test_it_sniffs_a_tab_separated_file() -> None:
    table = read_table("a.txt", b"date\ttype\n2027-01-01\toff\n")
    assert table.header == ("date", "type")


def test_it_reads_a_doubled_quote_far_below_the_sniffed_lines() -> None:
    # The sniffer sees no "" in its first 4 KB; the cell further down must still keep its quote and its end.
    lines = ["id,text,label"] + [f'{i},"{"企业反映用电问题" * 40}",城乡建设' for i in range(20)]
    lines.append('20,"他说""尽快办理""，然后，没有下文",劳动和社会保障')
    lines.append("21,最后一行,交通运输")
    table = read_table("a.csv", "\n".join(lines).encode())
    assert table.rows[-2].cells == ("20", '他说"尽快办理"，然后，没有下文', "劳动和社会保障")
    assert table.rows[-1].cells == ("21", "最后一行", "交通运输")


def test_it_reads_the_first_sheet_of_an_xlsx_with_typed_cells() -> None:
    table = read_table("a.xlsx", xlsx_bytes([("date", "n"), (datetime(2027, 1, 1), 3), (None, None)]))
    assert table.header == ("date", "n")
    assert table.rows[0].cells == (datetime(2027, 1, 1), 3)
    assert len(table.rows) == 1


def test_it_recognises_an_xlsx_by_its_content_when_the_name_has_another_suffix() -> None:
    table = read_table("upload.bin", xlsx_bytes([("date",), ("2027-01-01",)]))
    assert table.rows[0].cells == ("2027-01-01",)


def test_it_finds_a_column_by_any_of_its_names_ignoring_case() -> None:
    table = read_table("a.csv", b"Note, DATE ,type\n")
    assert (table.column(["date", "日期"]), table.column(["Type"]), table.column(["missing"])) == (1, 2, None)


def test_a_short_row_has_empty_cells_past_its_end() -> None:
    table = read_table("a.csv", b"a,b,c\n1\n")
    assert (table.rows[0].get(0), table.rows[0].get(2)) == ("1", None)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0", "unsupported_format"),
        ("a.csv", b"", "empty"),
        ("a.csv", b" , \n\n", "empty"),
        ("a.xlsx", b"PK\x03\x04 broken", "unreadable"),
        ("a.csv", b"\xff\xfe\x00\x81\x30\xff", "undecodable"),
    ],
)
def test_it_says_why_a_file_cannot_be_read(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(TableReadError) as excinfo:
        read_table(name, content)
    assert excinfo.value.reason == reason


def test_it_says_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(TableReadError) as excinfo:
        read_table(tmp_path / "missing.csv")
    assert excinfo.value.reason == "unreadable"


def test_decode_text_prefers_utf8() -> None:
    assert decode_text("休息".encode()) == ("休息", "utf-8-sig")

"""Importing a year's arrangement: CSV in UTF-8 or GBK, XLSX; every bad row reported, nothing half-saved."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from demandloop.sla.actions import do_import_arrangement, do_set_override
from demandloop.sla.imports import ArrangementImportError, parse_arrangement_file
from demandloop.sla.models import (
    CalendarOverride,
    DayKindChoices,
    OverrideSourceChoices,
    PublishedYear,
    PublishedYearSourceChoices,
)
from demandloop.sla.services import compute_due, get_calendar, seed_official_calendar
from demandloop.sla.tests.helpers import at, d, days

ARRANGEMENT_2027_CSV = """日期,类型,备注
2027-01-01,休息,元旦
2027-02-06,上班,春节
2027-02-10,休息,春节
2027-02-11,休息,春节
2027-02-12,休息,春节
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path: Path, rows: list[tuple[object, ...]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "arrangement.xlsx"
    workbook.save(path)
    return path


def problems(excinfo: pytest.ExceptionInfo[ArrangementImportError]) -> list[str]:
    return [str(error) for error in excinfo.value.errors]


class TestReadingFiles:
    def test_it_reads_a_utf8_csv_with_chinese_headers(self, tmp_path):
        arrangement = parse_arrangement_file(write(tmp_path, "2027.csv", ARRANGEMENT_2027_CSV))
        assert arrangement.year == 2027
        assert [(r.date, r.kind, r.note) for r in arrangement.rows][:2] == [
            (d("2027-01-01"), DayKindChoices.OFF, "元旦"),
            (d("2027-02-06"), DayKindChoices.WORK, "春节"),
        ]
        assert arrangement.file_name == "2027.csv"

    def test_it_reads_a_utf8_csv_with_a_byte_order_mark(self, tmp_path):
        arrangement = parse_arrangement_file(write(tmp_path, "2027.csv", "\ufeff" + ARRANGEMENT_2027_CSV))
        assert len(arrangement.rows) == 5

    def test_it_reads_a_gbk_csv_saved_by_excel_on_windows(self, tmp_path):
        arrangement = parse_arrangement_file(write(tmp_path, "2027.csv", ARRANGEMENT_2027_CSV, "gbk"))
        assert arrangement.rows[0].note == "元旦"
        assert len(arrangement.rows) == 5

    def test_it_reads_english_headers_in_another_order_and_english_types(self, tmp_path):
        text = "type,note,date\noff,New Year,2027-01-01\nWORK,,2027/2/6\n"
        arrangement = parse_arrangement_file(write(tmp_path, "a.csv", text))
        assert [(r.date, r.kind) for r in arrangement.rows] == [
            (d("2027-01-01"), DayKindChoices.OFF),
            (d("2027-02-06"), DayKindChoices.WORK),
        ]

    def test_it_reads_an_xlsx_with_date_cells_and_text_dates(self, tmp_path):
        path = write_xlsx(
            tmp_path,
            [
                ("date", "type", "note"),
                (datetime(2027, 1, 1), "休息", "元旦"),
                ("2027年2月6日", "上班", None),
            ],
        )
        arrangement = parse_arrangement_file(path)
        assert [(r.date, r.kind, r.note) for r in arrangement.rows] == [
            (d("2027-01-01"), DayKindChoices.OFF, "元旦"),
            (d("2027-02-06"), DayKindChoices.WORK, ""),
        ]

    def test_it_accepts_a_december_day_of_the_year_before(self, tmp_path):
        # The 2019 notice set Saturday 29 December 2018 as a make-up working day.
        text = "date,type\n2018-12-29,上班\n2018-12-31,休息\n2019-01-01,休息\n"
        arrangement = parse_arrangement_file(write(tmp_path, "2019.csv", text))
        assert arrangement.year == 2019
        assert len(arrangement.rows) == 3


class TestRefusingFiles:
    def test_it_reports_every_bad_row_with_its_row_and_column_in_chinese(self, tmp_path):
        text = "日期,类型,备注\n2027-01-01,休息,元旦\n2027-02-30,休息,\n2027-02-10,放假吧,\n,上班,\n"
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "2027.csv", text))
        assert problems(excinfo) == [
            "第3行，“日期”列：“2027-02-30”不是有效日期，请按 YYYY-MM-DD 格式填写，例如 2026-02-15。",
            "第4行，“类型”列：“放假吧”不是有效类型：放假请填“休息”（或 off），上班请填“上班”（或 work）。",
            "第5行，“日期”列：缺少日期。",
        ]

    def test_it_refuses_a_date_given_twice(self, tmp_path):
        text = "date,type\n2027-01-01,off\n2027-01-02,off\n2027-01-01,work\n"
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "2027.csv", text))
        assert problems(excinfo) == ["第4行，“date”列：2027-01-01 已在第2行出现，不能重复。"]

    def test_it_refuses_a_date_outside_the_arrangements_year(self, tmp_path):
        text = "date,type\n2027-05-01,off\n2026-05-01,off\n"
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "2027.csv", text))
        assert problems(excinfo) == [
            "第3行，“date”列：2026-05-01 不属于2027年的放假安排（只能是2027年的日期或上一年12月的日期）。"
        ]

    def test_it_checks_the_dates_against_the_year_given(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.csv", ARRANGEMENT_2027_CSV), year=2028)
        assert len(excinfo.value.errors) == 5

    def test_it_refuses_a_header_without_the_type_column(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.csv", "日期,备注\n2027-01-01,元旦\n"))
        assert problems(excinfo) == [
            "第1行：表头缺少以下列：类型（应为 date、type、note，或 日期、类型、备注）。"
        ]

    def test_it_refuses_an_empty_file(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.csv", "\n\n"))
        assert "文件为空" in problems(excinfo)[0]

    def test_it_refuses_a_header_without_days(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.csv", "date,type,note\n"))
        assert problems(excinfo) == ["文件只有表头，没有任何日期数据。"]

    def test_it_refuses_an_old_excel_file(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.xls", "not really"))
        assert problems(excinfo) == ["不支持的文件类型“.xls”：请使用 CSV 或 XLSX 文件。"]

    def test_it_refuses_a_note_longer_than_the_field(self, tmp_path):
        with pytest.raises(ArrangementImportError) as excinfo:
            parse_arrangement_file(write(tmp_path, "x.csv", f"date,type,note\n2027-01-01,off,{'长' * 201}\n"))
        assert problems(excinfo) == ["第2行，“note”列：备注长度为201个字符，最多允许200个。"]


@pytest.mark.django_db
class TestSavingAnArrangement:
    def test_it_saves_the_rows_as_overrides_and_publishes_the_year(self, tmp_path, django_user_model):
        seed_official_calendar()
        admin = django_user_model.objects.create_user(username="clerk", password="pw-clerk")
        result = do_import_arrangement(
            parse_arrangement_file(write(tmp_path, "2027.csv", ARRANGEMENT_2027_CSV)), user=admin
        )
        assert (result.year, result.created, result.replaced) == (2027, 5, 0)
        assert CalendarOverride.objects.filter(source=OverrideSourceChoices.IMPORT).count() == 5
        assert CalendarOverride.objects.get(date=d("2027-02-06")).created_by == admin
        published = PublishedYear.objects.get(year=2027)
        assert (published.source, published.replaces_official) == (PublishedYearSourceChoices.IMPORT, True)
        assert CalendarOverride.history.filter(history_user=admin).count() == 5

        calendar = get_calendar()
        assert calendar.year_makeup_days(2027) == days("2027-02-06")
        due = compute_due(at("2026-12-31"), 1)
        assert due.counted == days("2027-01-04")
        assert not due.provisional

    def test_it_replaces_the_earlier_overrides_of_the_year(self, tmp_path, django_user_model):
        admin = django_user_model.objects.create_user(username="clerk", password="pw-clerk")
        do_set_override(day=d("2027-03-03"), kind=DayKindChoices.OFF, user=None)
        do_set_override(day=d("2027-01-01"), kind=DayKindChoices.WORK, user=None)
        do_set_override(day=d("2026-03-03"), kind=DayKindChoices.OFF, user=None)
        result = do_import_arrangement(
            parse_arrangement_file(write(tmp_path, "2027.csv", ARRANGEMENT_2027_CSV)), user=admin
        )
        assert result.replaced == 2
        assert not CalendarOverride.objects.filter(date=d("2027-03-03")).exists()
        assert CalendarOverride.objects.get(date=d("2027-01-01")).kind == DayKindChoices.OFF
        assert CalendarOverride.objects.filter(date=d("2026-03-03")).exists()  # another year: untouched
        removal = CalendarOverride.history.get(date=d("2027-03-03"), history_type="-")
        assert removal.history_user == admin

    def test_an_imported_year_is_its_whole_arrangement(self, tmp_path):
        seed_official_calendar()
        do_import_arrangement(
            parse_arrangement_file(write(tmp_path, "2026.csv", "date,type\n2026-02-16,off\n")), user=None
        )
        calendar = get_calendar()
        assert calendar.year_days_off(2026) == (date(2026, 2, 16),)
        assert calendar.is_working_day(d("2026-10-08"))
        assert not calendar.is_working_day(d("2026-02-14"))  # the package's make-up Saturday is gone too

    def test_a_file_with_a_bad_row_saves_nothing(self, tmp_path):
        text = ARRANGEMENT_2027_CSV + "2027-02-13,周末,\n"
        with pytest.raises(ArrangementImportError):
            do_import_arrangement(parse_arrangement_file(write(tmp_path, "2027.csv", text)), user=None)
        assert not CalendarOverride.objects.exists()
        assert not PublishedYear.objects.filter(year=2027).exists()

    def test_a_failure_while_saving_rolls_back_every_row(self, tmp_path, monkeypatch):
        do_set_override(day=d("2027-03-03"), kind=DayKindChoices.OFF, note="earlier", user=None)
        arrangement = parse_arrangement_file(write(tmp_path, "2027.csv", ARRANGEMENT_2027_CSV))

        def refuse(**kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr("demandloop.sla.actions.do_publish_year", refuse)
        with pytest.raises(RuntimeError):
            do_import_arrangement(arrangement, user=None)
        assert list(CalendarOverride.objects.values_list("date", "note")) == [(d("2027-03-03"), "earlier")]
        assert not PublishedYear.objects.filter(year=2027).exists()

"""`demandloop import ledger`: a reviewed diff of the bureau's list, applied whole or not at all."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from demandloop.enterprises.imports import import_ledger
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.tests.conftest import make_uscc

HEADER = ["统一社会信用代码", "名称", "类型", "法定代表人", "地址", "成立日期", "状态", "注销日期", "行业"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def new_row(
    serial: int, name: str, address: str = "长虹街道红旗路9号", kind: str = "有限责任公司"
) -> list[str]:
    return [make_uscc(serial), name, kind, "王五", address, "2024-05-06", "存续", "", "制造业"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", "ledger", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def monthly_list(tmp_path: Path, firms: Any) -> Path:
    """Two new enterprises (one placed by its address), a changed one, a deregistered one, an unchanged one."""
    return write_csv(
        tmp_path / "2024-05.csv",
        [
            new_row(300, "新设一有限公司"),
            new_row(301, "新设二个体户", address="测试区某路", kind="个体工商户"),
            [firms.b.uscc, "白堤商贸集团有限公司", "", "", "", "", "存续", "", ""],
            [firms.c.uscc, firms.c.name, "农民专业合作社", "", "", "", "注销", "2024-05-20", ""],
            [firms.key.uscc, firms.key.name, "", "", "", "", "存续", "", ""],
        ],
    )


def test_it_shows_the_diff_without_writing(monthly_list: Path, place: Any) -> None:
    before = Enterprise.objects.count()
    output = run(str(monthly_list), "--district", "ceshi")
    assert Enterprise.objects.count() == before
    assert "新增（2 家）" in output
    assert "片区：长虹一片区" in output
    assert "无法根据地址确定片区，须人工指定" in output
    assert "变更（1 家）" in output
    assert "名称: 白堤商贸有限公司 → 白堤商贸集团有限公司" in output
    assert "注销（1 家）" in output
    assert "注销日期 2024-05-20" in output
    assert "无变化：1 家" in output
    assert "仅为预览" in output


def test_it_applies_the_whole_list_through_the_actions(
    monthly_list: Path, people: Any, firms: Any, place: Any
) -> None:
    output = run(str(monthly_list), "--district", "ceshi", "--user", "henry", "--apply")
    assert "已导入：新增 2 家，变更 1 家，注销 1 家" in output
    first = Enterprise.objects.get(uscc=make_uscc(300))
    assert (first.area, first.locality, first.registered_on) == (
        place.area_a,
        place.street,
        datetime.date(2024, 5, 6),
    )
    second = Enterprise.objects.get(uscc=make_uscc(301))
    assert (second.kind, second.area) == ("individual", None)
    firms.b.refresh_from_db()
    assert firms.b.name == "白堤商贸集团有限公司"
    firms.c.refresh_from_db()
    assert (firms.c.status, firms.c.deregistered_on) == ("deregistered", datetime.date(2024, 5, 20))
    for enterprise in (first, second, firms.b, firms.c):
        latest = enterprise.history.first()
        assert latest.history_user == people.henry
        assert latest.history_change_reason == "台账导入 2024-05.csv"


def test_a_blank_cell_erases_nothing(monthly_list: Path, people: Any, firms: Any) -> None:
    address = firms.b.address
    run(str(monthly_list), "--district", "ceshi", "--user", "henry", "--apply")
    firms.b.refresh_from_db()
    assert firms.b.address == address
    assert firms.b.kind == "company"


def test_one_bad_row_rejects_the_whole_list_with_row_column_and_reason(
    tmp_path: Path, people: Any, firms: Any
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            new_row(310, "好的有限公司"),
            ["91110000600037341M", "校验位错有限公司", "", "", "", "", "存续", "", ""],
            [make_uscc(311), "", "", "", "", "", "存续", "", ""],
            [make_uscc(312), "日期错有限公司", "", "", "", "2024-13-40", "存续", "", ""],
            [firms.b.uscc, firms.b.name, "", "", "", "", "注销", "", ""],
            new_row(310, "重复有限公司"),
            [make_uscc(313), "状态错有限公司", "", "", "", "", "吊销", "", ""],
        ],
    )
    with pytest.raises(CommandError):
        run(str(path), "--district", "ceshi", "--user", "henry", "--apply")
    report = import_ledger(path, district=firms.a.district)
    errors = {(e.row, e.column) for e in report.errors}
    assert errors == {
        (3, "统一社会信用代码"),
        (4, "名称"),
        (5, "成立日期"),
        (6, "注销日期"),
        (7, "统一社会信用代码"),
        (8, "状态"),
    }
    by_row = {e.row: e.message for e in report.errors}
    assert "校验位" in by_row[3]
    assert "第2行" in by_row[7]
    assert not Enterprise.objects.filter(uscc=make_uscc(310)).exists()
    firms.b.refresh_from_db()
    assert firms.b.status == "active"


def test_the_report_lists_each_error_for_the_clerk(tmp_path: Path, firms: Any) -> None:
    path = write_csv(
        tmp_path / "bad.csv", [["9137068716530044xP", "小写有限公司", "", "", "", "", "存续", "", ""]]
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import", "ledger", str(path), "--district", "ceshi", stdout=out)
    assert "第2行“统一社会信用代码”列：统一社会信用代码须使用大写字母。" in out.getvalue()
    assert "整批名单不予导入" in out.getvalue()


def test_it_reads_gbk_csv(tmp_path: Path, firms: Any) -> None:
    path = write_csv(tmp_path / "gbk.csv", [new_row(320, "国标编码有限公司")], encoding="gbk")
    report = import_ledger(path, district=firms.a.district)
    assert report.ok, report.errors
    assert [row.name for row in report.of("new")] == ["国标编码有限公司"]


def test_it_reads_xlsx_with_date_cells(tmp_path: Path, firms: Any, people: Any) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(
        [
            make_uscc(330),
            "表格有限公司",
            "有限责任公司",
            "赵六",
            "长虹街道白堤路1号",
            datetime.datetime(2024, 5, 8),
            "存续",
            None,
            "软件",
        ]
    )
    sheet.append(
        [firms.a.uscc, firms.a.name, None, None, None, None, "注销", datetime.date(2024, 5, 30), None]
    )
    path = tmp_path / "2024-05.xlsx"
    workbook.save(path)
    report = import_ledger(path, district=firms.a.district, apply=True, acting_user=people.henry)
    assert report.applied, report.errors
    created = Enterprise.objects.get(uscc=make_uscc(330))
    assert (created.registered_on, created.area.name) == (datetime.date(2024, 5, 8), "长虹二片区")
    firms.a.refresh_from_db()
    assert firms.a.deregistered_on == datetime.date(2024, 5, 30)


def test_it_refuses_a_code_excel_turned_into_a_number(tmp_path: Path, firms: Any) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([913101091331020008.0, "数字有限公司", None, None, None, None, "存续", None, None])
    path = tmp_path / "number.xlsx"
    workbook.save(path)
    report = import_ledger(path, district=firms.a.district)
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]


def test_it_refuses_an_enterprise_of_another_districts_ledger(tmp_path: Path, firms: Any) -> None:
    path = write_csv(
        tmp_path / "x.csv", [[firms.other.uscc, firms.other.name, "", "", "", "", "存续", "", ""]]
    )
    report = import_ledger(path, district=firms.a.district)
    assert "其他区" in report.errors[0].message


def test_it_refuses_to_revive_a_deregistered_enterprise(tmp_path: Path, firms: Any, people: Any) -> None:
    from demandloop.enterprises.actions import do_deregister_enterprise

    do_deregister_enterprise(firms.b, deregistered_on=datetime.date(2024, 1, 2), acting_user=people.henry)
    path = write_csv(tmp_path / "x.csv", [[firms.b.uscc, firms.b.name, "", "", "", "", "存续", "", ""]])
    report = import_ledger(path, district=firms.a.district)
    assert [(e.row, e.column) for e in report.errors] == [(2, "状态")]


def test_it_skips_deregistering_an_enterprise_it_does_not_hold(tmp_path: Path, firms: Any) -> None:
    path = write_csv(
        tmp_path / "x.csv", [[make_uscc(340), "不在台账有限公司", "", "", "", "", "注销", "2024-05-01", ""]]
    )
    report = import_ledger(path, district=firms.a.district)
    assert report.ok
    assert [row.uscc for row in report.of("skipped")] == [make_uscc(340)]


def test_a_second_run_finds_nothing_to_do(monthly_list: Path, people: Any) -> None:
    run(str(monthly_list), "--district", "ceshi", "--user", "henry", "--apply")
    output = run(str(monthly_list), "--district", "ceshi")
    assert "新增" not in output and "变更" not in output
    assert "无变化：5 家" in output


def test_it_infers_deregistration_from_the_date_when_there_is_no_state_column(
    tmp_path: Path, firms: Any
) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        f"统一社会信用代码,名称,注销日期\n{firms.b.uscc},{firms.b.name},2024-05-31\n", encoding="utf-8-sig"
    )
    report = import_ledger(path, district=firms.a.district)
    assert [row.deregistered_on for row in report.of("deregistered")] == [datetime.date(2024, 5, 31)]


def test_it_names_missing_required_columns(tmp_path: Path, firms: Any) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("名字,地址\n某公司,某地\n", encoding="utf-8")
    report = import_ledger(path, district=firms.a.district)
    assert "统一社会信用代码" in report.file_error and "名称" in report.file_error


def test_it_refuses_an_unreadable_file(tmp_path: Path, firms: Any) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")
    report = import_ledger(path, district=firms.a.district)
    assert report.file_error == "只能导入 CSV 或 XLSX 文件。"


def test_applying_needs_a_hub_user_of_the_district(monthly_list: Path, people: Any) -> None:
    with pytest.raises(CommandError, match="--user"):
        run(str(monthly_list), "--district", "ceshi", "--apply")
    with pytest.raises(CommandError, match="中枢"):
        run(str(monthly_list), "--district", "ceshi", "--user", "alice", "--apply")
    with pytest.raises(CommandError, match="中枢"):
        run(str(monthly_list), "--district", "ceshi", "--user", "otto", "--apply")
    assert not Enterprise.objects.filter(uscc=make_uscc(300)).exists()
    assert "已导入" in run(str(monthly_list), "--district", "ceshi", "--user", "ada", "--apply")


def test_it_needs_the_district_when_there_are_several(monthly_list: Path) -> None:
    with pytest.raises(CommandError, match="--district"):
        run(str(monthly_list))
    with pytest.raises(CommandError, match="nowhere"):
        run(str(monthly_list), "--district", "nowhere")

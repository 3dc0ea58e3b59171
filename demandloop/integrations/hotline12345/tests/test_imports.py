"""The 12345 import: files as the hotline system exports them become demands through the demands' actions —
all or nothing, once per work-order number, with errors a dispatcher understands."""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import pytest

from demandloop.core.models import AuditEvent
from demandloop.demands.models import Demand, DemandEvent
from demandloop.enterprises.models import Enterprise
from demandloop.integrations.hotline12345 import imports
from demandloop.integrations.hotline12345.imports import derived_title, import_hotline, name_key
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.tests.files import HEADER, order, write_csv, write_xlsx
from demandloop.org.demo import make_uscc
from demandloop.sla.calendar import SHANGHAI

RECEIVED = datetime.datetime(2025, 9, 28, 9, 15, tzinfo=SHANGHAI)


def counts() -> dict[str, int]:
    """Rows of every table an import may write."""
    return {
        "orders": HotlineOrder.objects.count(),
        "demands": Demand.objects.count(),
        "events": DemandEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "enterprises": Enterprise.objects.count(),
    }


def run(world: Any, path: Path, *, district: str = "jinghai", by: Any = "dispatcher", **kw: Any) -> Any:
    w = world.d[district]
    user = w.people[by] if isinstance(by, str) else by
    return import_hotline(path, district=w.district, acting_user=user, **kw)


def write(path: Path, rows: list[dict[str, Any]], fmt: str = "gbk", **kw: Any) -> Path:
    if fmt == "xlsx":
        return write_xlsx(path.with_suffix(".xlsx"), rows, **kw)
    return write_csv(path.with_suffix(".csv"), rows, encoding=fmt, **kw)


# --- Files in every shape the hotline system exports --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gbk", "utf-8", "utf-8-sig", "xlsx"])
def test_it_imports_each_order_as_a_demand_through_the_actions(world: Any, tmp_path: Path, fmt: str) -> None:
    w = world.jinghai
    rows = [
        order("GD2025092800001", w.ent_a),
        order(
            "GD2025092800002",
            统一社会信用代码="",
            企业名称=w.ent_b.name,
            来电人="李四",
            联系电话="022-28391234",
        ),
    ]
    if fmt == "xlsx":
        # Excel keeps times as times.
        rows[0]["受理时间"] = datetime.datetime(2025, 9, 28, 9, 15)
    report = run(world, write(tmp_path / "orders", rows, fmt))

    assert report.ok and report.applied, report.errors
    first = HotlineOrder.objects.get(number="GD2025092800001")
    second = HotlineOrder.objects.get(number="GD2025092800002")
    assert (first.enterprise_match, second.enterprise_match) == ("uscc", "name")
    demand = first.demand
    assert demand.channel == "hotline"
    assert demand.hotline_number == "GD2025092800001"
    assert demand.enterprise == w.ent_a and demand.area == w.a
    assert demand.status == "received"
    assert demand.received_at == RECEIVED
    assert (demand.contact_name, demand.contact_phone) == ("王小明", "13912345678")
    assert demand.content == "企业反映厂区门前道路破损，货车进出困难，希望尽快修复。"
    assert demand.title == first.title == "【营商环境】企业反映厂区门前道路破损，货车进出困难，希望尽快修复。"
    # The demands' own action wrote the history and the audit row, in the dispatcher's name.
    event = demand.events.get()
    assert (event.action, event.actor, event.actor_role) == ("receive", w.dispatcher, "dispatcher")
    assert AuditEvent.objects.filter(action="demand.receive", object_id=str(demand.pk)).exists()
    assert second.demand.enterprise == w.ent_b
    assert (second.demand.contact_name, second.demand.contact_phone) == ("李四", "022-28391234")
    # The 12345 deadline is the end of the day it names; the whole row is kept by its headers.
    assert first.hotline_due == datetime.datetime(2025, 10, 10, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert set(first.raw_row) == set(HEADER)
    assert first.raw_row["工单编号"] == "GD2025092800001"
    assert first.imported_by == w.dispatcher
    audit = AuditEvent.objects.get(action="hotline12345.import")
    assert (audit.user, audit.role, audit.detail["new"]) == (w.dispatcher, "dispatcher", 2)


def test_it_reads_a_semicolon_csv_and_the_other_header_names_of_the_export(
    world: Any, tmp_path: Path
) -> None:
    w = world.jinghai
    header = ("工单号", "来电时间", "单位名称", "工单标题", "工单内容", "联系方式")
    row = {
        "工单号": "12345-0001",
        "来电时间": "2025/9/28 9:05",
        "单位名称": w.ent_a.name,
        "工单标题": "道路破损",
        "工单内容": "门前道路破损。\n  货车进出困难。  ",
        "联系方式": "13812345678",
    }
    path = write_csv(tmp_path / "orders.csv", [row], header=header, delimiter=";")
    report = run(world, path)

    assert report.ok, report.errors
    placed = HotlineOrder.objects.get()
    assert placed.title == "道路破损"
    assert placed.content == "门前道路破损。\n货车进出困难。"
    assert placed.received_at == datetime.datetime(2025, 9, 28, 9, 5, tzinfo=SHANGHAI)
    assert placed.demand.enterprise == w.ent_a


# --- Idempotent by work-order number -----------------------------------------------------------------------


def test_it_changes_nothing_when_the_same_file_is_imported_again(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    new_code = make_uscc(random.Random(9), w.district, "company")
    path = write(
        tmp_path / "orders",
        [
            order("GD1", w.ent_a),
            order("GD2", 企业名称="静海新开公司", 统一社会信用代码=new_code),
            order("GD3", 企业名称="不在台账的公司"),
        ],
    )
    assert run(world, path).applied
    before = counts()

    again = run(world, path)

    assert again.ok and counts() == before
    assert [entry.outcome for entry in again.rows] == ["unchanged"] * 3
    assert again.of("new") == [] and again.of("changed") == []


def test_it_reports_a_changed_row_and_keeps_what_was_imported(
    world: Any, tmp_path: Path, chinese: None
) -> None:
    w = world.jinghai
    run(world, write(tmp_path / "first", [order("GD1", w.ent_a)]))
    changed_row = order(
        "GD1", w.ent_a, 诉求内容="道路已经修好一半，另一半仍然破损。", 联系电话="", 来电人="王大明"
    )
    report = run(world, write(tmp_path / "second", [changed_row, order("GD2", w.ent_b)]))

    assert report.ok and report.applied
    [entry] = report.of("changed")
    # A blank phone tells nothing; the caller and the content changed.
    assert set(entry.changes) == {"caller_name", "content"}
    assert entry.changes["caller_name"] == ("王小明", "王大明")
    kept = HotlineOrder.objects.get(number="GD1")
    assert kept.content == kept.demand.content == "企业反映厂区门前道路破损，货车进出困难，希望尽快修复。"
    assert kept.caller_name == "王小明"
    assert HotlineOrder.objects.get(number="GD2").demand.enterprise == w.ent_b
    lines = imports.render_report(report)
    assert "以前导入后有变化，保持原导入内容（1）：" in lines
    assert any("来电人: 王小明 → 王大明" in line for line in lines)


def test_it_counts_an_identical_repeated_row_once_and_refuses_a_differing_one(
    world: Any, tmp_path: Path
) -> None:
    w = world.jinghai
    twice = run(world, write(tmp_path / "twice", [order("GD1", w.ent_a), order("GD1", w.ent_a)]))
    assert twice.applied and HotlineOrder.objects.count() == 1
    assert [(e.outcome, e.same_as_row) for e in twice.rows] == [("new", None), ("repeated", 2)]

    differing = run(world, write(tmp_path / "differing", [order("GD9", w.ent_a), order("GD9", w.ent_b)]))
    assert not differing.ok and not differing.applied
    assert [(e.row, e.column) for e in differing.errors] == [(3, "工单编号")]
    assert not HotlineOrder.objects.filter(number="GD9").exists()


def test_it_keeps_numbers_unique_per_district_not_across_districts(world: Any, tmp_path: Path) -> None:
    jinghai, nankai = world.jinghai, world.nankai
    run(world, write(tmp_path / "j", [order("GD1", jinghai.ent_a)]))
    report = run(world, write(tmp_path / "n", [order("GD1", nankai.ent_a)]), district="nankai")

    assert report.applied and [e.outcome for e in report.rows] == ["new"]
    assert sorted(HotlineOrder.objects.values_list("district__code", flat=True)) == ["jinghai", "nankai"]


# --- The enterprise of the order ------------------------------------------------------------------------------


def test_it_registers_an_unknown_code_for_the_hubs_review_once(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    rng = random.Random(5)
    company = make_uscc(rng, w.district, "company")
    shop = make_uscc(rng, w.district, "individual")
    rows = [
        order("GD1", 企业名称="静海新开公司", 统一社会信用代码=company.lower()),
        order("GD2", 企业名称="静海新开公司", 统一社会信用代码=company, 诉求内容="第二次来电"),
        order("GD3", 企业名称="老王五金店", 统一社会信用代码=shop),
    ]
    report = run(world, write(tmp_path / "orders", rows))

    assert report.applied, report.errors
    registered = Enterprise.objects.get(uscc=company)
    assert registered.needs_review and registered.district == w.district
    assert registered.name == "静海新开公司" and registered.kind == "company"
    assert Enterprise.objects.get(uscc=shop).kind == "individual"
    orders = HotlineOrder.objects.filter(number__in=["GD1", "GD2"])
    assert {o.demand.enterprise for o in orders} == {registered}
    assert {o.enterprise_match for o in orders} == {"registered"}


def test_it_keeps_an_order_it_cannot_settle_unlinked_with_the_reason(
    world: Any, tmp_path: Path, chinese: None
) -> None:
    w = world.jinghai
    gone = Enterprise.objects.create(
        district=w.district,
        uscc=make_uscc(random.Random(11), w.district, "company"),
        name="已注销公司",
        status="deregistered",
        deregistered_on=datetime.date(2024, 1, 1),
    )
    twin_names = [
        Enterprise.objects.create(
            district=w.district, uscc=make_uscc(random.Random(seed), w.district, "company"), name="同名公司"
        )
        for seed in (12, 13)
    ]
    rows = [
        order("GD1", 企业名称="台账里没有的公司"),
        order("GD2", world.nankai.ent_a),
        order("GD3", gone),
        order("GD4", 企业名称=twin_names[0].name),
        order("GD5", 统一社会信用代码=make_uscc(random.Random(14), w.district, "company")),
    ]
    report = run(world, write(tmp_path / "orders", rows))

    assert report.applied, report.errors
    notes = dict(HotlineOrder.objects.values_list("number", "match_note"))
    assert notes == {
        "GD1": "台账中没有这个名称的企业，工单也没有统一社会信用代码。",
        "GD2": "该统一社会信用代码属于南开区的台账。",
        "GD3": "企业“已注销公司”已注销。",
        "GD4": "台账中有多家企业使用这个名称。",
        "GD5": "台账中没有该企业，工单也没有可用于登记的企业名称。",
    }
    assert not HotlineOrder.objects.filter(demand__isnull=False).exists()
    assert set(HotlineOrder.objects.values_list("enterprise_match", flat=True)) == {"unmatched"}
    assert Demand.objects.count() == 0
    assert [e.number for e in report.unmatched] == ["GD1", "GD2", "GD3", "GD4", "GD5"]


def test_it_matches_an_exact_name_whatever_the_width_of_its_brackets(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    w.ent_a.name = "天津市静海区宏达（集团）有限公司"
    w.ent_a.save()
    report = run(
        world, write(tmp_path / "orders", [order("GD1", 企业名称="天津市静海区宏达 (集团)有限公司")])
    )

    assert report.applied
    assert HotlineOrder.objects.get().demand.enterprise == w.ent_a
    assert name_key("宏达（集团） 有限公司") == name_key("宏达(集团)有限公司")


# --- All or nothing, with errors a dispatcher understands --------------------------------------------------------


def test_it_refuses_the_whole_file_for_bad_rows_naming_row_column_and_why(
    world: Any, tmp_path: Path, chinese: None
) -> None:
    w = world.jinghai
    wrong_check = w.ent_b.uscc[:-1] + ("0" if w.ent_b.uscc[-1] != "0" else "1")
    rows = [
        order("GD1", w.ent_a),
        order("GD2", w.ent_a, 受理时间="昨天下午"),
        order("GD3", 统一社会信用代码=wrong_check, 企业名称="某公司"),
        order("GD4", 企业名称="", 统一社会信用代码=""),
        order("", w.ent_a, 诉求内容=""),
        order("GD6", w.ent_a, 办理时限="2025-09-01"),
        order("GD7", w.ent_a, 受理时间="2099-01-01 08:00", 办理时限=""),
    ]
    report = run(world, write(tmp_path / "orders", rows))

    assert not report.ok and not report.applied
    assert counts()["orders"] == counts()["demands"] == 0
    found = [(e.row, e.column, e.message) for e in report.errors]
    assert found == [
        (3, "受理时间", "“昨天下午”不是日期时间，请写成 2025-09-30 14:05 的格式。"),
        (4, "统一社会信用代码", "统一社会信用代码的校验位（最后一位）不正确：请对照营业执照核对。"),
        (5, "企业名称", "请填写企业名称或统一社会信用代码。"),
        (6, "工单编号", "工单编号必填。"),
        (6, "诉求内容", "诉求内容必填。"),
        (7, "办理时限", "12345 办理时限早于受理时间。"),
        (8, "受理时间", "受理时间晚于当前时间。"),
    ]
    lines = imports.render_report(report)
    assert "错误（7），整个文件不予导入：" in lines
    assert "  第3行“受理时间”列：“昨天下午”不是日期时间，请写成 2025-09-30 14:05 的格式。" in lines


def test_it_writes_nothing_when_the_demands_refuse_one_order(
    world: Any, tmp_path: Path, chinese: None
) -> None:
    w = world.jinghai
    new_code = make_uscc(random.Random(21), w.district, "company")
    rows = [order("GD1", 企业名称="静海新开公司", 统一社会信用代码=new_code), order("GD2", w.ent_a)]
    before = counts()
    # An officer may not register 12345 orders: the demands' action refuses, and the enterprise registered for
    # the first row is rolled back with everything else.
    report = run(world, write(tmp_path / "orders", rows), by="officer_a")

    assert not report.ok and not report.applied
    [error] = report.errors
    assert (error.row, error.column) == (2, "工单编号")
    assert error.message == "您无权通过该渠道登记该企业的诉求。"
    after = counts()
    assert {k: after[k] for k in ("orders", "demands", "events", "enterprises")} == {
        k: before[k] for k in ("orders", "demands", "events", "enterprises")
    }
    assert all(entry.order_id is None for entry in report.rows)


def test_it_refuses_a_file_without_the_required_columns(world: Any, tmp_path: Path, chinese: None) -> None:
    path = write_csv(tmp_path / "orders.csv", [{"编号": "GD1", "内容": "x"}], header=("编号", "内容"))
    report = run(world, path)

    assert report.file_error == "文件缺少“受理时间”、“企业名称或统一社会信用代码”列（第一行须为列名）。"
    assert HotlineOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orders.pdf", b"%PDF-1.4", "只能导入 CSV 或 XLSX 文件。"),
        ("orders.xlsx", b"PK\x03\x04 not really a workbook", "无法将文件读取为表格。"),
        ("orders.csv", b"", "文件是空的。"),
    ],
)
def test_it_refuses_what_is_not_a_table(
    world: Any, tmp_path: Path, chinese: None, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = run(world, path)
    assert report.file_error == message and not report.applied


def test_a_dry_run_shows_what_would_happen_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    before = counts()
    report = run(world, write(tmp_path / "orders", [order("GD1", world.jinghai.ent_a)]), apply=False)
    assert report.ok and not report.applied
    assert [(e.outcome, e.match) for e in report.rows] == [("new", "uscc")]
    assert counts() == before


# --- Reading cells (pure) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "deadline", "expected"),
    [
        ("2025-09-28 09:15:00", False, datetime.datetime(2025, 9, 28, 9, 15, tzinfo=SHANGHAI)),
        ("2025/9/28 9:05", False, datetime.datetime(2025, 9, 28, 9, 5, tzinfo=SHANGHAI)),
        ("2025.09.28", False, datetime.datetime(2025, 9, 28, 0, 0, tzinfo=SHANGHAI)),
        ("2025年9月28日 14:30", False, datetime.datetime(2025, 9, 28, 14, 30, tzinfo=SHANGHAI)),
        ("2025年9月28日", True, datetime.datetime(2025, 9, 28, 23, 59, 59, 999999, tzinfo=SHANGHAI)),
        ("20250928143000", False, datetime.datetime(2025, 9, 28, 14, 30, tzinfo=SHANGHAI)),
        ("2025-09-28T06:30:00+00:00", False, datetime.datetime(2025, 9, 28, 14, 30, tzinfo=SHANGHAI)),
        (
            datetime.date(2025, 9, 28),
            True,
            datetime.datetime(2025, 9, 28, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        ),
        (datetime.datetime(2025, 9, 28, 8, 0), False, datetime.datetime(2025, 9, 28, 8, 0, tzinfo=SHANGHAI)),
        ("", False, None),
    ],
)
def test_it_reads_the_times_12345_writes(cell: Any, deadline: bool, expected: Any) -> None:
    assert imports._moment(cell, end_of_day=deadline) == expected


@pytest.mark.parametrize("cell", ["2025-02-30 10:00", "明天", "2025-09-28 25:00", 45928.5])
def test_it_refuses_what_is_not_a_time(cell: Any) -> None:
    with pytest.raises(imports.CellError):
        imports._moment(cell, end_of_day=False)


def test_a_title_is_derived_from_the_category_and_the_first_words() -> None:
    content = "企业反映" + "很长的内容" * 20 + "\n第二行"
    title = derived_title(content, "营商环境")
    assert title.startswith("【营商环境】企业反映很长的内容") and title.endswith("…")
    assert len(title) == len("【营商环境】") + imports.DERIVED_TITLE_LENGTH
    assert derived_title("短内容") == "短内容"

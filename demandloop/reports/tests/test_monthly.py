"""The monthly report (月度通报): its figures over a known month, the Word document and the workbook drawn from it,
the page, the API and the command, and who may read it."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.tests.world import drive, receive
from demandloop.lib.downloads import DOCX, XLSX
from demandloop.reports import documents
from demandloop.reports.monthly import Month, MonthError, monthly_report, ranked
from demandloop.reports.queries import COUNTS, Rates
from demandloop.sla.calendar import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


def test_a_month_is_read_strictly_and_knows_its_bounds() -> None:
    today = date(2026, 11, 30)
    assert Month.parse("2026-11", today=today) == Month(2026, 11)
    assert Month.parse(" 2026-1 ", today=today) == Month(2026, 1)
    for bad in ("2026-13", "2026/11", "十一月", "", "2026-00"):
        with pytest.raises(MonthError, match="YYYY-MM"):
            Month.parse(bad, today=today)
    with pytest.raises(MonthError, match="尚未开始"):
        Month.parse("2026-12", today=today)
    with pytest.raises(MonthError, match="2000"):
        Month.parse("1999-12", today=today)
    assert Month(2026, 1).shifted(-1) == Month(2025, 12) and Month(2025, 12).shifted(13) == Month(2027, 1)
    assert Month.last_complete(date(2026, 1, 5)) == Month(2025, 12)
    # A month begins at midnight where the district is, not at UTC midnight.
    assert Month(2026, 11).start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert Month(2026, 12).end == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert Month(2026, 11).label == "2026年11月"


def _rates(label: str, taken_in: int, done: int, responded: int, on_time: int) -> Rates:
    counts = dict.fromkeys(COUNTS, 0)
    counts.update(total=taken_in, taken_in=taken_in, done=done, responded=responded, on_time=on_time)
    counts["clock_settled"] = responded
    return Rates(key=label, label=label, **counts)


def test_the_ranking_puts_the_best_resolution_rate_first_and_shares_places_on_a_tie() -> None:
    rows = [
        _rates("乙", 4, 2, 4, 2),  # 50 %, on time 50 %
        _rates("甲", 4, 4, 4, 4),  # 100 %
        _rates("丙", 0, 0, 0, 0),  # nothing taken in: unranked, last
        _rates("丁", 2, 1, 2, 1),  # 50 %, on time 50 %: tied with 乙
        _rates("戊", 4, 2, 4, 4),  # 50 %, on time 100 %
        replace(
            _rates("无片区", 6, 6, 6, 6), key=None
        ),  # in no group: nobody's result, unranked, last of all
    ]
    assert [(r.rank, r.rates.label) for r in ranked(rows)] == [
        (1, "甲"),
        (2, "戊"),
        (3, "乙"),
        (3, "丁"),
        (None, "丙"),
        (None, "无片区"),
    ]


def test_the_report_counts_the_months_demands_by_every_grouping(november: Any) -> None:
    w = november
    report = monthly_report(w.district, Month(2025, 11))
    t = report.totals
    assert (t.total, t.taken_in, t.responded, t.done, t.evaluated, t.content) == (5, 4, 2, 2, 1, 1)
    assert report.previous.total == 2 and report.change == 150.0
    assert report.year_to_date.total == 7 and report.complete
    assert {value: n for value, _label, n in report.by_channel}["officer"] == 5

    areas = {row.rates.label: row for row in report.by_area}
    assert areas[w.a.name].rates.total == 4 and areas[w.b.name].rates.total == 1
    assert areas[w.a.name].rank == 1, "area a resolved half of its demands, area b none"
    # Every area of the district is listed, the months without demands with zeros and no place.
    assert len(report.by_area) == w.district.areas.count()
    assert all(r.rank is None for r in report.by_area if r.rates.total == 0)

    departments = {row.rates.label: row.rates for row in report.by_department}
    assert departments[w.dep("scjgj").name].total == 2  # the evaluated one and the dispatched one
    assert departments["无牵头部门（属地直办）"].total == 3
    unassigned = report.by_department[-1]
    assert (unassigned.rates.label, unassigned.rank) == ("无牵头部门（属地直办）", None), (
        "listed last, not ranked"
    )
    posts = {row.rates.label: row.rates for row in report.by_leader}
    # Leaders share titles (five 区政协副主席): a post is named with the areas it covers.
    label = f"测试包联领导（{w.a.name}、{w.b.name}）"
    assert posts[label].total == 5, "a post answers for every area it covers"

    # The dispatched demand's response deadline (tier 2) passed long before 12-10: counted overdue, listed.
    assert t.overdue == 1 and report.overdue_count == 1
    assert report.overdue[0].status == S.DISPATCHED
    whistles = {row.department: row for row in report.whistles}
    assert whistles[w.dep("scjgj").name].summoned == 1
    assert whistles[w.dep("swj").name].overdue_unreported == 1

    trend = {point.label: point.total for point in report.trend}
    assert len(report.trend) == 12 and report.trend[-1].label == "2025-11"
    assert trend["2025-10"] == 2 and trend["2025-11"] == 5 and trend["2024-12"] == 0


def test_the_other_district_and_other_months_are_not_counted(november: Any, world: Any) -> None:
    assert monthly_report(world.nankai.district, Month(2025, 11)).totals.total == 0
    assert monthly_report(november.district, Month(2025, 9)).totals.total == 0


def test_the_word_document_is_the_report_in_the_usual_form(november: Any) -> None:
    report = monthly_report(november.district, Month(2025, 11))
    document = Document(io.BytesIO(documents.monthly_report_docx(report)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "静海区“政企同行·有需必应”工作月度通报"
    assert texts[1] == "（2025年11月）"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["一、总体情况", "二、各片区办理情况", "三、各部门办理情况"]
    assert "六、吹哨报到情况" in headings and headings[-1].endswith("近十二个月趋势")
    overview = texts[texts.index("一、总体情况") + 1]
    assert overview.startswith("2025年11月，全区共收到企业诉求5件（上月2件，环比增长150%）")
    assert "解决率50%" in overview
    area_table = document.tables[0]
    assert [c.text for c in area_table.rows[0].cells][:3] == ["排名", "片区", "诉求"]
    assert [c.text for c in area_table.rows[1].cells][:3] == ["1", november.a.name, "4"]
    assert len(area_table.rows) == 1 + len(report.by_area)
    assert texts[-2] == "区政务服务办" and texts[-1] == "2025年12月10日"


def test_the_workbook_has_each_table_on_its_own_sheet(november: Any) -> None:
    report = monthly_report(november.district, Month(2025, 11))
    book = load_workbook(io.BytesIO(documents.monthly_report_xlsx(report)))
    assert book.sheetnames[:3] == ["总体情况", "各片区办理情况", "各部门办理情况"]
    overview = {row[0]: row[1:] for row in book["总体情况"].iter_rows(values_only=True) if row and row[0]}
    assert overview["诉求"][:3] == (5, 2, 7)
    assert overview["解决率"][0] == "50%"
    areas = list(book["各片区办理情况"].iter_rows(values_only=True))
    assert areas[1][:3] == (1, november.a.name, 4)
    trend = list(book["近十二个月趋势"].iter_rows(values_only=True))
    assert trend[-1][:2] == ("2025-11", 5)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hub_reads_the_page_and_downloads_both_files(november: Any) -> None:
    hub = _client(november.hub)
    page = hub.get("/reports/monthly/?month=2025-11")
    assert page.status_code == 200
    body = page.content.decode()
    assert "静海区“政企同行·有需必应”工作月度通报" in body and "全区共收到企业诉求5件" in body
    assert 'id="trend-data"' in body and "reports/monthly.js" in body
    # The common problems come on their own (clustering a large district's month takes seconds).
    assert "/reports/monthly/problems/?district=jinghai&amp;month=2025-11" in body
    problems = hub.get("/reports/monthly/problems/?district=jinghai&month=2025-11").content.decode()
    assert "涉及2家企业、" in problems and "食品经营许可" in problems
    word = hub.get("/reports/monthly/report.docx?district=jinghai&month=2025-11")
    assert word.status_code == 200 and word["Content-Type"] == DOCX
    assert "monthly-report-jinghai-2025-11.docx" in word["Content-Disposition"]
    assert Document(io.BytesIO(word.content)).paragraphs[1].text == "（2025年11月）"
    excel = hub.get("/reports/monthly/report.xlsx?month=2025-11")
    assert excel.status_code == 200 and excel["Content-Type"] == XLSX


def test_a_bad_month_is_named_on_the_page_and_refused_for_a_file(november: Any) -> None:
    hub = _client(november.hub)
    page = hub.get("/reports/monthly/?month=2025-13")
    assert page.status_code == 400
    assert "月份格式应为 YYYY-MM" in page.content.decode()
    word = hub.get("/reports/monthly/report.docx?month=2026-99")
    assert word.status_code == 400 and "月份" in word.content.decode()


def test_only_the_district_wide_roles_of_that_district_read_it(november: Any, world: Any) -> None:
    assert _client(november.dispatcher).get("/reports/monthly/?month=2025-11").status_code == 200
    for person in (november.officer_a, november.coord_lead, november.leader, november.ent_user_a):
        assert _client(person).get("/reports/monthly/?month=2025-11").status_code == 404
        assert _client(person).get("/api/v1/reports/monthly/?month=2025-11").status_code == 404
    other_hub = _client(world.nankai.hub)
    assert other_hub.get("/reports/monthly/?district=jinghai&month=2025-11").status_code == 404
    assert other_hub.get("/reports/monthly/report.docx?district=jinghai&month=2025-11").status_code == 404
    assert other_hub.get("/api/v1/reports/monthly/?district=jinghai").status_code == 404
    assert Client().get("/reports/monthly/").status_code == 302, "signing in comes first"


def test_the_api_answers_json_or_the_files_and_names_a_bad_field(november: Any) -> None:
    hub = _client(november.hub)
    answer = hub.get("/api/v1/reports/monthly/?district=jinghai&month=2025-11")
    assert answer.status_code == 200
    data = answer.json()
    assert data["month"] == "2025-11" and data["totals"]["total"] == 5 and data["change_percent"] == 150.0
    assert data["by_area"][0]["rank"] == 1 and data["by_area"][0]["label"] == november.a.name
    assert [p["label"] for p in data["trend"]][-1] == "2025-11"
    assert data["overdue_count"] == 1
    word = hub.get("/api/v1/reports/monthly/?month=2025-11&format=docx")
    assert word.status_code == 200 and word["Content-Type"] == DOCX
    bad = hub.get("/api/v1/reports/monthly/?month=11-2025&format=pdf")
    assert bad.status_code == 400
    errors = bad.json()
    assert "YYYY-MM" in json.dumps(errors["month"], ensure_ascii=False)
    assert "pdf" in json.dumps(errors["format"], ensure_ascii=False)


def test_the_command_writes_each_kind_of_file_and_refuses_plainly(november: Any, tmp_path: Any) -> None:
    out = tmp_path / "通报.docx"
    call_command("report", "monthly", district="jinghai", month="2025-11", out=str(out))
    assert Document(str(out)).paragraphs[1].text == "（2025年11月）"
    as_json = tmp_path / "r.json"
    call_command("report", "monthly", district="jinghai", month="2025-11", out=str(as_json))
    assert json.loads(as_json.read_text())["totals"]["total"] == 5
    for options, message in (
        ({"district": "nowhere", "month": "2025-11", "out": str(out)}, "nowhere"),
        ({"district": "jinghai", "month": "2025-11", "out": str(tmp_path / "r.pdf")}, "r.pdf"),
        ({"district": "jinghai", "month": "2025-13", "out": str(out)}, "--month"),
        ({"month": "2025-11", "out": str(out)}, "--district"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("report", "monthly", **options)


def test_what_people_typed_stays_text_in_the_files(november: Any) -> None:
    from demandloop.demands.models import Demand

    # A title that Excel would compute, with a control character pasted from another program.
    Demand.objects.filter(status=S.DISPATCHED).update(title="=SUM(1,2)\x0b加急")
    report = monthly_report(november.district, Month(2025, 11))
    book = load_workbook(io.BytesIO(documents.monthly_report_xlsx(report)))
    cell = book["超期未办结诉求"]["C2"]
    assert cell.value == "=SUM(1,2)加急" and cell.data_type == "s"
    document = Document(io.BytesIO(documents.monthly_report_docx(report)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "=SUM(1,2)加急" in cells


def test_the_overdue_list_puts_the_longest_missed_deadline_first(november: Any, clock: Any) -> None:
    w = november
    # Planned on 11-03 with its ETA on 11-23: its response came in time, its completion is late. Ordered by the
    # response deadline it would come first; by the deadline it missed, after the demand dispatched on 11-06.
    clock.set(2025, 11, 3, 10)
    planned = drive(w, S.PLANNED)
    clock.set(2025, 12, 10, 15)
    report = monthly_report(w.district, Month(2025, 11))
    assert [d.status for d in report.overdue] == [S.DISPATCHED, S.PLANNED]
    dispatched = report.overdue[0]
    assert dispatched.overdue_since == dispatched.response_due
    assert report.overdue[1].pk == planned.pk and report.overdue[1].overdue_since == planned.completion_due
    assert planned.response_due < dispatched.response_due < planned.completion_due


def test_a_shared_report_is_computed_anew_when_a_demand_of_the_month_arrives(
    november: Any, clock: Any, django_assert_max_num_queries: Any
) -> None:
    hub = _client(november.hub)
    assert "全区共收到企业诉求5件" in hub.get("/reports/monthly/?month=2025-11").content.decode()
    # The second view reads the report the first computed: a handful of queries (session, user, security policy,
    # scope, stamp).
    with django_assert_max_num_queries(9):
        assert "全区共收到企业诉求5件" in hub.get("/reports/monthly/?month=2025-11").content.decode()
    clock.set(2025, 11, 28)
    receive(november, enterprise=november.ent_b, by=november.officer_b, title="厂区门前道路积水")
    clock.set(2025, 12, 10, 16)
    assert "全区共收到企业诉求6件" in hub.get("/reports/monthly/?month=2025-11").content.decode()

"""Issuing the monthly report (月度通报印发): the figures frozen as they stood, numbered per district and year,
corrections that supersede, refusals that name the field, the notifications written with the issue, and the
reminder on the first working day of a month."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from demandloop.core.models import AuditEvent
from demandloop.demands.errors import ActionForbidden, ActionInvalid
from demandloop.demands.tests.world import receive
from demandloop.integrations.models import Notification, OutboxMessage
from demandloop.reports import actions, documents
from demandloop.reports.models import IssuedReport, IssueReminder
from demandloop.reports.monthly import Month, monthly_report
from demandloop.reports.queries import report_readers
from demandloop.reports.snapshot import from_snapshot, to_snapshot
from demandloop.sla.calendar import SHANGHAI

pytestmark = pytest.mark.django_db
NOVEMBER = Month(2025, 11)


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


def docx_text(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


def sheet_rows(content: bytes, sheet: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content))[sheet].iter_rows(values_only=True))


def test_a_snapshot_renders_the_same_documents_as_the_report_it_was_taken_of(november: Any) -> None:
    report = monthly_report(november.district, NOVEMBER)
    frozen = from_snapshot(to_snapshot(report))
    assert docx_text(documents.monthly_report_docx(frozen)) == docx_text(
        documents.monthly_report_docx(report)
    )
    for sheet in (
        "总体情况",
        "各片区办理情况",
        "吹哨报到情况",
        "共性问题",
        "超期未办结诉求",
        "近十二个月趋势",
    ):
        live = sheet_rows(documents.monthly_report_xlsx(report), sheet)
        assert sheet_rows(documents.monthly_report_xlsx(frozen), sheet) == live, sheet
    assert frozen.common_problems and frozen.whistles and frozen.overdue, "every part is kept"
    assert frozen.overdue[0].enterprise == report.overdue[0].enterprise.name


def test_issuing_freezes_the_figures_the_names_and_the_files(november: Any, clock: Any) -> None:
    w = november
    issued = actions.do_issue_report(w.district, w.hub, NOVEMBER)
    assert (issued.year, issued.number, issued.issued_by, issued.month) == (2025, 1, w.hub, date(2025, 11, 1))
    assert issued.issued_at == clock.now and issued.is_current
    word = docx_text(bytes(issued.docx))
    assert word[0] == "2025年第1期" and word[1] == "区政务服务办\t2025年12月10日印发"
    assert word[2] == "静海区“政企同行·有需必应”工作月度通报" and word[3] == "（2025年11月）"
    overview = {row[0]: row[1] for row in sheet_rows(bytes(issued.xlsx), "总体情况") if row and row[0]}
    assert overview["期号"] == "2025年第1期" and overview["印发日期"] == "2025年12月10日"

    # After the issue: a demand of November arrives late, and area a is renamed.
    clock.set(2025, 12, 12)
    receive(w, enterprise=w.ent_b, by=w.officer_b, received_at=datetime(2025, 11, 28, 10, tzinfo=SHANGHAI))
    old_name = w.a.name
    w.a.name = "新名称片区"
    w.a.save()

    assert monthly_report(w.district, NOVEMBER).totals.total == 6, "the live report moves on"
    issued.refresh_from_db()
    frozen = from_snapshot(issued.snapshot)
    assert frozen.totals.total == 5 and frozen.generated_at == datetime(2025, 12, 10, 15, tzinfo=SHANGHAI)
    assert old_name in [row.rates.label for row in frozen.by_area]
    assert "全区共收到企业诉求5件" in "".join(docx_text(bytes(issued.docx)))
    assert "新名称片区" not in "".join(docx_text(documents.monthly_report_docx(frozen)))


def test_issues_are_numbered_per_district_and_year_of_issue(november: Any, world: Any, clock: Any) -> None:
    w = november
    clock.set(2025, 12, 3, 10)
    october = actions.do_issue_report(w.district, w.hub, Month(2025, 10))
    nov = actions.do_issue_report(w.district, w.hub, NOVEMBER)
    other = actions.do_issue_report(world.nankai.district, world.nankai.hub, NOVEMBER)
    clock.set(2026, 1, 5, 10)
    december = actions.do_issue_report(w.district, w.hub, Month(2025, 12))
    assert [(r.year, r.number) for r in (october, nov, other, december)] == [
        (2025, 1),
        (2025, 2),
        (2025, 1),
        (2026, 1),
    ]
    assert december.number_label == "2026年第1期"


def test_a_correction_needs_a_reason_and_supersedes_the_issue_it_corrects(november: Any, clock: Any) -> None:
    w = november
    first = actions.do_issue_report(w.district, w.hub, NOVEMBER)
    clock.set(2025, 12, 11, 9)
    with pytest.raises(ActionInvalid) as refused:
        actions.do_issue_report(w.district, w.hub, NOVEMBER)
    assert refused.value.field == "reason"
    assert (
        "已于2025年12月10日印发（2025年第1期）" in refused.value.message
        and "更正原因" in refused.value.message
    )
    with pytest.raises(ActionInvalid) as blank:
        actions.do_issue_report(w.district, w.hub, NOVEMBER, reason="   ")
    assert blank.value.field == "reason"

    second = actions.do_issue_report(w.district, w.hub, NOVEMBER, reason="片区排名表数据有误")
    first.refresh_from_db()
    assert (second.number, second.corrects, second.reason) == (2, first, "片区排名表数据有误")
    assert first.superseded_at == clock.now and not first.is_current and first.correction == second
    assert actions.current_issue(w.district, NOVEMBER) == second
    word = docx_text(bytes(second.docx))
    assert "本期更正2025年第1期。更正原因：片区排名表数据有误" in word
    assert docx_text(bytes(first.docx))[0] == "2025年第1期", "the corrected issue keeps its files"
    assert AuditEvent.objects.filter(action="reports.correct", object_id=str(second.pk)).exists()


def test_it_refuses_a_month_not_over_a_reason_without_an_issue_and_anyone_but_the_hub(
    november: Any, world: Any, clock: Any
) -> None:
    w = november
    clock.set(2025, 11, 30, 23, 59)
    with pytest.raises(ActionInvalid) as early:
        actions.do_issue_report(w.district, w.hub, NOVEMBER)
    assert early.value.field == "month" and "2025年11月尚未结束" in early.value.message
    clock.set(2025, 12, 1, 0, 0)
    with pytest.raises(ActionInvalid) as nothing:
        actions.do_issue_report(w.district, w.hub, NOVEMBER, reason="更正")
    assert nothing.value.field == "reason" and "尚未印发" in nothing.value.message
    for person in (w.dispatcher, w.officer_a, w.leader, w.ent_user_a, world.nankai.hub):
        with pytest.raises(ActionForbidden, match="区政务服务办"):
            actions.do_issue_report(w.district, person, NOVEMBER)
    assert not IssuedReport.objects.exists()
    assert AuditEvent.objects.filter(action="reports.issue", success=False).count() == 5


def test_everyone_of_the_district_who_works_on_demands_is_told_in_the_issue_transaction(
    november: Any, world: Any
) -> None:
    w = november
    w.coord_co.email = "coord@example.gov.cn"
    w.coord_co.save()
    issued = actions.do_issue_report(w.district, w.hub, NOVEMBER)
    told = set(Notification.objects.filter(topic="report").values_list("user__username", flat=True))
    staff = {
        w.people[name].username
        for name in (
            "officer_a",
            "officer_b",
            "social",
            "industry",
            "coord_lead",
            "coord_co",
            "coord_other",
            "lead",
            "leader",
            "hub",
            "dispatcher",
        )
    }
    assert told == staff and issued.recipients == len(staff) == len(report_readers(w.district))
    note = Notification.objects.get(user=w.officer_a, topic="report")
    assert note.link == f"/reports/issued/{issued.pk}/"
    assert note.subject == "已印发：静海区“政企同行·有需必应”工作月度通报（2025年11月）2025年第1期"
    mail = OutboxMessage.objects.get(topic="report", channel="email")
    assert mail.recipient == "coord@example.gov.cn" and mail.district_id == w.district.pk


def test_a_failure_after_the_notifications_leaves_neither_the_issue_nor_the_notifications(
    november: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr(actions.audit, "record", broken)
    with pytest.raises(RuntimeError):
        actions.do_issue_report(november.district, november.hub, NOVEMBER)
    assert not IssuedReport.objects.exists()
    assert not Notification.objects.filter(topic="report").exists()
    assert not OutboxMessage.objects.filter(topic="report").exists()


def _hub_reminders() -> list[Any]:
    return list(Notification.objects.filter(topic="report").order_by("pk"))


def test_the_reminder_comes_once_from_nine_on_a_make_up_sunday_the_first_working_day(
    world: Any, clock: Any
) -> None:
    # 2026: 1–3 January are the New Year holiday and Sunday the 4th is worked (调休): the first working day.
    for day, hour in ((2, 10), (3, 10), (4, 8)):
        clock.set(2026, 1, day, hour, 30)
        assert actions.remind_to_issue() == 0, (day, hour)
    clock.set(2026, 1, 4, 9, 5)
    assert actions.remind_to_issue() == 2, "both districts"
    clock.set(2026, 1, 4, 9, 15)
    assert actions.remind_to_issue() == 0, "once"
    clock.set(2026, 1, 5, 9, 30)
    assert actions.remind_to_issue() == 0, "Monday is the second working day"
    notes = _hub_reminders()
    assert {n.user for n in notes} == {world.jinghai.hub, world.nankai.hub}
    jinghai = next(n for n in notes if n.user == world.jinghai.hub)
    assert jinghai.subject == "2025年12月月度通报待印发"
    assert jinghai.link == "/reports/monthly/?district=jinghai&month=2025-12"
    reminder = IssueReminder.objects.get(district=world.jinghai.district)
    assert (reminder.month, reminder.recipients) == (date(2025, 12, 1), 1)


def test_no_reminder_where_the_report_is_issued_and_an_override_moves_the_first_working_day(
    world: Any, clock: Any
) -> None:
    from demandloop.sla.actions import do_set_override

    # An administrator declares Monday 2 February 2026 a day off: the first working day is Tuesday the 3rd.
    do_set_override(day=date(2026, 2, 2), kind="off", note="测试", user=None)
    clock.set(2026, 2, 2, 8)
    actions.do_issue_report(world.jinghai.district, world.jinghai.hub, Month(2026, 1))
    clock.set(2026, 2, 2, 10)
    assert actions.remind_to_issue() == 0
    clock.set(2026, 2, 3, 10)
    assert actions.remind_to_issue() == 1, "南开 only: 静海 issued January's report already"
    assert [n.user for n in _hub_reminders() if n.link.startswith("/reports/monthly/")] == [world.nankai.hub]


def test_the_reminder_is_a_periodic_task_of_the_runner_and_of_celery_beat() -> None:
    from demandloop.core.runner import periodic_tasks

    tasks = {name: (interval, func) for name, interval, func in periodic_tasks()}
    interval, func = tasks["report-issue-reminder"]
    assert func is actions.remind_to_issue and interval <= 3600, "runs within the first hour from 09:00"

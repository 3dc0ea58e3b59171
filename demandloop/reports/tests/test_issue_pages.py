"""The pages of issuing: the draft's issue panel and button, the issue and the correction from the page, the
archive and the issued report for everyone of the district who works on demands — and for nobody else."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from docx import Document

from demandloop.demands.tests.world import receive
from demandloop.integrations.models import Notification
from demandloop.lib.downloads import DOCX, XLSX
from demandloop.reports import actions
from demandloop.reports.models import IssuedReport
from demandloop.reports.monthly import Month
from demandloop.sla.calendar import SHANGHAI

pytestmark = pytest.mark.django_db
NOVEMBER = "?district=jinghai&month=2025-11"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _issue(client: Client, **extra: str) -> Any:
    return client.post(
        "/reports/monthly/issue/", {"district": "jinghai", "month": "2025-11", **extra}, follow=True
    )


def test_the_hub_issues_from_the_draft_and_reads_the_issue(november: Any) -> None:
    hub = _client(november.hub)
    draft = hub.get(f"/reports/monthly/{NOVEMBER}").content.decode()
    assert 'id="issue-status">未印发' in draft and 'id="issue-open"' in draft
    # Opening the button loads what it will do: the number the issue takes and the people it goes to.
    confirm = hub.get(f"/reports/monthly/issue/{NOVEMBER}").content.decode()
    assert "将以当前数据印发为2025年第1期" in confirm and "发送给11人" in confirm
    assert 'name="reason"' not in confirm, "a first issue needs no reason"
    answer = _issue(hub)
    issued = IssuedReport.objects.get()
    assert answer.redirect_chain[-1][0] == f"/reports/issued/{issued.pk}/"
    page = answer.content.decode()
    assert "已印发为2025年第1期，已通知11人。" in page
    assert 'id="issue-mark"><strong>2025年第1期</strong> · 2025-12-10印发' in page
    assert "全区共收到企业诉求5件" in page and "测试包联领导" in page
    assert "食品经营许可" in page, "the common problems come from the snapshot, not by htmx"
    draft = hub.get(f"/reports/monthly/{NOVEMBER}").content.decode()
    assert 'id="issue-status">已印发' in draft and "2025年第1期" in draft and "更正重发" in draft
    confirm = hub.get(f"/reports/monthly/issue/{NOVEMBER}").content.decode()
    assert (
        "印发为2025年第2期" in confirm and 'name="reason"' in confirm and "原2025年第1期仍可查阅" in confirm
    )


def test_a_second_issue_without_reason_is_refused_naming_the_field_and_a_correction_supersedes(
    november: Any, clock: Any
) -> None:
    hub = _client(november.hub)
    _issue(hub)
    clock.set(2025, 12, 11, 10)
    hub = _client(november.hub)  # signed in again: a day later the session has timed out
    refused = _issue(hub)
    assert refused.redirect_chain[-1][0] == f"/reports/monthly/{NOVEMBER}"
    assert "更正原因：2025年11月的通报已于2025年12月10日印发（2025年第1期）" in refused.content.decode()
    assert IssuedReport.objects.count() == 1
    corrected = _issue(hub, reason="部门排名有误")
    page = corrected.content.decode()
    assert "2025年第2期" in page and "本期更正2025年第1期。更正原因：部门排名有误" in page
    first = IssuedReport.objects.get(number=1)
    old = hub.get(f"/reports/issued/{first.pk}/").content.decode()
    assert 'id="corrected-alert"' in old and "已于2025-12-11被2025年第2期更正" in old
    archive = hub.get("/reports/issued/").content.decode()
    assert archive.count("issued-reports") == 1 and "已更正" in archive and "更正期" not in archive


def test_the_current_month_cannot_be_issued_from_the_page(november: Any, clock: Any) -> None:
    clock.set(2025, 11, 20, 10)
    hub = _client(november.hub)
    draft = hub.get("/reports/monthly/?month=2025-11").content.decode()
    assert 'id="issue-open"' not in draft and "本月尚未结束，结束后方可印发" in draft
    refused = _issue(hub)
    assert "月份：2025年11月尚未结束" in refused.content.decode()
    future = hub.post("/reports/monthly/issue/", {"district": "jinghai", "month": "2026-01"}, follow=True)
    assert "月份：2026-01 尚未开始。" in future.content.decode()
    assert not IssuedReport.objects.exists()


def test_the_dispatcher_sees_the_issue_but_has_no_button(november: Any) -> None:
    dispatcher = _client(november.dispatcher)
    draft = dispatcher.get(f"/reports/monthly/{NOVEMBER}").content.decode()
    assert 'id="issue-status">未印发' in draft and 'id="issue-open"' not in draft
    assert (
        dispatcher.post("/reports/monthly/issue/", {"district": "jinghai", "month": "2025-11"}).status_code
        == 404
    )


def test_the_district_reads_the_issue_frozen_while_the_draft_moves_on(
    november: Any, world: Any, clock: Any
) -> None:
    w = november
    issued = actions.do_issue_report(w.district, w.hub, Month(2025, 11))
    clock.set(2025, 12, 10, 16)
    receive(w, enterprise=w.ent_b, by=w.officer_b, received_at=datetime(2025, 11, 28, 10, tzinfo=SHANGHAI))
    officer = _client(w.officer_b)
    assert Notification.objects.get(user=w.officer_b, topic="report").read_at is None
    page = officer.get(f"/reports/issued/{issued.pk}/")
    assert page.status_code == 200 and "全区共收到企业诉求5件" in page.content.decode()
    assert Notification.objects.get(user=w.officer_b, topic="report").read_at is not None, (
        "read by opening it"
    )
    assert "全区共收到企业诉求6件" in _client(w.hub).get(f"/reports/monthly/{NOVEMBER}").content.decode()
    word = officer.get(f"/reports/issued/{issued.pk}/report.docx")
    assert word["Content-Type"] == DOCX and word.content == bytes(issued.docx)
    assert "monthly-report-jinghai-2025-11-2025-1.docx" in word["Content-Disposition"]
    assert Document(io.BytesIO(word.content)).paragraphs[0].text == "2025年第1期"
    assert officer.get(f"/reports/issued/{issued.pk}/report.xlsx")["Content-Type"] == XLSX
    archive = officer.get("/reports/issued/").content.decode()
    assert f'data-issue="{issued.pk}"' in archive and "2025年印发" in archive
    assert 'id="live-link"' not in archive, "the draft is not the officer's"
    for person in (w.officer_a, w.coord_lead, w.lead, w.leader, w.social, w.industry, w.dispatcher):
        assert _client(person).get(f"/reports/issued/{issued.pk}/").status_code == 200
    for person in (w.ent_user_a, world.nankai.hub, world.nankai.officer_a, world.admins["auditor"]):
        client = _client(person)
        for url in ("", "report.docx", "report.xlsx"):
            assert client.get(f"/reports/issued/{issued.pk}/{url}").status_code == 404, (person, url)
    assert _client(w.ent_user_a).get("/reports/issued/").status_code == 404
    assert _client(world.nankai.officer_a).get("/reports/issued/?district=jinghai").status_code == 404
    assert _client(w.officer_a).get(f"/reports/monthly/{NOVEMBER}").status_code == 404, (
        "the draft stays the hub's"
    )


def test_the_overdue_lines_link_only_the_demands_the_reader_reaches(november: Any) -> None:
    w = november
    issued = actions.do_issue_report(w.district, w.hub, Month(2025, 11))
    overdue = issued.snapshot["overdue"][0]["pk"]
    link = f'href="/demands/{overdue}/"'
    assert link in _client(w.hub).get(f"/reports/issued/{issued.pk}/").content.decode()
    page = _client(w.officer_b).get(f"/reports/issued/{issued.pk}/").content.decode()
    assert link not in page and f"#{overdue}" in page

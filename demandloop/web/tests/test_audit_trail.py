"""The security auditor's audit trail: read-only, scoped, filtered, exported — and the export itself audited."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from demandloop.core.models import AuditEvent
from demandloop.org.choices import RoleChoices as R

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user: Any) -> Any:
    """The deployment's auditor: no district, every row."""
    return make_user("auditor", R.AUDITOR, full_name="审计员甲")


def rows_of(response: Any) -> list[str]:
    """The actions of the table's rows, as the page marks them."""
    import re

    return re.findall(r'<tr data-action="([^"]+)"', response.content.decode())


def test_the_auditor_reads_every_action_of_both_districts_latest_first(world, client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit_trail"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "诉求标记-J1" in text and "诉求标记-N1" in text, "both districts' rows"
    assert "诉求 · 派单" in text, "a demand's step is named as the demand's pages name it"
    shown = rows_of(response)
    assert shown[:2] == ["auth.login", "demand.dispatch"], "the latest first: the auditor's own sign-in"
    assert f"{AuditEvent.objects.count()} 条记录" in text
    # A role as its district names it: 南开's officers are 助企服务员, the platform's 为企服务人员.
    from demandloop.core import audit

    nankai = world.districts["N"].district
    audit.record("auth.login", user=world.person("N:officer1"), role=R.OFFICER, district_id=nankai.pk)
    page = client.get(reverse("audit_trail"), {"who": "N-officer1"}).content.decode()
    table = page[page.index('id="audit-rows"') :]
    assert "助企服务员" in table and "为企服务人员" not in table


def test_refused_attempts_and_failed_sign_ins_are_found_by_their_outcome(world, client, auditor):
    client.post(reverse("login"), {"username": "J-hub", "password": "wrong"})
    client.force_login(auditor)
    response = client.get(reverse("audit_trail"), {"result": "failure"})
    assert rows_of(response) == ["auth.login_failed"]
    text = response.content.decode()
    assert "登录 · 登录失败" in text and "拒绝或失败" in text and "J-hub" in text
    assert "demand.dispatch" not in rows_of(response)


def test_the_filters_narrow_by_person_action_district_object_and_period(world, client, auditor):
    client.force_login(auditor)
    nankai = world.districts["N"].district
    by_person = rows_of(client.get(reverse("audit_trail"), {"who": "J-hub"}))
    assert by_person and set(by_person) <= {
        "demand.receive",
        "demand.screen",
        "demand.triage",
        "demand.dispatch",
    }
    assert AuditEvent.objects.filter(username="J-hub").count() == len(by_person)
    by_action = rows_of(
        client.get(reverse("audit_trail"), {"action": "demand.triage", "district": nankai.pk})
    )
    assert by_action == ["demand.triage", "demand.triage"], "N1 and N2 triaged"
    demand = world.demand("J2")
    by_object = rows_of(client.get(reverse("audit_trail"), {"target": f"#{demand.pk}"}))
    assert by_object == ["demand.dispatch", "demand.triage", "demand.screen", "demand.receive"]
    today = timezone.localdate()
    within = rows_of(client.get(reverse("audit_trail"), {"start": today, "end": today}))
    assert len(within) == min(AuditEvent.objects.count(), 50)
    before = rows_of(client.get(reverse("audit_trail"), {"end": today - timedelta(days=1)}))
    assert before == []


def test_a_period_that_ends_before_it_starts_is_named_and_shows_nothing(world, client, auditor):
    client.force_login(auditor)
    today = timezone.localdate()
    response = client.get(reverse("audit_trail"), {"start": today, "end": today - timedelta(days=3)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "结束日期早于开始日期。" in text and 'id="audit-empty"' in text
    response = client.get(reverse("audit_trail"), {"start": "2026-13-40"})
    assert "输入一个有效的日期。" in response.content.decode()


def test_an_auditor_of_a_district_reads_only_its_rows(world, client, make_user):
    jinghai = world.districts["J"].district
    client.force_login(make_user("auditor-j", R.AUDITOR, jinghai))
    text = client.get(reverse("audit_trail")).content.decode()
    assert "诉求标记-J1" in text and "诉求标记-N1" not in text
    export = client.get(reverse("audit_export"))
    cells = _cells(export)
    assert any("诉求标记-J1" in c for c in cells) and not any("诉求标记-N1" in c for c in cells)


def test_nobody_else_opens_the_trail(world, client):
    for who in ("J:hub", "J:officer1", "J:enterprise", "N:leader"):
        client.force_login(world.person(who))
        assert client.get(reverse("audit_trail")).status_code == 404, who
        assert client.get(reverse("audit_export")).status_code == 404, who


def test_the_export_holds_the_filtered_rows_and_is_itself_audited(world, client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit_export"), {"action": "demand.receive"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:6] == ("时间", "用户名", "姓名", "角色", "区", "操作")
    assert len(rows) == 1 + 4, "the four demands' receipts"
    assert {row[6] for row in rows[1:]} == {"demand.receive"}
    assert {row[10] for row in rows[1:]} == {"成功"}
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.user == auditor and exported.role == R.AUDITOR
    assert exported.detail == {"filters": {"action": "demand.receive"}, "rows": 4}
    # The auditor finds the export on the trail.
    assert "审计日志 · 导出审计日志" in client.get(reverse("audit_trail")).content.decode()


def test_what_a_stranger_types_at_sign_in_reaches_the_export_as_text(world, client, auditor):
    """Anyone may type anything as a username: a formula stays characters in the auditor's workbook (not a
    link Excel follows), and a control character XML cannot hold no longer stops the export."""
    typed = '=HYPERLINK("http://example.com","点我")\x0b'
    client.post(reverse("login"), {"username": typed, "password": "wrong"})
    client.force_login(auditor)
    response = client.get(reverse("audit_export"), {"action": "auth.login_failed"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    names = [row[1] for row in book.active.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in names] == [
        ('=HYPERLINK("http://example.com","点我")', "s")
    ]


def test_the_trail_pages_by_fifty(world, client, auditor):
    from demandloop.core import audit

    for n in range(60):
        audit.record("auth.login", username=f"user-{n:02d}", role=R.OFFICER)
    client.force_login(auditor)
    first = client.get(reverse("audit_trail"), {"action": "auth.login", "who": "user-"})
    assert len(rows_of(first)) == 50 and 'id="audit-next"' in first.content.decode()
    second = client.get(reverse("audit_trail"), {"action": "auth.login", "who": "user-", "page": 2})
    text = second.content.decode()
    assert len(rows_of(second)) == 10 and "user-00" in text and "user-59" not in text


def _cells(response: Any) -> list[str]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None]

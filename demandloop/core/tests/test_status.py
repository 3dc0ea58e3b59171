"""`demandloop status`: each check says what an operator must know — and fails when the district's people would
feel it (deadlines not supervised, messages not sent)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from demandloop.demands.tests.world import build_world, triaged
from demandloop.integrations.models import OutboxMessage
from demandloop.meetings.models import DeadlineWatch
from demandloop.routing.models import RouterTraining
from demandloop.sla.calendar import SHANGHAI

pytestmark = pytest.mark.django_db

JUNE = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a year whose holiday arrangement is published


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> Any:
    settings.DEMANDLOOP_MODELS_DIR = (
        tmp_path / "models"
    )  # no router trained: nothing to find, nothing trained
    settings.CELERY_BROKER_URL = ""
    return build_world()


def status() -> tuple[int, dict[str, dict[str, str]]]:
    out = StringIO()
    code = 0
    try:
        call_command("status", "--json", stdout=out)
    except SystemExit as stop:
        code = int(stop.code or 0)
    return code, {check["name"]: check for check in json.loads(out.getvalue())}


def states(checks: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: check["state"] for name, check in checks.items()}


def test_a_working_deployment_passes_every_check(world: Any) -> None:
    with time_machine.travel(JUNE, tick=False):
        triaged(world.jinghai)  # a deadline watched from now on
        code, checks = status()
    assert code == 0
    assert states(checks) == {
        "数据库": "ok",
        "任务队列": "ok",
        "时限督办": "ok",
        "消息投递": "ok",
        "工作日历": "ok",
        "接口令牌": "ok",
        "分派模型": "ok",
    }
    assert checks["接口令牌"]["message"] == "没有有效的接口令牌。"
    assert "迁移已全部执行" in checks["数据库"]["message"]
    assert checks["工作日历"]["message"] == "已录入 2026 年的节假日安排。"
    assert "静海区：首次分派时训练" in checks["分派模型"]["message"]


def test_supervision_behind_its_time_warns_then_fails(world: Any) -> None:
    with time_machine.travel(JUNE, tick=False):
        demand = triaged(world.jinghai)  # its response clock runs
        watch = DeadlineWatch.objects.filter(demand=demand).first()
        assert watch is not None
        DeadlineWatch.objects.filter(pk=watch.pk).update(next_at=timezone.now() - timedelta(minutes=7))
        code, checks = status()
        assert (code, checks["时限督办"]["state"]) == (0, "warn")
        DeadlineWatch.objects.filter(pk=watch.pk).update(next_at=timezone.now() - timedelta(minutes=47))
        code, checks = status()
    assert (code, checks["时限督办"]["state"]) == (1, "fail")
    assert checks["时限督办"]["message"] == (
        "有 1 项提醒、督办或提级已到时间，最早的一项已等待 47 分钟：定时任务（beat）或后台任务进程未在运行。"
    )


def test_messages_not_sent_fail_and_messages_given_up_warn(world: Any) -> None:
    with time_machine.travel(JUNE, tick=False):
        message = OutboxMessage.objects.create(
            key="status-test-1",
            channel="email",
            topic="reminder",
            recipient="hub@example.gov.cn",
            subject="提醒",
        )
        OutboxMessage.objects.filter(pk=message.pk).update(status="failed")
        code, checks = status()
        assert (code, checks["消息投递"]["state"]) == (0, "warn")
        assert "有 1 条消息发送失败且不再重试" in checks["消息投递"]["message"]
        OutboxMessage.objects.create(
            key="status-test-2",
            channel="email",
            topic="reminder",
            recipient="hub@example.gov.cn",
            subject="提醒",
            next_attempt_at=timezone.now() - timedelta(minutes=20),
        )
        code, checks = status()
    assert (code, checks["消息投递"]["state"]) == (1, "fail")
    assert "最早的一条已等待 20 分钟" in checks["消息投递"]["message"]


def test_the_calendar_check_asks_for_next_year_in_december_and_fails_without_this_year(world: Any) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        code, checks = status()
    assert (code, checks["工作日历"]["state"]) == (0, "warn")
    assert checks["工作日历"]["message"].startswith("2027 年的节假日安排尚未录入：跨入该年的时限为临时时限。")
    with time_machine.travel(datetime(2099, 3, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        code, checks = status()
    assert (code, checks["工作日历"]["state"]) == (1, "fail")
    assert "2099 年的节假日安排尚未录入：所有时限按周一至周五计算并标为临时" in checks["工作日历"]["message"]


def test_a_router_the_database_names_but_this_server_lacks_fails(world: Any) -> None:
    RouterTraining.objects.create(
        district=world.jinghai.district, folder="retrained-20261130-0900", activated=True
    )
    with time_machine.travel(JUNE, tick=False):
        code, checks = status()
    assert (code, checks["分派模型"]["state"]) == (1, "fail")
    assert (
        "retrained-20261130-0900，但本服务器上没有：DEMANDLOOP_VAR_DIR 须由各服务器共享"
        in checks["分派模型"]["message"]
    )


def test_a_broker_that_does_not_answer_fails_without_saying_its_password(world: Any, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://:secret-pass@127.0.0.1:1/0"
    with time_machine.travel(JUNE, tick=False):
        code, checks = status()
    assert (code, checks["任务队列"]["state"]) == (1, "fail")
    assert "Redis（127.0.0.1:1/0）无应答" in checks["任务队列"]["message"]
    assert "secret-pass" not in json.dumps(checks, ensure_ascii=False)


def test_the_text_form_marks_each_check(world: Any) -> None:
    out = StringIO()
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        call_command("status", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 7
    assert lines[0].startswith("✓ 数据库") and lines[4].startswith("! 工作日历")


def test_a_token_about_to_expire_is_named_so_a_new_one_is_handed_over_in_time(world: Any) -> None:
    from demandloop.org.tokens import do_issue_token

    dispatcher = world.jinghai.people["dispatcher"]
    with time_machine.travel(JUNE, tick=False):
        do_issue_token(None, dispatcher, "12345 对接", 30)
        do_issue_token(None, dispatcher, "数据共享", 0)
        code, checks = status()
        assert code == 0 and checks["接口令牌"] == {
            "name": "接口令牌",
            "state": "ok",
            "message": "2 个接口令牌有效，14 天内无到期。",
        }
    with time_machine.travel(JUNE + timedelta(days=20), tick=False):
        code, checks = status()
    assert code == 0, "a warning, not a failure"
    assert checks["接口令牌"]["state"] == "warn"
    assert f"12345 对接（{dispatcher.username}）于 2026-07-01 到期" in checks["接口令牌"]["message"]
    assert "数据共享" not in checks["接口令牌"]["message"]

"""`demandloop report issue` and `demandloop report issued`: issuing from the command line, and the list."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from demandloop.reports.models import IssuedReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


def run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, **options)
    return out.getvalue()


def test_it_issues_corrects_and_lists(november: Any, clock: Any) -> None:
    said = run("issue", district="jinghai", month="2025-11")
    assert said.strip() == "已将静海区2025年11月的月度通报印发为2025年第1期，已通知11人。"
    assert IssuedReport.objects.get().issued_by == november.hub, "the district's only hub account issues it"
    clock.set(2025, 12, 10, 16)
    run("issue", district="jinghai", month="2025-11", reason="更正排名", by=november.hub.username)
    lines = run("issued", district="jinghai").strip().splitlines()
    assert lines[0].split("\t")[0::4] == ["2025年第2期", "现行（更正稿）"]
    assert lines[1].split("\t") == [
        "2025年第1期",
        "2025-11",
        "2025-12-10 15:00",
        november.hub.username,
        "已被2025年第2期更正",
    ]


def test_it_refuses_plainly_naming_the_option(november: Any, make_user: Any) -> None:
    for options, message in (
        ({"district": "jinghai"}, "--month"),
        ({"district": "jinghai", "month": "2025-12"}, "--month: 2025年12月尚未结束"),
        ({"district": "jinghai", "month": "2025-11", "reason": "无"}, "--reason: "),
        ({"district": "jinghai", "month": "2025-11", "by": "nobody"}, "--by"),
        ({"district": "jinghai", "month": "2025-11", "by": november.officer_a.username}, "区政务服务办"),
        ({"district": "nowhere", "month": "2025-11"}, "nowhere"),
    ):
        with pytest.raises(CommandError, match=message):
            run("issue", **options)
    make_user("second-hub", "hub", november.district)
    with pytest.raises(CommandError, match="--by"):
        run("issue", district="jinghai", month="2025-11")
    assert not IssuedReport.objects.exists()
    assert run("issued", district="jinghai").strip() == "静海区尚未印发月度通报。"
    with pytest.raises(CommandError, match="monthly, issue, issued"):
        run("publish", district="jinghai")

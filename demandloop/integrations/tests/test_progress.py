"""The enterprise's own accounts hear of its demand's progress: refused, answered, given a plan, resolved or passed
to the city — with what it was told and a link to the demand; nothing for the steps in between, nothing twice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.tests.world import World, build_world, drive, receive, triaged
from demandloop.integrations.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def told(user: Any) -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.filter(user=user, topic="demand")
        .order_by("pk")
        .values_list("subject", "body", "link")
    )


def test_the_enterprise_is_told_when_its_demand_is_answered_planned_and_resolved(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=1, complexity="simple")
    assert told(w.ent_user_a) == [], "received, screened, triaged: nothing to tell yet"

    actions.do_answer(demand, w.officer_a, answer="可在政务服务网在线办理，材料清单见附件。")
    ((subject, body, link),) = told(w.ent_user_a)
    assert subject == f"您的诉求 #{demand.pk} 已答复：{demand.title}"
    assert body == "可在政务服务网在线办理，材料清单见附件。" and link == f"/demands/{demand.pk}/"
    assert told(w.ent_user_b) == [] and told(w.officer_a) == [], "only the enterprise's own accounts"

    planned = drive(w, S.PLANNED)
    actions.do_inform(planned, w.officer_a)
    subject, body, _link = told(w.ent_user_a)[-1]
    eta = planned.completion_due.date() if planned.completion_due else None
    assert subject.startswith(f"您的诉求 #{planned.pk} 已有解决方案") and planned.plan in body
    assert eta is not None and f"预计 {eta:%Y-%m-%d} 前完成" in body

    actions.do_report_part(planned, w.coord_co, part="本部门部分已完成")
    actions.do_resolve(planned, w.coord_lead, result="已协调完成")
    subject, body, _link = told(w.ent_user_a)[-1]
    assert subject.startswith(f"您的诉求 #{planned.pk} 已办结，请评价") and body == "已协调完成"


def test_a_refusal_carries_where_to_turn_instead(world: Any) -> None:
    w = world.jinghai
    refused = drive(w, S.OUT_OF_SCOPE)
    subject, body, _link = told(w.ent_user_a)[-1]
    assert subject.startswith(f"您的诉求 #{refused.pk} 不在服务范围内")
    assert body == refused.redirect_text and body, "the redirect text of the exclusion"


def test_the_enterprise_is_not_told_of_its_own_steps_nor_of_the_clerks_in_between(world: Any) -> None:
    w = world.jinghai
    demand = receive(w)
    actions.do_screen(demand, w.officer_a, in_scope=True)
    actions.do_triage(demand, w.hub, domain=w.domain(), complexity="complex", tier=w.tier(2))
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"))
    actions.do_accept(demand, w.coord_lead)
    actions.do_plan(demand, w.coord_lead, plan="派员上门", eta=date.today() + timedelta(days=10))
    actions.do_withdraw(demand, w.ent_user_a, reason="问题已自行解决")
    assert told(w.ent_user_a) == []

"""The rules each action keeps beyond FLOW: clocks, co-departments, extensions, channels, conflicts, endings."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from demandloop.core.models import AuditEvent
from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed, DemandConflict
from demandloop.demands.models import Demand, DemandEvent
from demandloop.demands.tests.world import drive, in_days, receive, triaged, with_departments

pytestmark = pytest.mark.django_db


def test_it_keeps_both_original_clocks_when_a_demand_is_reopened(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.EVALUATED)
    clocks = (demand.response_due, demand.completion_due, demand.tier_entered_at)
    actions.do_reopen(demand, w.ent_user_a, reason="检测报告仍未出具")
    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS
    assert (demand.response_due, demand.completion_due, demand.tier_entered_at) == clocks
    assert demand.reopen_count == 1
    assert (demand.evaluation_solved, demand.evaluated_at, demand.result) == ("", None, "")
    # The co-department reports again for the second round.
    assert [link.reported_at for link in demand.co_department_links.all()] == [None]


def test_it_reopens_only_unsolved_or_unsatisfying_demands(world: Any) -> None:
    w = world.nankai
    demand = drive(w, S.RESOLVED)
    actions.do_evaluate(demand, w.ent_user_a, solved="solved", satisfied="basically")
    with pytest.raises(ActionNotAllowed):
        actions.do_reopen(demand, w.ent_user_a, reason="再看看")


def test_it_refuses_a_stale_copy_of_the_demand_with_a_conflict_and_applies_nothing(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    mine, theirs = Demand.objects.get(pk=demand.pk), Demand.objects.get(pk=demand.pk)
    actions.do_return(theirs, w.coord_lead, reason="非本部门职责")
    with pytest.raises(DemandConflict) as caught:
        actions.do_accept(mine, w.coord_lead)
    assert caught.value.status_code == 409
    demand.refresh_from_db()
    assert demand.status == S.RETURNED
    assert not DemandEvent.objects.filter(demand=demand, action="accept").exists()
    assert (
        AuditEvent.objects.filter(action="demand.accept", success=False, object_id=str(demand.pk)).count()
        == 1
    )


def test_it_resolves_only_when_every_co_department_has_reported_its_part(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.INFORMED)
    with pytest.raises(ActionNotAllowed) as caught:
        actions.do_resolve(demand, w.coord_lead, result="已办结")
    assert "区税务局" in caught.value.message
    # Only a co-department reports a part; the lead department cannot do it for them.
    with pytest.raises(ActionForbidden):
        actions.do_report_part(demand, w.coord_lead, part="代为反馈")
    actions.do_report_part(demand, w.coord_co, part="已完成纳税信用修复")
    actions.do_resolve(demand, w.coord_lead, result="已办结")
    assert demand.status == S.RESOLVED
    link = demand.co_department_links.get()
    assert (link.part, link.reported_by) == ("已完成纳税信用修复", w.coord_co)


def test_it_moves_the_completion_clock_only_when_an_extension_is_approved(world: Any) -> None:
    w = world.nankai
    demand = drive(w, S.PLANNED)
    committed = demand.completion_due
    actions.do_request_extension(demand, w.coord_lead, until=in_days(45), reason="等待第三方检测")
    assert demand.completion_due == committed
    with pytest.raises(ActionNotAllowed):
        actions.do_request_extension(demand, w.coord_lead, until=in_days(50), reason="再延")
    # The coordinator may not approve its own request; its department lead may.
    with pytest.raises(ActionForbidden):
        actions.do_approve_extension(demand, w.coord_lead)
    actions.do_approve_extension(demand, w.lead)
    demand.refresh_from_db()
    assert demand.completion_due > committed
    assert demand.completion_due.astimezone().date() >= in_days(44)
    assert (demand.extension_count, demand.extension_requested_until) == (1, None)


def test_it_refuses_an_extension_that_would_shorten_the_deadline(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.PLANNED)
    with pytest.raises(ActionInvalid) as caught:
        actions.do_request_extension(demand, w.coord_lead, until=in_days(1), reason="x")
    assert caught.value.field == "until"


def test_it_starts_a_new_response_clock_on_each_escalation_and_stops_at_tier_4(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=2)
    first = demand.response_due
    actions.do_escalate(demand, w.hub, reason="multi_department")
    assert demand.tier.level == 3 and demand.response_due > first
    assert demand.complexity == "complex"
    actions.do_decide(
        demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")], deadline=in_days(20)
    )
    actions.do_escalate(demand, w.hub, reason="not_solvable")
    assert (demand.tier.level, demand.response_due) == (4, None)
    actions.do_transfer(demand, w.hub, city_channel="jinchanfa", city_reference="JCF-9")
    # The city answers for it now: the district's co-departments owe no part any more.
    assert demand.co_department_links.count() == 0
    demand = drive(w, S.IN_PROGRESS, level=4)
    with pytest.raises(ActionNotAllowed):
        actions.do_escalate(demand, w.hub, reason="not_solvable")


def test_it_screens_out_with_the_reason_and_the_redirect_of_the_demand_s_own_district(world: Any) -> None:
    jinghai, nankai = world.jinghai, world.nankai
    demand = receive(nankai)
    with pytest.raises(ActionInvalid) as caught:
        actions.do_screen(
            demand,
            nankai.officer_a,
            in_scope=False,
            exclusion=jinghai.district.exclusions.get(code="litigation"),
        )
    assert caught.value.field == "exclusion"
    petition = nankai.district.exclusions.get(code="petition")
    actions.do_screen(demand, nankai.officer_a, in_scope=False, exclusion=petition)
    assert (demand.status, demand.redirect_text) == (S.OUT_OF_SCOPE, petition.redirect_text)
    assert demand.closed_at is not None


def test_it_lets_each_channel_be_used_only_by_its_roles(world: Any) -> None:
    w = world.jinghai
    assert receive(w, by=w.ent_user_a, channel="online", source="").channel == "online"
    with pytest.raises(ActionForbidden):
        receive(w, by=w.ent_user_a)  # an enterprise cannot pose as its officer
    with pytest.raises(ActionForbidden):
        receive(w, by=w.ent_user_b, channel="online", source="")  # nor file for another enterprise
    with pytest.raises(ActionForbidden):
        receive(w, by=w.officer_b)  # enterprise a lies outside officer b's area
    with pytest.raises(ActionInvalid) as caught:
        receive(w, by=w.dispatcher, channel="hotline", source="")
    assert caught.value.field == "hotline_number"
    order = receive(w, by=w.dispatcher, channel="hotline", source="", hotline_number="12345-0001")
    assert order.created_by == w.dispatcher
    assert AuditEvent.objects.filter(action="demand.receive", success=False).count() == 4


def test_it_takes_a_returned_demand_out_of_the_department_s_sight(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    assert Demand.objects.for_user(w.coord_co).filter(pk=demand.pk).exists()
    actions.do_return(demand, w.coord_lead, reason="不属于本部门职责")
    assert demand.lead_department is None
    assert not Demand.objects.for_user(w.coord_lead).filter(pk=demand.pk).exists()
    assert not Demand.objects.for_user(w.coord_co).filter(pk=demand.pk).exists()
    assert Demand.objects.for_user(w.dispatcher).filter(pk=demand.pk).exists()


def test_it_merges_a_duplicate_only_into_a_live_demand_of_the_same_district(world: Any) -> None:
    w = world.jinghai
    with pytest.raises(ActionInvalid):
        actions.do_merge(receive(w), w.hub, original=receive(world.nankai))
    merged = drive(w, S.MERGED)
    with pytest.raises(ActionInvalid):
        actions.do_merge(receive(w), w.hub, original=merged)
    duplicate = receive(w)
    with pytest.raises(ActionInvalid):
        actions.do_merge(duplicate, w.hub, original=duplicate)
    original = receive(w)
    actions.do_merge(duplicate, w.hub, original=original)
    assert (duplicate.status, duplicate.duplicate_of) == (S.MERGED, original)


def test_it_answers_on_the_spot_only_simple_tier_1_matters(world: Any) -> None:
    w = world.nankai
    demand = triaged(w, level=1, complexity="complex")
    with pytest.raises(ActionNotAllowed):
        actions.do_answer(demand, w.officer_a, answer="x")
    with pytest.raises(ActionInvalid):
        actions.do_triage(drive(w, S.SCREENED), w.hub, domain=w.domain(), complexity="simple", tier=w.tier(2))


def test_it_requires_co_departments_in_a_tier_3_decision_and_a_future_deadline(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=3)
    with pytest.raises(ActionInvalid) as caught:
        actions.do_decide(
            demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[], deadline=in_days(9)
        )
    assert caught.value.field == "co_departments"
    with pytest.raises(ActionInvalid) as caught:
        actions.do_decide(
            demand,
            w.hub,
            lead_department=w.dep("scjgj"),
            co_departments=[w.dep("scjgj")],
            deadline=in_days(9),
        )
    assert caught.value.field == "co_departments"
    with pytest.raises(ActionInvalid) as caught:
        actions.do_decide(
            demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")], deadline=in_days(-1)
        )
    assert caught.value.field == "deadline"
    # Departments come from the demand's own district only.
    with pytest.raises(ActionInvalid):
        actions.do_decide(
            demand,
            w.hub,
            lead_department=world.nankai.dep("scjgj"),
            co_departments=[w.dep("swj")],
            deadline=in_days(9),
        )


def test_it_lets_the_platform_act_as_system_and_records_it(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=2)
    actions.do_escalate(demand, None, reason="overdue", note="响应超时自动提级")
    event = demand.events.latest("at", "pk")
    assert (event.actor, event.actor_role, event.data["reason"]) == (None, "system", "overdue")
    assert AuditEvent.objects.get(action="demand.escalate").role == "system"


def test_it_tells_listeners_inside_the_transaction_and_nothing_when_it_rolls_back(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=1)
    seen: list[tuple[int, str, bool]] = []

    def listener(sender: Any, demand: Any, event: Any, role: str, **kwargs: Any) -> None:
        seen.append((demand.pk, event.action, DemandEvent.objects.filter(pk=event.pk).exists()))

    actions.demand_changed.connect(listener)
    try:
        actions.do_accept(demand, w.officer_a)
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.do_plan(demand, w.officer_a, plan="方案", eta=in_days(3))
            raise RuntimeError
    finally:
        actions.demand_changed.disconnect(listener)
    assert seen == [(demand.pk, "accept", True), (demand.pk, "plan", True)]
    assert not DemandEvent.objects.filter(demand=demand, action="plan").exists()


def test_it_lets_a_leader_decide_at_tier_4_only_where_leaders_handle_that_tier(world: Any) -> None:
    jinghai = world.jinghai
    demand = triaged(jinghai, level=4)
    actions.do_decide(
        demand, jinghai.leader, lead_department=jinghai.dep("gxj"), co_departments=[], deadline=in_days(30)
    )
    assert demand.events.latest("at", "pk").actor_role == "leader"
    nankai = world.nankai
    with pytest.raises(ActionForbidden):
        actions.do_decide(
            triaged(nankai, level=4),
            nankai.leader,
            lead_department=nankai.dep("fgw"),
            co_departments=[],
            deadline=in_days(30),
        )


def test_it_never_lets_an_uninvolved_department_handle_a_demand(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    with pytest.raises(ActionForbidden):
        actions.do_accept(demand, w.coord_other)
    with pytest.raises(ActionForbidden):
        actions.do_accept(demand, w.coord_co)  # a co-department does not take the lead's place
    in_progress = with_departments(w, 2, triaged(w, level=2))
    with pytest.raises(ActionForbidden):
        actions.do_plan(in_progress, w.coord_co, plan="x", eta=in_days(5))
    assert in_progress.status == S.IN_PROGRESS


def test_a_committed_date_years_ahead_is_refused_as_a_mistyped_year(world: Any) -> None:
    from django.utils import translation

    w = world.jinghai
    planned = with_departments(w, 2, triaged(w, level=2))
    with pytest.raises(ActionInvalid) as refused:
        actions.do_plan(planned, w.coord_lead, plan="方案", eta=in_days(400))
    assert refused.value.field == "eta"
    with translation.override("zh-hans"):
        assert "一年" in str(refused.value.message)
    planned.refresh_from_db()
    assert planned.status == S.IN_PROGRESS and planned.completion_due is None
    assert actions.do_plan(planned, w.coord_lead, plan="方案", eta=in_days(300)).status == S.PLANNED


def test_it_records_a_late_city_report_on_a_closed_demand_and_changes_nothing(world: Any) -> None:
    from demandloop.demands.actions import demand_changed
    from demandloop.demands.choices import DemandActionChoices as A

    w = world.jinghai
    demand = drive(w, S.TRANSFERRED)
    actions.do_resolve(demand, w.hub, result="区级已协调解决")
    actions.do_close(demand, w.officer_a, note="企业确认")
    before = Demand.objects.get(pk=demand.pk)
    heard: list[Any] = []
    demand_changed.connect(
        lambda **kw: heard.append(kw["event"]), weak=False, dispatch_uid="test-city-report"
    )
    try:
        actions.do_city_report(
            demand, None, stage="answered", note="市级已办结：已纳入计划", data={"sequence": 4}
        )
    finally:
        demand_changed.disconnect(dispatch_uid="test-city-report")
    after = Demand.objects.get(pk=demand.pk)
    assert (after.status, after.version, after.updated_at, after.result) == (
        S.CLOSED,
        before.version,
        before.updated_at,
        "区级已协调解决",
    )
    event = DemandEvent.objects.filter(demand=demand).latest("at", "pk")
    assert (event.action, event.from_status, event.to_status, event.actor_role) == (
        A.CITY_REPORT,
        S.CLOSED,
        S.CLOSED,
        "system",
    )
    assert (event.note, event.data["stage"], event.data["sequence"]) == (
        "市级已办结：已纳入计划",
        "answered",
        4,
    )
    assert heard == []  # nothing changed for 12345, the city or the deadline watches
    row = AuditEvent.objects.get(action="demand.city_report")
    assert (row.success, row.user, row.object_id) == (True, None, str(demand.pk))


def test_only_the_platform_records_a_city_report_and_never_on_a_demand_awaiting_the_city(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.TRANSFERRED)
    with pytest.raises(ActionNotAllowed):
        actions.do_city_report(demand, None, stage="answered", note="市级已办结")
    actions.do_resolve(demand, w.hub, result="区级已协调解决")
    with pytest.raises(ActionForbidden):
        actions.do_city_report(demand, w.hub, stage="answered", note="市级已办结")
    assert not DemandEvent.objects.filter(demand=demand, action="city_report").exists()
    refused = AuditEvent.objects.filter(action="demand.city_report", success=False)
    assert sorted(refused.values_list("detail__code", flat=True)) == ["forbidden", "not_allowed"]

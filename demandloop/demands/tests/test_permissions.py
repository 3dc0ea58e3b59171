"""Who may take which action at which tier: the pure rules, checked without a database."""

from __future__ import annotations

import pytest

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.permissions import RULES, TierContext, acting_role
from demandloop.demands.queries import DemandFacts, DemandGrants

FACTS = DemandFacts(
    district_id=1,
    area_id=10,
    enterprise_id=100,
    park_id=None,
    enterprise_is_key=False,
    key_department_id=None,
    lead_department_id=20,
    co_department_ids=frozenset({21}),
    created_by_id=None,
)
OFFICER = DemandGrants(user_id=1, officer_area_ids=frozenset({10}))
LEAD_COORDINATOR = DemandGrants(user_id=2, coordinator_department_ids=frozenset({20}))
CO_COORDINATOR = DemandGrants(user_id=3, coordinator_department_ids=frozenset({21}))
DEPT_LEAD = DemandGrants(user_id=4, dept_lead_department_ids=frozenset({20}))
LEADER = DemandGrants(user_id=5, leader_area_ids=frozenset({10}))
HUB = DemandGrants(user_id=6, hub_district_ids=frozenset({1}))
OTHER_HUB = DemandGrants(user_id=7, hub_district_ids=frozenset({2}))
ENTERPRISE = DemandGrants(user_id=8, enterprise_ids=frozenset({100}))
NOBODY = DemandGrants(user_id=9)


def at(level: int, handlers: set[str], status: str = S.IN_PROGRESS) -> TierContext:
    return TierContext(status=status, tier_level=level, handler_roles=frozenset(handlers))


def test_it_has_a_rule_for_every_action_but_intake() -> None:
    assert set(RULES) == set(A.values) - {A.RECEIVE}


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        (OFFICER, "officer"),
        (LEAD_COORDINATOR, "coordinator"),
        (DEPT_LEAD, "dept_lead"),
        (CO_COORDINATOR, None),
        (LEADER, None),
        (HUB, None),
        (ENTERPRISE, None),
        (NOBODY, None),
    ],
)
def test_it_lets_only_the_tier_s_handlers_plan_with_departments_narrowed_to_the_lead(
    grants, expected
) -> None:
    # 静海 tier 2: 为企服务人员 and 专业专员.
    assert acting_role(A.PLAN, grants, FACTS, at(2, {"officer", "coordinator"})) == expected


def test_it_lets_only_co_departments_report_a_part() -> None:
    ctx = at(3, {"hub", "coordinator"})
    assert acting_role(A.REPORT_PART, CO_COORDINATOR, FACTS, ctx) == "coordinator"
    assert acting_role(A.REPORT_PART, LEAD_COORDINATOR, FACTS, ctx) is None


def test_it_lets_leaders_decide_only_where_the_preset_makes_them_handlers() -> None:
    assert acting_role(A.DECIDE, LEADER, FACTS, at(4, {"hub", "leader"}, S.ESCALATED)) == "leader"
    assert acting_role(A.DECIDE, LEADER, FACTS, at(4, {"hub", "officer"}, S.ESCALATED)) is None
    assert acting_role(A.DECIDE, HUB, FACTS, at(3, {"hub", "coordinator"}, S.ESCALATED)) == "hub"
    assert acting_role(A.DECIDE, OTHER_HUB, FACTS, at(3, {"hub", "coordinator"}, S.ESCALATED)) is None


def test_it_lets_the_tier_s_deciders_of_the_demand_s_area_decide() -> None:
    # 南开 tier 3: the street's 协调会 (吹哨报到) decides; 静海 tier 3 names no decider beyond the hub.
    street = TierContext(
        status=S.TRIAGED,
        tier_level=3,
        handler_roles=frozenset({"hub", "coordinator"}),
        decider_roles=frozenset({"officer"}),
    )
    assert acting_role(A.DECIDE, OFFICER, FACTS, street) == "officer"
    elsewhere = DemandGrants(user_id=10, officer_area_ids=frozenset({11}))
    assert acting_role(A.DECIDE, elsewhere, FACTS, street) is None, "not the demand's area"
    assert acting_role(A.DECIDE, LEAD_COORDINATOR, FACTS, street) is None
    assert acting_role(A.DECIDE, OFFICER, FACTS, at(3, {"hub", "coordinator"}, S.TRIAGED)) is None


def test_it_gives_a_dispatched_demand_to_its_lead_department_only() -> None:
    ctx = at(2, {"officer", "coordinator"}, S.DISPATCHED)
    assert acting_role(A.ACCEPT, LEAD_COORDINATOR, FACTS, ctx) == "coordinator"
    assert acting_role(A.ACCEPT, OFFICER, FACTS, ctx) is None
    assert acting_role(A.ACCEPT, OFFICER, FACTS, at(1, {"officer"}, S.TRIAGED)) == "officer"


def test_it_lets_the_enterprise_rate_reopen_and_withdraw_but_not_handle() -> None:
    ctx = at(2, {"coordinator"}, S.EVALUATED)
    for action in (A.EVALUATE, A.REOPEN, A.WITHDRAW, A.ATTACH):
        assert acting_role(action, ENTERPRISE, FACTS, ctx) == "enterprise", action
    for action in (A.SCREEN, A.TRIAGE, A.PLAN, A.RESOLVE, A.CLOSE, A.INFORM, A.ESCALATE):
        assert acting_role(action, ENTERPRISE, FACTS, ctx) is None, action


def test_it_lets_the_hub_or_the_lead_department_s_lead_decide_extensions() -> None:
    ctx = at(2, {"coordinator"}, S.PLANNED)
    assert acting_role(A.APPROVE_EXTENSION, HUB, FACTS, ctx) == "hub"
    assert acting_role(A.APPROVE_EXTENSION, DEPT_LEAD, FACTS, ctx) == "dept_lead"
    assert acting_role(A.APPROVE_EXTENSION, LEAD_COORDINATOR, FACTS, ctx) is None
    assert acting_role(A.REQUEST_EXTENSION, LEAD_COORDINATOR, FACTS, ctx) == "coordinator"


def test_it_reaches_nothing_without_grants() -> None:
    assert NOBODY.roles_reaching(FACTS) == []
    assert NOBODY.roles == frozenset()


@pytest.mark.parametrize("action", [A.CITY_PROGRESS, A.CITY_RETURN])
@pytest.mark.parametrize("grants", [OFFICER, LEAD_COORDINATOR, DEPT_LEAD, LEADER, HUB, ENTERPRISE])
def test_it_lets_no_person_speak_for_the_city(action: str, grants: DemandGrants) -> None:
    # Only the city platform's integration reports its progress or a return, as the platform itself.
    context = at(4, {"hub", "officer", "leader"}, status=S.TRANSFERRED)
    assert acting_role(action, grants, FACTS, context) is None

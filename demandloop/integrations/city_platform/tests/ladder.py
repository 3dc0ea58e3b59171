"""A demand of enterprise a driven up the whole ladder to tier 4, the way the city tests start."""

from __future__ import annotations

from typing import Any

from demandloop.demands import actions
from demandloop.demands.tests.world import DistrictWorld, in_days, triaged


def at_tier_4(w: DistrictWorld) -> Any:
    """Dispatched to scjgj at tier 2, escalated to the joint meeting (tier 3), decided, escalated to tier 4."""
    demand = triaged(
        w, level=2, title="跨区域用电增容需市级协调", content="企业扩产需用电增容，涉及市级电网规划。"
    )
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])
    actions.do_accept(demand, w.coord_lead)
    actions.do_escalate(demand, w.hub, reason="multi_department", note="需多部门会商")
    actions.do_decide(
        demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")], deadline=in_days(30)
    )
    return actions.do_escalate(demand, w.hub, reason="not_solvable", note="区级职责权限无法解决")


def transfer(w: DistrictWorld, demand: Any, **kwargs: Any) -> Any:
    return actions.do_transfer(demand, w.hub, city_channel="jinchanfa", note="提请市级协调", **kwargs)

"""A small, fully known world for the demand tests: both presets, two areas in each district, one person per
role (plus the people who must NOT see things), a few enterprises, and helpers that drive a demand to any status
through the real actions.

Per district `w.d[code]` holds:
- areas `a` and `b`; a park (`park`) whose enterprise lies in area b;
- enterprises `ent_a` (area a), `ent_b` (area b), `ent_key` (area a, key enterprise of scjgj), `ent_park`;
- people: officer_a, officer_b, social (the park), industry (scjgj key enterprises), coord_lead (scjgj),
  coord_co (swj), coord_other (rsj), lead (dept_lead scjgj), leader (area a), hub, dispatcher,
  ent_user_a (account of ent_a), ent_user_b.
Deployment-wide: sysadmin, secadmin, auditor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.enterprises.models import Enterprise
from demandloop.org.choices import LocalityKindChoices, RoleChoices
from demandloop.org.demo import make_uscc
from demandloop.org.models import District, Locality, Membership, User
from demandloop.org.presets import load_preset

PEOPLE_ROLES = {
    "officer_a": RoleChoices.OFFICER,
    "officer_b": RoleChoices.OFFICER,
    "social": RoleChoices.SOCIAL_OFFICER,
    "industry": RoleChoices.INDUSTRY_OFFICER,
    "coord_lead": RoleChoices.COORDINATOR,
    "coord_co": RoleChoices.COORDINATOR,
    "coord_other": RoleChoices.COORDINATOR,
    "lead": RoleChoices.DEPT_LEAD,
    "leader": RoleChoices.LEADER,
    "hub": RoleChoices.HUB,
    "dispatcher": RoleChoices.DISPATCHER,
    "ent_user_a": RoleChoices.ENTERPRISE,
    "ent_user_b": RoleChoices.ENTERPRISE,
}
ADMINS = {"sysadmin": RoleChoices.SYSADMIN, "secadmin": RoleChoices.SECADMIN, "auditor": RoleChoices.AUDITOR}


@dataclass
class DistrictWorld:
    district: District
    a: Any
    b: Any
    park: Any
    ent_a: Any
    ent_b: Any
    ent_key: Any
    ent_park: Any
    people: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def dep(self, code: str) -> Any:
        return self.district.departments.get(code=code)

    def tier(self, level: int) -> Any:
        return self.district.tiers.get(level=level)

    def domain(self, code: str = "market") -> Any:
        return self.district.domains.get(code=code)


@dataclass
class World:
    d: dict[str, DistrictWorld]
    admins: dict[str, Any]

    @property
    def jinghai(self) -> DistrictWorld:
        return self.d["jinghai"]

    @property
    def nankai(self) -> DistrictWorld:
        return self.d["nankai"]


def _user(username: str, role: str, district: Any, **membership: Any) -> Any:
    areas = membership.pop("areas", [])
    user = User.objects.create_user(username=username, password=f"pw-{username}", full_name=username)
    m = Membership.objects.create(user=user, role=role, district=district, **membership)
    if areas:
        m.areas.add(*areas)
    return user


def _enterprise(district: Any, name: str, area: Any, rng: random.Random, **extra: Any) -> Any:
    return Enterprise.objects.create(
        district=district,
        uscc=make_uscc(rng, district, "company"),
        name=name,
        area=area,
        locality=area.locality,
        **extra,
    )


def build_district(code: str, rng: random.Random) -> DistrictWorld:
    district = load_preset(code).district
    areas = list(district.areas.order_by("order", "code")[:2])
    a, b = areas
    park = (
        Locality.objects.filter(
            district=district, kind__in=[LocalityKindChoices.PARK, LocalityKindChoices.BUSINESS_DISTRICT]
        )
        .order_by("order", "code")
        .first()
    )
    scjgj = district.departments.get(code="scjgj")
    w = DistrictWorld(
        district=district,
        a=a,
        b=b,
        park=park,
        ent_a=_enterprise(district, f"{code}-甲公司", a, rng),
        ent_b=_enterprise(district, f"{code}-乙公司", b, rng),
        ent_key=_enterprise(district, f"{code}-重点公司", a, rng, is_key=True, key_department=scjgj),
        ent_park=_enterprise(district, f"{code}-园区公司", b, rng, park=park),
    )
    p = w.people
    p["officer_a"] = _user(f"{code}-officer-a", RoleChoices.OFFICER, district, areas=[a])
    p["officer_b"] = _user(f"{code}-officer-b", RoleChoices.OFFICER, district, areas=[b])
    p["social"] = _user(f"{code}-social", RoleChoices.SOCIAL_OFFICER, district, locality=park)
    p["industry"] = _user(f"{code}-industry", RoleChoices.INDUSTRY_OFFICER, district, department=scjgj)
    p["coord_lead"] = _user(f"{code}-coord-scjgj", RoleChoices.COORDINATOR, district, department=scjgj)
    p["coord_co"] = _user(f"{code}-coord-swj", RoleChoices.COORDINATOR, district, department=w.dep("swj"))
    p["coord_other"] = _user(f"{code}-coord-rsj", RoleChoices.COORDINATOR, district, department=w.dep("rsj"))
    p["lead"] = _user(f"{code}-lead-scjgj", RoleChoices.DEPT_LEAD, district, department=scjgj)
    p["leader"] = _user(f"{code}-leader", RoleChoices.LEADER, district, areas=[a])
    p["hub"] = _user(f"{code}-hub", RoleChoices.HUB, district, department=w.dep("zwfwb"))
    p["dispatcher"] = _user(f"{code}-dispatcher", RoleChoices.DISPATCHER, district, department=w.dep("wgzx"))
    p["ent_user_a"] = _user(f"{code}-ent-a", RoleChoices.ENTERPRISE, district, enterprise=w.ent_a)
    p["ent_user_b"] = _user(f"{code}-ent-b", RoleChoices.ENTERPRISE, district, enterprise=w.ent_b)
    return w


def build_world(seed: int = 3) -> World:
    rng = random.Random(seed)
    d = {code: build_district(code, rng) for code in ("jinghai", "nankai")}
    admins = {name: _user(name, role, None) for name, role in ADMINS.items()}
    return World(d=d, admins=admins)


# --- Driving demands ---------------------------------------------------------------------------------------


def in_days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def receive(w: DistrictWorld, *, enterprise: Any = None, by: Any = None, **extra: Any) -> Any:
    fields = {
        "enterprise": enterprise or w.ent_a,
        "channel": "officer",
        "source": "visit",
        "title": "申请食品经营许可证需要哪些材料",
        "content": "企业新开食堂，咨询食品经营许可办理材料和时限。",
        "contact_name": "张三丰",
        "contact_phone": "13812345678",
    }
    fields.update(extra)
    return actions.do_receive(by or w.officer_a, **fields)


def triaged(w: DistrictWorld, *, level: int = 2, complexity: str = "complex", **kw: Any) -> Any:
    demand = receive(w, **kw)
    actions.do_screen(demand, w.officer_a if demand.area_id == w.a.pk else w.hub, in_scope=True)
    return actions.do_triage(demand, w.hub, domain=w.domain(), complexity=complexity, tier=w.tier(level))


def with_departments(w: DistrictWorld, level: int, demand: Any) -> Any:
    """Bring a triaged demand at `level` to in_progress with scjgj leading and swj co-handling."""
    if level == 1:
        return actions.do_accept(demand, w.officer_a)
    if level == 2:
        actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])
        return actions.do_accept(demand, w.coord_lead)
    return actions.do_decide(
        demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")], deadline=in_days(30)
    )


def drive(w: DistrictWorld, status: str, *, level: int = 2) -> Any:
    """A demand of area a in `status` (at tier `level` where the status allows), reached through the actions."""
    hub = w.hub
    if status == S.RECEIVED:
        return receive(w)
    if status == S.SCREENED:
        return actions.do_screen(receive(w), w.officer_a, in_scope=True)
    if status == S.OUT_OF_SCOPE:
        return actions.do_screen(
            receive(w), w.officer_a, in_scope=False, exclusion=w.district.exclusions.get(code="petition")
        )
    if status == S.MERGED:
        original = receive(w)
        return actions.do_merge(receive(w), hub, original=original)
    if status == S.WITHDRAWN:
        return actions.do_withdraw(receive(w), w.officer_a, reason="企业自行解决")
    if status == S.ANSWERED:
        level = 1
    if status == S.TRANSFERRED:
        level = 4
    simple = status == S.ANSWERED
    demand = triaged(w, level=level, complexity="simple" if simple else "complex")
    if status == S.TRIAGED:
        return demand
    if status == S.ANSWERED:
        return actions.do_answer(demand, w.officer_a, answer="材料清单见附件，可网上办理。")
    if status == S.DISPATCHED:
        return actions.do_dispatch(demand, hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])
    if status == S.RETURNED:
        actions.do_dispatch(demand, hub, lead_department=w.dep("scjgj"))
        return actions.do_return(demand, w.coord_lead, reason="不属于本部门职责")
    if status == S.ESCALATED:
        return actions.do_escalate(demand, hub, reason="not_solvable")
    if status == S.TRANSFERRED:
        return actions.do_transfer(demand, hub, city_channel="jinchanfa", city_reference="JCF-2026-0001")
    demand = with_departments(w, level, demand)
    if status == S.IN_PROGRESS:
        return demand
    actions.do_plan(
        demand, w.coord_lead if level >= 2 else w.officer_a, plan="三个工作日内上门指导", eta=in_days(20)
    )
    if status == S.PLANNED:
        return demand
    actions.do_inform(demand, w.officer_a)
    if status == S.INFORMED:
        return demand
    if level >= 2:
        actions.do_report_part(demand, w.coord_co, part="税务部分已办结")
    actions.do_resolve(demand, w.coord_lead if level >= 2 else w.officer_a, result="已办结")
    if status == S.RESOLVED:
        return demand
    actions.do_evaluate(demand, w.ent_user_a, solved="partly", satisfied="basically")
    if status == S.EVALUATED:
        return demand
    if status == S.CLOSED:
        return actions.do_close(demand, w.officer_a)
    raise AssertionError(f"cannot drive a demand to {status}")


# The demo's stories over both districts: every (status, tier) pair the demo covers, and as many again.
DEMO_PER_DISTRICT = 120


def demo_districts() -> list[District]:
    """Both presets with demo people, 60 enterprises and the demo demands (seed 11) of each, as `init --demo`:
    a city-wide deployment, whose city desk takes the districts' transfers to the city."""
    from demandloop.demands.demo import COVERAGE, create_demo_demands
    from demandloop.demands.models import Demand
    from demandloop.org.demo import create_demo_city_desk, create_demo_enterprises, create_demo_people
    from demandloop.sla.sweep import rebuild_watches

    create_demo_city_desk()
    districts = []
    for code in ("jinghai", "nankai"):
        district = load_preset(code).district
        create_demo_people(district)
        create_demo_enterprises(district, 60)
        per_district = len(COVERAGE) + DEMO_PER_DISTRICT
        assert create_demo_demands(district, per_district, seed=11) == per_district
        # The sweep's watches, as `init --demo` gives them (its catch-up of the past's steps is left to the tests
        # of it and to the any-hour test, which checks the coverage of every status and tier survives it).
        rebuild_watches(Demand.objects.filter(district=district))
        districts.append(district)
    return districts

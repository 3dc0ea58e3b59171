"""The people and demands the page tests walk through: two districts, two areas each, one person per role.

静海 (J) and 南开 (N) each have areas 1 and 2, an officer for each area, a coordinator and a department lead of the
market-regulation bureau (scjgj), a leader responsible for area 1, the hub, the dispatcher and an enterprise
account of area 1. Each area holds one enterprise with one demand dispatched to scjgj at tier 2, so every role
reaches some demands and not others. Titles carry a marker ("标记-J1") that a leak would show on a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from demandloop.org.choices import RoleChoices as R

# Tier 2 of both presets is worked by departments: a dispatched demand shows in the coordinator's inbox.
DEPARTMENT_CODE = "scjgj"


@dataclass
class District:
    district: Any
    areas: list[Any]
    department: Any
    enterprises: list[Any] = field(default_factory=list)
    demands: list[Any] = field(default_factory=list)
    people: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    districts: dict[str, District]

    def person(self, key: str) -> Any:
        """`person("J:officer1")` — the officer of 静海 area 1."""
        code, name = key.split(":")
        return self.districts[code].people[name]

    @property
    def people(self) -> dict[str, Any]:
        return {
            f"{code}:{name}": user for code, d in self.districts.items() for name, user in d.people.items()
        }

    def demand(self, key: str) -> Any:
        """`demand("J1")` — the demand of 静海 area 1."""
        return self.districts[key[0]].demands[int(key[1]) - 1]


def uscc_for(district_code: str, n: int) -> str:
    from stdnum.cn import uscc

    division = "120223" if district_code == "jinghai" else "120104"
    body = f"91{division}MA0{district_code[0].upper()}{n:05d}"[:17].replace("I", "1").replace("O", "0")
    return body + uscc.calc_check_digit(body)


def build_world(make_user: Any) -> World:
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices, ComplexityChoices
    from demandloop.enterprises.models import Enterprise
    from demandloop.org.models import Area, Department, Domain, LeaderPost, Tier
    from demandloop.org.presets import load_preset

    districts: dict[str, District] = {}
    for code, preset in (("J", "jinghai"), ("N", "nankai")):
        district = load_preset(preset).district
        areas = list(Area.objects.filter(district=district).order_by("order")[:2])
        department = Department.objects.get(district=district, code=DEPARTMENT_CODE)
        d = District(district=district, areas=areas, department=department)
        post = LeaderPost.objects.create(district=district, code=f"test-{code}", title="测试领导岗")
        post.areas.set([areas[0]])
        p = d.people
        p["officer1"] = make_user(
            f"{code}-officer1", R.OFFICER, district, areas=[areas[0]], full_name=f"{code}官一"
        )
        p["officer2"] = make_user(
            f"{code}-officer2", R.OFFICER, district, areas=[areas[1]], full_name=f"{code}官二"
        )
        p["coordinator"] = make_user(f"{code}-coord", R.COORDINATOR, district, department=department)
        p["dept_lead"] = make_user(f"{code}-lead", R.DEPT_LEAD, district, department=department)
        p["leader"] = make_user(f"{code}-leader", R.LEADER, district, leader_post=post)
        p["hub"] = make_user(f"{code}-hub", R.HUB, district)
        p["dispatcher"] = make_user(f"{code}-dispatcher", R.DISPATCHER, district)
        for n, area in enumerate(areas, start=1):
            d.enterprises.append(
                Enterprise.objects.create(
                    district=district,
                    uscc=uscc_for(preset, n),
                    name=f"企业{code}{n}有限公司",
                    area=area,
                    locality=area.locality,
                )
            )
        p["enterprise"] = make_user(f"{code}-ent", R.ENTERPRISE, district, enterprise=d.enterprises[0])
        domain = Domain.objects.filter(district=district).order_by("order").first()
        tier2 = Tier.objects.get(district=district, level=2)
        for n, enterprise in enumerate(d.enterprises, start=1):
            demand = actions.do_receive(
                p["hub"],
                enterprise=enterprise,
                channel=ChannelChoices.SOLICITATION,
                title=f"诉求标记-{code}{n}",
                content=f"内容标记-{code}{n}：需要协调办理。",
                contact_name="王小明",
                contact_phone="13812345678",
            )
            actions.do_screen(demand, p["hub"], in_scope=True)
            actions.do_triage(
                demand,
                p["hub"],
                domain=domain,
                complexity=ComplexityChoices.COMPLEX,
                tier=tier2,
                lead_department=department,
            )
            actions.do_dispatch(demand, p["hub"], lead_department=department)
            d.demands.append(demand)
        districts[code] = d
    return World(districts)


@pytest.fixture
def world(db: Any, make_user: Any) -> World:
    return build_world(make_user)


@pytest.fixture(autouse=True)
def fresh_figures() -> Iterator[None]:
    """The figures are cached per reach; ids repeat between tests, so every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Visit:
    """An officer of 静海's area a01 and an enterprise of the area, as the officer meets it on a visit."""

    officer: Any
    enterprise: Any

    def screened(self, title: str, content: str) -> Any:
        """A demand the officer registers from the visit and screens as in scope."""
        from demandloop.demands import actions

        demand = actions.do_receive(
            self.officer,
            enterprise=self.enterprise,
            channel="officer",
            source="visit",
            area=self.enterprise.area,
            title=title,
            content=content,
        )
        return actions.do_screen(demand, self.officer, in_scope=True)


@pytest.fixture
def officer_visit(jinghai: Any, make_user: Any) -> Visit:
    import random

    from demandloop.enterprises.models import Enterprise
    from demandloop.org.demo import make_uscc
    from demandloop.org.models import Area

    area = Area.objects.get(district=jinghai, code="a01")
    enterprise = Enterprise.objects.create(
        district=jinghai,
        uscc=make_uscc(random.Random(7), jinghai, "company"),
        name="天津华泰机械制造有限公司",
        locality=area.locality,
        area=area,
    )
    return Visit(make_user("wang", "officer", jinghai, areas=[area]), enterprise)

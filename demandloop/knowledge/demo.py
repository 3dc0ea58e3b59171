"""Demo typical cases: the best-handled demo demands of a district written up, reviewed and the year's top ten
published, so a fresh `make demo` shows the quality module at work (DESIGN.md §6 Quality).

`create_demo_cases(district)` runs after the demo demands exist. It picks demands the enterprise rated solved and
satisfied — complex ones first, one of each tier where there is one — and lets the right person nominate each
(the officer of the area, the lead department's coordinator for a dispatched matter, else the hub) from the draft
the platform writes, with a lesson of its tier. The hub accepts most, returns two with a reason and leaves two
waiting; then chooses up to ten of the latest year's accepted cases and publishes them. Every step goes through
`demandloop.knowledge.actions`. Same data, same cases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.choices import SatisfiedChoices, SolvedChoices
from demandloop.demands.models import Demand
from demandloop.knowledge import actions
from demandloop.knowledge.cases import SELECTION_SIZE, case_draft, nominating_role
from demandloop.knowledge.choices import CaseStatusChoices
from demandloop.knowledge.models import TypicalCase
from demandloop.org.choices import RoleChoices
from demandloop.org.demo import office_moment, office_until
from demandloop.org.models import District, Membership

CASES = 16
RETURNED = 2
WAITING = 2
# What others can learn, by the tier the matter was settled at (静海 §三: 四级递进; 南开 §三: 四个渠道).
LESSONS = {
    1: "一般问题属地即时办理：服务人员熟悉政策、一次告知到位，企业当天得到答复，不用多头跑。",
    2: "片区统筹、部门联办：服务人员及时吹哨，相关部门按时报到、明确牵头，难题在部门层面协调解决。",
    3: "提级会商、一事一议：联席会议明确牵头部门和完成时限，跟踪督办到底，复杂问题限时办结。",
    4: "市区联动、接力办理：区级无法解决的事项及时提级，全程跟踪反馈，企业诉求不落空。",
}
RETURN_REASONS = (
    "请补充具体成效数据（如节省时间、减少成本），并写明可推广的做法。",
    "背景部分请写清企业遇到的困难及其影响，做法部分请说明各部门的分工。",
)


def _author(demand: Demand, hub: Any) -> Any:
    """Who writes the case up: the officer of the area, else the lead department's coordinator, else the hub."""
    candidates = []
    if demand.area_id:
        candidates += list(
            Membership.objects.filter(
                district_id=demand.district_id,
                role=RoleChoices.OFFICER,
                areas=demand.area_id,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("pk")[:1]
        )
    if demand.lead_department_id and (demand.tier_level or 0) >= 2:
        candidates = (
            list(
                Membership.objects.filter(
                    district_id=demand.district_id,
                    role=RoleChoices.COORDINATOR,
                    department_id=demand.lead_department_id,
                    user__is_active=True,
                )
                .select_related("user")
                .order_by("pk")[:1]
            )
            + candidates
        )
    for membership in candidates:
        if nominating_role(membership.user, demand) is not None:
            return membership.user
    return hub


def _chosen_demands(district: District) -> list[Demand]:
    """Up to CASES well-rated finished demands: the highest tier first, then the latest resolved."""
    rated = (
        Demand.objects.filter(
            district=district,
            status__in=[S.EVALUATED, S.CLOSED],
            evaluation_solved=SolvedChoices.SOLVED,
            evaluation_satisfied=SatisfiedChoices.SATISFIED,
            resolved_at__isnull=False,
            typical_case__isnull=True,
        )
        .select_related("enterprise", "tier", "domain", "lead_department", "area")
        .order_by("-tier__level", "-resolved_at", "pk")
    )
    demands = list(rated[: CASES * 3])
    # One of each tier first (a varied library), then the rest in order. Each tier asked for on its own: the
    # higher tiers alone can fill the first rows.
    first: dict[int, Demand] = {}
    for level in (4, 3, 2, 1):
        demand = (
            next((d for d in demands if d.tier_level == level), None)
            or rated.filter(tier__level=level).first()
        )
        if demand is not None:
            first[level] = demand
    rest = [d for d in demands if d not in first.values()]
    return (list(first.values()) + rest)[:CASES]


def create_demo_cases(district: District) -> int:
    """Write up, review and select the district's demo cases; returns how many cases were created."""
    hub = (
        Membership.objects.filter(district=district, role=RoleChoices.HUB, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if hub is None:
        return 0
    now = timezone.now()
    created: list[TypicalCase] = []
    for number, demand in enumerate(_chosen_demands(district)):
        draft = case_draft(demand)
        level = demand.tier_level or 1
        resolved = demand.resolved_at or now
        at = min(office_moment(resolved + timedelta(days=2)), office_until(now))
        case = actions.do_nominate_case(
            demand,
            _author(demand, hub.user),
            title=draft["title"],
            background=draft["background"],
            approach=draft["approach"] or "服务人员当场答复企业。",
            outcome=draft["outcome"] or "企业诉求得到解决。",
            lessons=LESSONS.get(level, LESSONS[1]),
            tags=draft["tags"],
            anonymous=number % 3 == 2,
            at=at,
            is_demo=True,
        )
        created.append(case)
    for number, case in enumerate(created):
        at = min(office_moment(case.created_at + timedelta(days=3)), office_until(now))
        if number >= len(created) - WAITING:
            continue
        if number >= len(created) - WAITING - RETURNED:
            actions.do_return_case(case, hub.user, reason=RETURN_REASONS[number % len(RETURN_REASONS)], at=at)
            continue
        actions.do_accept_case(case, hub.user, note="内容完整，同意入库。", at=at)
    accepted = [case for case in created if case.status == CaseStatusChoices.ACCEPTED]
    if accepted:
        year = max(case.year for case in accepted)
        of_year = [case for case in accepted if case.year == year][:SELECTION_SIZE]
        # In the hub's last office hours, after the last review.
        at = office_until(now)
        selection = actions.do_set_selection(district, hub.user, year=year, cases=of_year, at=at)
        actions.do_publish_selection(selection, hub.user, at=at)
    return len(created)

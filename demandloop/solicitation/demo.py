"""Demo campaigns for `demandloop init --demo N`: what a district's 定期征询 looks like after a few months.

Per district, through the actions (so every notification, audit row and demand event is the real one):

* last month's campaign, closed: six localities and three departments asked, every reply in (one late, two
  "no problems"), accepted, its demands screened and triaged by the hub and handled by their tiers to their
  close;
* this month's campaign, launched eight days ago with five working days to reply, so its deadline has passed:
  every locality and functional department asked; the least busy three fifths replied (on time, some late, some
  "no problems", one in four waiting for the hub to accept it, the last only a draft; half the accepted ones
  triaged and taken up by their tiers, planned and the enterprise informed), the rest are the non-responders —
  among them the units of the demo logins `init` prints (the busiest), so their workbench and inbox show the
  campaign waiting;
* next quarter's campaign, a draft.

Everything is marked `is_demo` where the model has the flag; the people and enterprises are the demo ones.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import ComplexityChoices
from demandloop.demands.demo import (
    Cast,
    Matter,
    busiest_logins,
    cast_of,
    demo_loads,
    raises,
    take_up_demo_demand,
)
from demandloop.enterprises.models import Enterprise
from demandloop.org.demo import office_moment, office_until
from demandloop.org.models import District, User
from demandloop.solicitation import actions
from demandloop.solicitation.actions import CampaignInput, ProblemInput
from demandloop.solicitation.models import Campaign, CampaignTarget
from demandloop.solicitation.queries import target_people

S, C = ComplexityChoices.SIMPLE, ComplexityChoices.COMPLEX
# What towns, streets, parks and departments report, in their words.
PROBLEMS: tuple[tuple[str, str], ...] = (
    ("企业反映近期招工难，缺少熟练焊工和电工，希望协助对接职业技能培训和专场招聘会。", C),
    ("企业扩大生产需要流动资金约500万元，希望协调银行提供低息贷款或续贷支持。", C),
    ("企业新建厂房用地手续办理进度慢，希望协调加快用地审批和规划许可。", C),
    ("厂区门前道路破损严重，大型货车通行困难，影响原料运输。", S),
    ("企业咨询研发费用加计扣除政策的申报条件、时间和所需材料。", S),
    ("企业反映用电报装周期长，新增变压器至今未接入，影响新生产线投产。", C),
    ("企业希望了解高新技术企业认定的申报时间和流程。", S),
    ("企业门前污水管网堵塞，雨天积水严重，希望协调疏通。", S),
    ("企业出口产品遇到国外技术性贸易壁垒，希望商务部门提供应对指导。", C),
    ("企业反映消防验收整改意见不明确，希望相关部门上门指导。", S),
    ("企业希望协调解决员工子女入学问题，以稳定技术骨干队伍。", C),
    ("企业咨询稳岗补贴的申领条件和办理渠道。", S),
)
GENERAL: tuple[tuple[str, str], ...] = (
    ("辖区多家企业反映公交线路未覆盖园区，员工上下班通勤不便。", C),
    ("辖区小微企业普遍反映融资担保门槛高、手续繁琐。", C),
)
INSTRUCTIONS = "请各乡镇街道园区、各相关部门梳理辖区（行业）企业近期反映的用工、融资、用地、水电气、物流等方面问题，逐条列明企业名称和问题情况，并初步判断为一般问题或复杂问题；本期无问题的请明确答复“本期无问题”。"


def _enterprises_of(target: CampaignTarget, rng: random.Random) -> list[Enterprise]:
    qs = Enterprise.objects.filter(district_id=target.campaign.district_id, status="active")
    if target.locality_id:
        qs = qs.filter(area__locality_id=target.locality_id)
    found = list(qs.select_related("area").order_by("pk")[:40])
    rng.shuffle(found)
    return found


def _problems(target: CampaignTarget, rng: random.Random, n: int, general: bool) -> list[ProblemInput]:
    enterprises = _enterprises_of(target, rng)
    chosen = rng.sample(PROBLEMS, k=min(n, len(PROBLEMS)))
    problems = []
    for i, (text, view) in enumerate(chosen):
        # An enterprise of the unit that would raise it (a factory's problem is not a barber's).
        fitting = [e for e in enterprises if raises(e, Matter("", "", text))]
        if fitting:
            problems.append(ProblemInput(content=text, complexity=view, enterprise=fitting[i % len(fitting)]))
    if general or not problems:
        text, view = rng.choice(GENERAL)
        problems.append(ProblemInput(content=text, complexity=view))
    return problems


def _replier(target: CampaignTarget) -> User | None:
    people = target_people(target)
    return people[0] if people else None


def _reply(
    target: CampaignTarget, rng: random.Random, at: datetime, *, none: bool = False, submit: bool = True
) -> Any:
    replier = _replier(target)
    if replier is None:
        return None
    if not none:
        actions.do_add_problems(
            target, replier, _problems(target, rng, rng.randint(1, 3), rng.random() < 0.3), at=at
        )
    if submit:
        return actions.do_submit_reply(target, replier, no_problems=none, at=at)
    return None


def _take_up(
    district: District, cast: Cast, demands: list[Any], rng: random.Random, at: datetime, *, finish: bool
) -> None:
    """The hub screens and triages the demands a reply became (simple ones at tier 1, complex ones at tier 2 or
    3), then their tiers take them up (`take_up_demo_demand`): to their close when `finish`, else to a plan."""
    domains = list(district.domains.order_by("order"))
    for demand in demands:
        demand_actions.do_screen(demand, cast.hub, in_scope=True, at=at)
        problem = demand.solicitation_problem
        level = 1 if problem.complexity == S else rng.choice([2, 2, 3])
        demand_actions.do_triage(
            demand,
            cast.hub,
            domain=rng.choice(domains),
            complexity=problem.complexity,
            tier=cast.tiers[level],
            at=at,
        )
        take_up_demo_demand(demand, cast, rng, at, finish=finish)


def _by_load(units: list[Any], load: dict[str, int]) -> list[Any]:
    """The units least busy first: they reply first, and the busiest, whose logins `init` prints, are left to
    reply (`_asks_printed` keeps the printed ones' units from replying at all)."""
    from demandloop.org.models import Locality

    def busiest(unit: Any) -> int:
        kind = "locality" if isinstance(unit, Locality) else "department"
        people = target_people(CampaignTarget(kind=kind, **{kind: unit}))
        return max((load.get(u.username, 0) for u in people), default=0)

    return sorted(units, key=busiest)


def _asks_printed(target: CampaignTarget, printed: set[str]) -> bool:
    """Whether the unit is one of the people whose logins `init` prints (`busiest_logins`, which ranks by the
    stories' demands and not the campaigns', so what a campaign adds cannot change who is printed)."""
    return any(user.username in printed for user in target_people(target))


def create_demo_campaigns(district: District, *, seed: int = 2026) -> int:
    """The district's three demo campaigns; returns how many were made (none when it has them already)."""
    if Campaign.objects.filter(district=district, is_demo=True).exists():
        return 0
    rng = random.Random(f"{seed}-{district.code}-solicitation")
    hub = User.objects.get(username=f"{district.code}-hub")
    cast = cast_of(district)
    now = timezone.now()

    # Last quarter's, closed.
    # The hub and the units work in office hours (one clock without spread: the steps keep their order).
    start = office_moment(now - timedelta(days=45))
    localities = actions.all_localities(district)
    departments = actions.all_departments(district)
    loads = demo_loads(district)
    load = {entry.username: entry.open for entry in loads}
    # Their pages show the current campaign waiting: their units do not reply.
    printed = set(busiest_logins(district, loads).values())
    quiet_localities = _by_load(localities, load)
    quiet_departments = _by_load(departments, load)
    old = actions.do_create_campaign(
        district,
        hub,
        CampaignInput(
            title=f"{start.year}年{start.month}月企业问题定期征询",
            instructions=INSTRUCTIONS,
            localities=quiet_localities[:6],
            departments=quiet_departments[:3],
            reply_days=5,
        ),
        at=start,
        is_demo=True,
    )
    actions.do_launch_campaign(old, hub, at=start)
    for i, target in enumerate(old.targets.select_related("locality", "department").order_by("order")):
        late = i == 2
        when = office_moment(
            old.reply_due + timedelta(days=1) if late else start + timedelta(days=2, hours=i)
        )
        reply = _reply(target, rng, when, none=i in (4, 7))
        if reply is not None:
            demands = actions.do_accept_reply(reply, hub, at=office_moment(when + timedelta(hours=3)))
            _take_up(district, cast, demands, rng, office_moment(when + timedelta(hours=5)), finish=True)
    actions.do_close_campaign(old, hub, at=office_moment(start + timedelta(days=15)))

    # This month's, launched, its deadline passed.
    # (After a long holiday the first office hours after "eight days ago" may be today's: three days at least.)
    launched = min(office_moment(now - timedelta(days=8)), office_until(now - timedelta(days=3)))
    current = actions.do_create_campaign(
        district,
        hub,
        CampaignInput(
            title=f"{launched.year}年{launched.month}月企业用工融资用地问题征询",
            instructions=INSTRUCTIONS,
            localities=localities,
            departments=departments,
            reply_days=5,
        ),
        at=launched,
        is_demo=True,
    )
    actions.do_launch_campaign(current, hub, at=launched)
    targets = {t.unit: t for t in current.targets.select_related("locality", "department")}
    quiet = [targets[u] for u in quiet_localities[: len(localities) * 3 // 5]]
    quiet += [targets[u] for u in quiet_departments[: len(departments) * 3 // 5]]
    answering = sorted((t for t in quiet if not _asks_printed(t, printed)), key=lambda t: t.order)
    for i, target in enumerate(answering):
        late = i % 7 == 3
        assert current.reply_due is not None  # launched
        after_due = office_moment(current.reply_due + timedelta(hours=10))
        when = after_due if late else office_moment(launched + timedelta(days=1, hours=i % 20))
        when = min(when, office_until(now - timedelta(hours=1)))
        if i == len(answering) - 1:
            _reply(target, rng, when, submit=False)  # a draft only
            continue
        reply = _reply(target, rng, when, none=i % 5 == 4)
        accepted = office_moment(when + timedelta(hours=2))
        # One in four waits for the hub, and so does a reply the hub has had no office hours for yet.
        if reply is not None and i % 4 != 1 and accepted <= office_until(now - timedelta(minutes=30)):
            demands = actions.do_accept_reply(reply, hub, at=accepted)
            if i % 2 == 0:
                triaged = max(accepted, min(office_moment(when + timedelta(hours=4)), office_until(now)))
                _take_up(district, cast, demands, rng, triaged, finish=False)
    actions.do_remind(
        current, hub, at=min(office_moment(current.reply_due + timedelta(hours=12)), office_until(now))
    )

    # Next quarter's, a draft.
    actions.do_create_campaign(
        district,
        hub,
        CampaignInput(
            title="下季度企业问题定期征询（草稿）",
            instructions=INSTRUCTIONS,
            localities=localities,
            departments=departments,
            reply_days=7,
        ),
        at=office_until(now),
        is_demo=True,
    )
    return 3

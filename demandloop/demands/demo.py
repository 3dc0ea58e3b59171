"""Demo demands: every status at every tier, each reached through the real actions (DESIGN.md §6, issue 3 item 7).

`create_demo_demands(district, n, seed)` runs after the district's demo people and enterprises exist
(`demandloop.org.demo`). It drives each demand along a plausible path — intake by the right channel, screening,
triage, dispatch, acceptance, plan, escalation, decision, transfer, reports of co-departments, resolution,
evaluation, reopening, extensions, closure — stopping at a target status and tier, with a clock that moves from a
receipt date in the past six months. The actions run inside `actions.demand_batch()`: the same rules, events,
deadlines and audit rows as any other caller, written in bulk at the end.

The first demands cover every (status, tier) pair; the rest follow realistic weights. Same seed, same data.
What each demand says comes from the preset's routing corpus (training rows only), and a dispatched one goes to
the department the corpus names, so the router's suggestions, the inboxes and the common problems read true.

Whistles and meetings belong to the stories too (`demandloop.meetings.demo`): a share of the stories at tier 2
summon departments (吹哨) once the lead department has accepted, and the tier-3 stories still being handled wait,
escalated, for the hub's joint meeting that decides them. Both need saved demands, so the stories note them and
`play_demo_meetings` plays them once the batch is written, at each story's own moments; the paused stories then
go on from their meeting's decision with the real actions, one by one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from demandloop.demands import actions
from demandloop.demands.choices import ChannelChoices, CityStageChoices, DirectSourceChoices
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.flow import OPEN_STATUSES, TERMINAL_STATUSES
from demandloop.enterprises.models import Enterprise
from demandloop.meetings.demo import DemoMeetingPlan, WaitingDecision, WhistleCall, play_demo_meetings
from demandloop.meetings.recipients import city_desk
from demandloop.org.choices import DepartmentKindChoices, RoleChoices
from demandloop.org.demo import OFFICE_OPENS, office_moment, office_until
from demandloop.org.models import Department, District, Membership
from demandloop.sla.services import get_calendar

# Statuses reached before triage have no tier; the others are paired with every tier that can hold them.
PRE_TRIAGE = (S.RECEIVED, S.SCREENED, S.OUT_OF_SCOPE, S.MERGED, S.WITHDRAWN)
BY_TIER: dict[int, tuple[str, ...]] = {
    1: (S.TRIAGED, S.IN_PROGRESS, S.PLANNED, S.INFORMED, S.ANSWERED, S.RESOLVED, S.EVALUATED, S.CLOSED),
    2: (
        S.TRIAGED,
        S.DISPATCHED,
        S.RETURNED,
        S.IN_PROGRESS,
        S.PLANNED,
        S.INFORMED,
        S.RESOLVED,
        S.EVALUATED,
        S.CLOSED,
    ),
    3: (S.ESCALATED, S.IN_PROGRESS, S.PLANNED, S.INFORMED, S.RESOLVED, S.EVALUATED, S.CLOSED),
    4: (S.TRIAGED, S.ESCALATED, S.TRANSFERRED, S.RESOLVED, S.EVALUATED, S.CLOSED),
}
COVERAGE: list[tuple[str, int | None]] = [(status, None) for status in PRE_TRIAGE] + [
    (status, level) for level, statuses in BY_TIER.items() for status in statuses
]
# After the coverage round: mostly finished matters, a live queue of open ones.
TARGET_WEIGHTS: list[tuple[str, float]] = [
    (S.CLOSED, 36),
    (S.EVALUATED, 8),
    (S.RESOLVED, 6),
    (S.ANSWERED, 6),
    (S.INFORMED, 5),
    (S.PLANNED, 5),
    (S.IN_PROGRESS, 6),
    (S.DISPATCHED, 4),
    (S.TRIAGED, 3),
    (S.ESCALATED, 3),
    (S.TRANSFERRED, 2),
    (S.RETURNED, 1),
    (S.SCREENED, 1),
    (S.RECEIVED, 3),
    (S.OUT_OF_SCOPE, 5),
    (S.MERGED, 2),
    (S.WITHDRAWN, 2),
]
TIER_WEIGHTS = [(1, 35), (2, 42), (3, 15), (4, 8)]
# Tier-3 stories the hub's joint meeting decides (the older, finished ones were decided on the demand's page):
# they start far enough back (up to three weeks) for a weekly meeting to fall between escalation and now.
MEETING_DECIDED = (S.IN_PROGRESS, S.PLANNED, S.INFORMED)
# One story of the coverage round starts near the beginning of the demo's half year, whatever the random draws:
# a tier-3 matter the joint meeting decided months ago and that has long been closed, so the meetings and the
# figures always reach back over the whole demo.
OLDEST_STORY = (S.CLOSED, 3)
OLDEST_STORY_DAYS = (160.0, 180.0)
# The open stories of the coverage round begin this many working days before the last office day (by the tier
# they stop at), so that the clock each stops on still runs when the demo is made: `init`'s catch-up and the
# first sweeps remind and supervise them but leave them at their status and tier. A tier answers within 1, 3 and 7
# working days and is escalated a working day after (the presets); a tier-3 story passes tier 2 on its way.
FRESH_WORKING_DAYS: dict[int | None, int] = {None: 1, 1: 1, 2: 2, 3: 5, 4: 5}
# Channels that take a matter in at any hour; the others are registered by an officer or the hub at work.
ROUND_THE_CLOCK = (ChannelChoices.HOTLINE, ChannelChoices.ONLINE)
# Share of the stories at tier 2 whose officer blows the whistle once the lead has accepted: most of those that
# go on to the joint meeting (片区统筹后仍无法解决的问题), fewer of those settled at tier 2.
WHISTLE_SHARE = {2: 0.3, 3: 0.6, 4: 0.5}

TOPICS = [
    (
        "market",
        "食品经营许可证办理咨询",
        "企业拟开设员工食堂，咨询食品经营许可的申请材料、办理时限和现场核查要求。",
    ),
    ("market", "经营范围变更登记", "企业新增业务需要变更经营范围，咨询是否可以全程网办以及所需材料。"),
    ("economic", "专精特新企业认定申报", "企业希望申报专精特新中小企业，咨询申报条件、时间节点和奖励政策。"),
    ("economic", "稳岗返还资金到账时间", "企业去年已申请稳岗返还，至今未到账，希望了解办理进度。"),
    ("economic", "技改项目补贴兑现", "企业完成生产线技术改造，咨询区级技改补贴的兑现流程。"),
    ("social", "员工子女入学协调", "企业引进的技术骨干子女需在本区入学，希望协调学位。"),
    ("social", "厂区周边道路照明", "厂区门前道路夜间无照明，员工下班通行存在安全隐患，希望增设路灯。"),
    ("public", "厂区用电增容", "企业扩大产能需要用电增容，报装后进展缓慢，希望协调供电部门。"),
    ("public", "厂区自来水压力不足", "企业生产用水水压不足，影响正常生产，希望协调供水部门排查。"),
    ("public", "发票领用额度调整", "企业业务量增长，现有发票领用额度不足，咨询调整办法。"),
    ("ecology", "环评手续办理", "企业新建项目需办理环境影响评价，咨询审批流程和所需时间。"),
    ("ecology", "排污许可证延续", "企业排污许可证即将到期，咨询延续申请的材料和时限。"),
]
EXCLUDED = [
    ("petition", "反映拆迁补偿问题", "企业对多年前的拆迁补偿结果不满，要求重新处理。"),
    ("litigation", "合同纠纷案件执行", "企业与客户的合同纠纷已判决，希望加快法院执行。"),
    ("trade_secret", "竞争对手技术资料", "希望了解竞争对手的工艺参数。"),
]
SOURCES = list(DirectSourceChoices.values)
# A demo demand's title is made of the text's first clauses, as an officer would shorten it: a clause ends at a
# comma or a full stop (not at a colon: "企业反映：…" stays one clause). A first clause shorter than
# `TITLE_FULL_CHARS` ("我们是一般纳税人") or one ending in 后 ("消防验收申请提交后") only sets the scene: the next is
# joined to it.
_CLAUSE_END = re.compile(r"[，。？！；,.?!;]")
TITLE_FULL_CHARS = 12
TITLE_CHARS = 26


@dataclass(frozen=True)
class Matter:
    """What a demo demand is about. `code` is a domain code, or an exclusion code for an out-of-scope one;
    `department` the department that should lead it ("" = any), `tier` the tier it belongs at (0 = any)."""

    code: str
    title: str
    content: str
    department: str = ""
    tier: int = 0

    @cached_property
    def spheres(self) -> frozenset[str]:
        return spheres_of(self.content)


# Who raises a matter, read from its words: a farm's matter comes from a cooperative (or a food maker), a shop's
# from a shopkeeper (or a catering or trading company), a factory's or a company's from a company. A matter with
# none of these words (a tax question, a licence's progress) may come from anyone.
SPHERE_WORDS = {
    "farm": ("合作社", "农机", "农田", "农产品", "种植", "大棚", "农村电商", "农业"),
    "shop": (
        "个体",
        "餐饮店",
        "门店",
        "小吃",
        "饭店",
        "外摆",
        "美容美发",
        "商户",
        "沿街",
        "便利店",
        "理发",
        "汽修",
        "店铺",
        "摊位",
    ),
    "company": (
        "厂",
        "车间",
        "生产线",
        "环评",
        "排污",
        "用电增容",
        "高新技术",
        "专精特新",
        "上市",
        "研发",
        "科技型",
        "专利",
        "施工许可",
        "危化",
        "危险化学品",
        "特种设备",
        "安全生产许可",
        "工业",
        "制造",
        "仓储",
        "公司",
        "股东",
    ),
}
# The spheres of each kind of enterprise; a company's also by its industry.
KIND_SPHERES = {"company": {"company"}, "individual": {"shop"}, "cooperative": {"farm"}}
INDUSTRY_SPHERES = {"餐饮业": {"shop"}, "批发业": {"shop"}, "食品制造业": {"farm"}}


def spheres_of(text: str) -> frozenset[str]:
    """The spheres whose words the text uses (empty: anyone's matter)."""
    return frozenset(sphere for sphere, words in SPHERE_WORDS.items() if any(w in text for w in words))


def raises(enterprise: Enterprise, matter: Matter) -> bool:
    """Whether `enterprise` is one to raise `matter`: a 农机 cooperative does not ask about its restaurant's
    outdoor tables, nor a barber's shop about the environmental assessment of its new workshop."""
    if not matter.spheres:
        return True
    own = KIND_SPHERES.get(enterprise.kind, set()) | INDUSTRY_SPHERES.get(enterprise.industry, set())
    return bool(own & matter.spheres)


def title_of(text: str) -> str:
    """A title for a demand written as one text: its first clause, or its first two when the first only sets the
    scene, shortened to `TITLE_CHARS`."""
    clauses = [clause.strip() for clause in _CLAUSE_END.split(text) if clause.strip()]
    title = clauses[0] if clauses else text.strip()
    for clause in clauses[1:]:
        short = len(title) < TITLE_FULL_CHARS
        if not (short or title.endswith("后")) or (short and len(title) + 1 + len(clause) > TITLE_CHARS):
            break
        title = f"{title}，{clause}"
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def _matters(district: District) -> tuple[list[Matter], list[Matter]]:
    """The in-scope and out-of-scope matters of the district's demo demands.

    A preset with a routing corpus (`demandloop/routing/corpus/<code>.csv`) lends its training rows: hundreds of
    enterprise demands, each with the department that leads it, its domain and tier, so the demo routes like the
    real thing — the router's suggestions, the department inboxes and the common problems all read right. Only the
    training slice: a retrain over the demo's resolved demands must not see the held-back test slice. A district
    without a corpus gets the twelve generic matters above.
    """
    from demandloop.routing.corpus import has_corpus, load_corpus

    if not has_corpus(district.code):
        return (
            [Matter(code, title, content) for code, title, content in TOPICS],
            [Matter(code, title, content) for code, title, content in EXCLUDED],
        )
    rows = load_corpus(district.code, split="train")
    in_scope = [
        Matter(r.domain, title_of(r.text), r.text, r.department, int(r.tier or 0))
        for r in rows
        if r.department and not r.exclusion
    ]
    excluded = [Matter(r.exclusion, title_of(r.text), r.text) for r in rows if r.exclusion]
    return in_scope, excluded


@dataclass
class Cast:
    """The district's demo people, by what they do."""

    hub: Any
    dispatcher: Any
    officer_by_area: dict[int, Any]
    coordinator_by_department: dict[int, Any]
    account_by_enterprise: dict[int, Any]
    departments: list[Department]
    domains: dict[str, Any]
    exclusions: dict[str, Any]
    tiers: dict[int, Any]
    leader_by_area: dict[int, Any] = field(default_factory=dict)
    # The city desk of a city-wide deployment, which takes the district's transfers; None in a district one.
    city_desk: Any = None
    # How many of the district's matters the story left open at the city desk so far.
    open_at_desk: int = 0
    matters: list[Matter] = field(default_factory=list)
    excluded: list[Matter] = field(default_factory=list)


def _to_city(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: Any,
    done: Any,
    *,
    channels: list[str],
    note: str,
    result: str,
) -> Any:
    """A tier-4 matter goes to the city and comes back answered. In a district deployment the hub records the
    reference the city gave and, later, the city's answer; in a city-wide one the platform's city desk accepts
    it, sends it on to a city department and answers it."""
    channel = rng.choice(channels)
    reference = f"TJ-{demand.district.code}-{rng.randrange(10**6):06d}"
    desk = cast.city_desk
    demand = actions.do_transfer(
        demand,
        cast.hub,
        city_channel=channel,
        city_reference="" if desk else reference,
        note=note,
        at=clock.tick((2, 24)),
    )
    if done():
        # The matters left open at the desk take turns: the first still waits for it, the next is accepted …
        if desk is not None:
            cast.open_at_desk += 1
            if cast.open_at_desk % 2 == 0:
                demand = _desk_accepts(demand, desk, rng, clock)
        return demand
    if desk is None:
        return actions.do_resolve(demand, cast.hub, result=result, at=clock.tick((48, 400)))
    demand = _desk_accepts(demand, desk, rng, clock)
    return actions.do_resolve(demand, desk, result=result, at=clock.tick((48, 400)))


def _desk_accepts(demand: Any, desk: Any, rng: random.Random, clock: Any) -> Any:
    """The city desk accepts a matter and sends it on to a city department."""
    unit = rng.choice(["市发展改革委", "市规划资源局", "市人社局", "市商务局", "市工业和信息化局"])
    return actions.do_city_progress(
        demand,
        desk,
        **actions.city_desk_progress(CityStageChoices.ACCEPTED, unit, "已转市级承办单位办理"),
        at=clock.tick((1, 24)),
    )


def cast_of(district: District) -> Cast:
    memberships = (
        Membership.objects.filter(district=district, is_active=True, user__is_active=True)
        .select_related("user", "leader_post")
        .prefetch_related("areas", "leader_post__areas")
        .order_by("pk")
    )
    hub = dispatcher = None
    officers: dict[int, Any] = {}
    coordinators: dict[int, Any] = {}
    accounts: dict[int, Any] = {}
    leaders: dict[int, Any] = {}
    for m in memberships:
        if m.role == RoleChoices.HUB and hub is None:
            hub = m.user
        elif m.role == RoleChoices.DISPATCHER and dispatcher is None:
            dispatcher = m.user
        elif m.role == RoleChoices.OFFICER:
            for area in m.areas.all():
                officers.setdefault(area.pk, m.user)
        elif m.role == RoleChoices.COORDINATOR and m.department_id:
            coordinators.setdefault(m.department_id, m.user)
        elif m.role == RoleChoices.ENTERPRISE and m.enterprise_id:
            accounts.setdefault(m.enterprise_id, m.user)
        elif m.role == RoleChoices.LEADER and m.leader_post is not None:
            for area in m.leader_post.areas.all():
                leaders.setdefault(area.pk, m.user)
    if hub is None or dispatcher is None or not officers:
        raise ValueError(f"{district.code}: create the demo people first (demandloop.org.demo)")
    departments = [
        dep
        for dep in Department.objects.filter(district=district, kind=DepartmentKindChoices.REGULAR)
        if dep.pk in coordinators
    ]
    matters, excluded = _matters(district)
    desks = city_desk(district.pk)
    return Cast(
        hub=hub,
        dispatcher=dispatcher,
        city_desk=desks[0] if desks else None,
        officer_by_area=officers,
        coordinator_by_department=coordinators,
        account_by_enterprise=accounts,
        departments=departments,
        domains={d.code: d for d in district.domains.all()},
        exclusions={e.code: e for e in district.exclusions.all()},
        tiers={t.level: t for t in district.tiers.all()},
        leader_by_area=leaders,
        matters=matters,
        excluded=excluded,
    )


class _Clock:
    """The story's time: moves forward by steps that land in office hours, never past the last office moment
    before now (`until`)."""

    def __init__(self, start: datetime, until: datetime, rng: random.Random) -> None:
        self.at = start
        self.until = until
        self.rng = rng

    def tick(self, hours: tuple[float, float] = (1, 30)) -> datetime:
        step = timedelta(hours=self.rng.uniform(*hours))
        # Never past `until`, never backwards: a story running out of time crowds its last steps together.
        self.at = max(self.at, min(self.in_office(self.at + step), self.until))
        return self.at

    def in_office(self, at: datetime) -> datetime:
        """`at` in office hours, else a moment of the next opening's first two hours."""
        return office_moment(at, self.rng)


@dataclass
class _Story:
    """One demand's path: the steps to take, then where to stop."""

    target: str
    level: int | None
    steps: list[Callable[[], Any]] = field(default_factory=list)


def create_demo_demands(district: District, n: int, seed: int = 2026) -> int:
    """Create `n` demo demands in `district` through the actions; returns how many were created."""
    rng = random.Random(f"{seed}-{district.code}-demands")
    cast = cast_of(district)
    enterprises = list(
        Enterprise.objects.filter(district=district, status="active", area__isnull=False)
        .select_related("area")
        .order_by("pk")
    )
    if not enterprises:
        raise ValueError(f"{district.code}: create the demo enterprises first (demandloop.org.demo)")
    for enterprise in enterprises:
        # One District object for all: deadlines read its office closing time.
        enterprise.district = district
    now = timezone.now()
    # The district's people take no step after `until`, the last office moment before now.
    until = office_until(now - timedelta(minutes=1))
    plan = DemoMeetingPlan.for_now(now)
    created: list[Any] = []
    raised: set[tuple[int, str]] = set()
    with actions.demand_batch():
        for i in range(n):
            age = None
            fresh = False
            if i < len(COVERAGE):
                target, level = COVERAGE[i]
                if (target, level) == OLDEST_STORY:
                    age = OLDEST_STORY_DAYS
                fresh = target in OPEN_STATUSES
            else:
                target = _weighted(rng, TARGET_WEIGHTS)
                level = None if target in PRE_TRIAGE else _level_for(rng, target)
            demand = _play(
                district,
                cast,
                rng,
                enterprises,
                created,
                raised,
                target,
                level,
                now,
                until,
                plan,
                age=age,
                fresh=fresh,
            )
            created.append(demand)
            raised.add((demand.enterprise_id, demand.title))
    # The batch is written: whistles and agenda items can point at the demands now.
    play_demo_meetings(district, cast.hub, plan, cast.coordinator_by_department, seed)
    return len(created)


@dataclass(frozen=True)
class DemoLoad:
    """What one demo membership sees of the stories' demands (not those a campaign reply became: the demo
    campaigns, made afterwards, must not change who is printed as the busiest)."""

    role: str
    username: str
    open: int
    seen: int
    membership_pk: int

    @property
    def rank(self) -> tuple[int, int, int]:
        return (self.open, self.seen, -self.membership_pk)


def demo_loads(district: District) -> list[DemoLoad]:
    """The load of every demo membership of the district, in membership order."""
    from demandloop.demands.flow import OPEN_STATUSES
    from demandloop.demands.models import Demand

    memberships = (
        Membership.objects.filter(district=district, user__is_demo=True).select_related("user").order_by("pk")
    )
    loads = []
    for membership in memberships:
        seen = Demand.objects.for_user(membership.user).filter(solicitation_problem__isnull=True)
        loads.append(
            DemoLoad(
                role=membership.role,
                username=membership.user.username,
                open=seen.filter(status__in=OPEN_STATUSES).count(),
                seen=seen.count(),
                membership_pk=membership.pk,
            )
        )
    return loads


def busiest_logins(district: District, loads: list[DemoLoad] | None = None) -> dict[str, str]:
    """One demo login per role of the district: the account whose pages have the most to show.

    Ranked by the open demands of the stories the account may see, then all of them, then the earliest account:
    the coordinator that `demandloop init --demo` prints has an inbox to work and the officer a queue, where the
    first account of each role could show an empty page.
    """
    best: dict[str, DemoLoad] = {}
    for load in loads if loads is not None else demo_loads(district):
        if load.role not in best or load.rank > best[load.role].rank:
            best[load.role] = load
    return {role: load.username for role, load in best.items()}


def _matter_for(cast: Cast, rng: random.Random, excluded: bool, level: int | None) -> Matter:
    """A matter for a story: out of scope under one of the district's own exclusions, or in scope and
    fitting the tier the story reaches (a tier-1 story takes a matter answered where it arises)."""
    if excluded:
        own = [m for m in cast.excluded if m.code in cast.exclusions]
        if own:
            return rng.choice(own)
        code, title, content = next((row for row in EXCLUDED if row[0] in cast.exclusions), EXCLUDED[0])
        return Matter(code, title, content)
    if level is None:
        fitting = cast.matters
    elif level == 1:
        fitting = [m for m in cast.matters if m.tier in (0, 1)]
    else:
        # A dispatched matter goes to a department with a demo coordinator (the hubs' own matters, such as a
        # 12345 order past its deadline for the grid centre, are not dispatched to themselves).
        leading = {dep.code for dep in cast.departments}
        fitting = [m for m in cast.matters if m.tier != 1 and (not m.department or m.department in leading)]
    return rng.choice(fitting or cast.matters)


def _matter_and_enterprise(
    cast: Cast,
    rng: random.Random,
    enterprises: list[Enterprise],
    raised: set[tuple[int, str]],
    excluded: bool,
    level: int | None,
) -> tuple[Matter, Enterprise]:
    """A matter for the story and an enterprise that would raise it, and has not raised it before (`raised`: the
    (enterprise, title) pairs so far; only a duplicate repeats a matter)."""
    for _ in range(10):
        matter = _matter_for(cast, rng, excluded, level)
        fitting = [e for e in enterprises if raises(e, matter) and (e.pk, matter.title) not in raised]
        if fitting:
            return matter, rng.choice(fitting)
    fresh = [e for e in enterprises if (e.pk, matter.title) not in raised]
    return matter, rng.choice(fresh or enterprises)


def _merge_moment(original: Any, until: datetime) -> datetime | None:
    """When the hub merges a duplicate of `original`: an office moment while the original is open (before it was
    closed, within five days of it, before `until`), at least two hours after it came in; None if there is none."""
    end = min(original.closed_at or until, until, original.received_at + timedelta(days=5))
    moment = office_until(end - timedelta(minutes=30))
    return moment if moment >= original.received_at + timedelta(hours=2) else None


def _original_to_repeat(created: list[Any], rng: random.Random, until: datetime) -> Any | None:
    """A recent demand a duplicate can repeat: not itself a duplicate or ended without being taken up, received
    at least a day before `until` and open for a day at least."""
    day = timedelta(days=1)
    originals = [
        d
        for d in created[-200:]
        if d.duplicate_of_id is None
        and d.status not in (S.MERGED, S.OUT_OF_SCOPE, S.WITHDRAWN)
        and d.received_at < until - day
        and (d.closed_at is None or d.closed_at - d.received_at > day)
    ]
    return rng.choice(originals) if originals else None


def _fresh_start(until: datetime, working_days: int, rng: random.Random) -> datetime:
    """A moment of the first three office hours `working_days` working days before the day of `until`."""
    calendar = get_calendar()
    local = timezone.localtime(until)
    day: date = local.date()
    for _ in range(working_days):
        day = calendar.previous_working_day(day)
    opens = datetime.combine(day, OFFICE_OPENS, tzinfo=local.tzinfo)
    return opens + timedelta(hours=rng.uniform(0, 3))


def _weighted(rng: random.Random, weights: list[tuple[Any, float]]) -> Any:
    return rng.choices([value for value, _ in weights], [weight for _, weight in weights])[0]


def _level_for(rng: random.Random, target: str) -> int:
    possible = [(level, weight) for level, weight in TIER_WEIGHTS if target in BY_TIER[level]]
    return int(_weighted(rng, possible))


def _play(
    district: District,
    cast: Cast,
    rng: random.Random,
    enterprises: list[Enterprise],
    created: list[Any],
    raised: set[tuple[int, str]],
    target: str,
    level: int | None,
    now: datetime,
    until: datetime,
    plan: DemoMeetingPlan | None = None,
    *,
    age: tuple[float, float] | None = None,
    fresh: bool = False,
) -> Any:
    # A duplicate repeats an earlier demand of the same enterprise, raised again a few days later (through
    # another channel, or the enterprise asking after it); without such a demand the story withdraws instead.
    original = _original_to_repeat(created, rng, until) if target == S.MERGED else None
    merged_at = _merge_moment(original, until) if original is not None else None
    if merged_at is None:
        original = None
    excluded = target == S.OUT_OF_SCOPE
    if original is not None:
        enterprise = next(e for e in enterprises if e.pk == original.enterprise_id)
        matter = Matter("", original.title, original.content)
    else:
        matter, enterprise = _matter_and_enterprise(cast, rng, enterprises, raised, excluded, level)
    officer = cast.officer_by_area[enterprise.area_id]
    account = cast.account_by_enterprise.get(enterprise.pk)
    open_matter = target not in (
        S.CLOSED,
        S.EVALUATED,
        S.RESOLVED,
        S.ANSWERED,
        S.OUT_OF_SCOPE,
        S.MERGED,
        S.WITHDRAWN,
    )
    if fresh:
        start = _fresh_start(until, FRESH_WORKING_DAYS[level], rng)
    else:
        if age is not None:
            days_ago = rng.uniform(*age)
        elif level == 3 and target in MEETING_DECIDED:
            days_ago = rng.uniform(6, 21)
        else:
            days_ago = rng.uniform(0.5, 12) if open_matter else rng.uniform(8, 180)
        start = now - timedelta(days=days_ago)
    if merged_at is not None:
        # Raised again shortly before the hub merges it, the same office day.
        local = timezone.localtime(merged_at)
        opens = datetime.combine(local.date(), OFFICE_OPENS, tzinfo=local.tzinfo)
        start = max(merged_at - timedelta(hours=rng.uniform(0.3, 1.5)), opens)
    clock = _Clock(start, until, rng)
    if target != S.RECEIVED and merged_at is None:
        # A story that goes on after the receipt starts while the district's people can still take its steps;
        # only a matter nobody has touched yet may have come in since the offices last closed.
        clock.at = min(clock.at, clock.until - timedelta(hours=rng.uniform(0.5, 4)))

    channel = _weighted(
        rng,
        [
            (ChannelChoices.OFFICER, 50),
            (ChannelChoices.HOTLINE, 25),
            (ChannelChoices.SOLICITATION, 10),
            (ChannelChoices.CITY, 4),
            (ChannelChoices.ONLINE, 11 if account else 0),
        ],
    )
    registrar = {
        ChannelChoices.OFFICER: officer,
        ChannelChoices.SOLICITATION: officer,
        ChannelChoices.HOTLINE: cast.dispatcher,
        ChannelChoices.CITY: cast.hub,
        ChannelChoices.ONLINE: account,
    }[channel]
    if channel not in ROUND_THE_CLOCK and merged_at is None:
        clock.at = min(clock.in_office(clock.at), clock.until)
    # Whoever took a 12345 order screens and routes it; the area's officer everything else.
    intake = cast.dispatcher if channel == ChannelChoices.HOTLINE else officer
    domain_code, title, content = matter.code, matter.title, matter.content
    demand = actions.do_receive(
        registrar,
        enterprise=enterprise,
        channel=channel,
        source=rng.choice(SOURCES) if channel == ChannelChoices.OFFICER else "",
        title=title,
        content=content,
        contact_name=enterprise.legal_representative or "联系人",
        contact_phone=f"13{rng.randrange(10**9):09d}",
        hotline_number=f"12345-{district.code}-{len(created) + 1:06d}"
        if channel == ChannelChoices.HOTLINE
        else "",
        city_reference=f"JCF-IN-{len(created) + 1:06d}" if channel == ChannelChoices.CITY else "",
        received_at=clock.at,
        at=clock.at,
        is_demo=True,
    )

    def done() -> bool:
        if demand.status != target:
            return False
        return level is None or (demand.tier is not None and demand.tier.level == level)

    if target == S.RECEIVED:
        return demand
    if target == S.MERGED:
        if original is not None and merged_at is not None:
            return actions.do_merge(
                demand, cast.hub, original=original, note="企业重复反映同一事项", at=merged_at
            )
        target = S.WITHDRAWN
    if target == S.WITHDRAWN:
        return actions.do_withdraw(
            demand, account or officer, reason="企业表示问题已自行解决", at=clock.tick()
        )
    if excluded:
        return actions.do_screen(
            demand,
            intake,
            in_scope=False,
            exclusion=cast.exclusions[domain_code],
            note="不属于服务范围，已告知企业相应渠道",
            at=clock.tick((0.5, 8)),
        )
    actions.do_screen(demand, intake, in_scope=True, at=clock.tick((0.5, 8)))
    if done():
        return demand

    level = level or 1
    # Simple matters are answered on the spot; half the finished tier-1 stories are such answers.
    simple = level == 1 and (
        target == S.ANSWERED or (target in (S.EVALUATED, S.CLOSED) and rng.random() < 0.5)
    )
    start_level = level if level <= 2 else 2
    if level == 4 and (target == S.TRIAGED or (target != S.ESCALATED and rng.random() < 0.4)):
        # Some matters are city-level by nature (南开 §三(四)): triaged straight to tier 4.
        start_level = 4
    actions.do_triage(
        demand,
        intake,
        domain=cast.domains.get(domain_code) or next(iter(cast.domains.values())),
        complexity="simple" if simple else "complex",
        tier=cast.tiers[start_level],
        routing_suggestion={"tier": start_level, "domain": domain_code, "source": "demo"},
        at=clock.tick((0.5, 6)),
    )
    if done():
        return demand

    # The department the matter belongs to leads it, where that department has a demo coordinator.
    by_code = {dep.code: dep for dep in cast.departments}
    lead = by_code.get(matter.department) or rng.choice(cast.departments)
    others = [dep for dep in cast.departments if dep.pk != lead.pk]
    co = rng.sample(others, k=min(len(others), rng.choice((0, 0, 1, 1, 2))))
    coordinator = cast.coordinator_by_department[lead.pk]

    if start_level == 1:
        if simple:
            actions.do_answer(
                demand, officer, answer="已当场答复，并告知网上办理入口和材料清单。", at=clock.tick((0.2, 3))
            )
        else:
            actions.do_accept(demand, officer, at=clock.tick((0.5, 6)))
            if done():
                return demand
            # The moment first: a tick may cross a holiday, and the date promised lies after it.
            at = clock.tick((1, 8))
            actions.do_plan(
                demand,
                officer,
                plan="协调属地科室办理，办结后回复企业。",
                eta=(at + timedelta(days=rng.randint(3, 15))).date(),
                at=at,
            )
            if done():
                return demand
            actions.do_inform(
                demand, officer, note="已电话告知企业解决方案和预计完成时间", at=clock.tick((0.5, 6))
            )
            if done():
                return demand
            actions.do_resolve(demand, officer, result="属地科室已协调办结。", at=clock.tick((24, 120)))
    elif start_level == 4:
        demand = _to_city(
            demand,
            cast,
            rng,
            clock,
            done,
            channels=["jinchanfa", "hotline_desk"],
            note="引导企业通过市级渠道提交，持续跟踪",
            result="市级承办单位已答复并办理。",
        )
    else:
        dispatcher = cast.dispatcher if channel == ChannelChoices.HOTLINE else officer
        actions.do_dispatch(
            demand, dispatcher, lead_department=lead, co_departments=co, at=clock.tick((0.5, 6))
        )
        if done() and level == 2:
            return demand
        if target == S.RETURNED or rng.random() < 0.05:
            actions.do_return(
                demand, coordinator, reason="不属于本部门职责，请重新派单", at=clock.tick((1, 12))
            )
            if done():
                return demand
            lead = rng.choice([dep for dep in cast.departments if dep.pk not in {c.pk for c in co}])
            coordinator = cast.coordinator_by_department[lead.pk]
            actions.do_dispatch(
                demand,
                cast.hub,
                lead_department=lead,
                co_departments=[c for c in co if c.pk != lead.pk],
                at=clock.tick((1, 12)),
            )
            co = [c for c in co if c.pk != lead.pk]
        actions.do_accept(demand, coordinator, at=clock.tick((0.5, 20)))
        if plan is not None and rng.random() < WHISTLE_SHARE[level]:
            if target not in TERMINAL_STATUSES:
                _whistle(demand, cast, rng, clock, officer, lead, co, plan)
            elif level == 2:
                # A whistle is refused on a finished demand, and the batch writes the demand finished: a story
                # that ends closed pauses at its whistle and goes on, one action at a time, once it is blown.
                def go_on(fresh: Any, at: datetime) -> None:
                    clock.at = max(clock.at, at)

                    def reached() -> bool:
                        return bool(fresh.status == target and fresh.tier.level == 2)

                    _handle(fresh, cast, rng, clock, coordinator, co, officer, reached)
                    if not reached():
                        _after_result(
                            fresh, cast, rng, clock, officer, account, channel, coordinator, co, reached
                        )

                if _whistle(demand, cast, rng, clock, officer, lead, co, plan, go_on=go_on):
                    return demand
        if done():
            return demand
        if level >= 3:
            return _up_to_four(
                demand, cast, rng, clock, lead, co, coordinator, officer, stop=target, level=level, plan=plan
            )
        _handle(demand, cast, rng, clock, coordinator, co, officer, done)
    if done():
        return demand
    return _after_result(demand, cast, rng, clock, officer, account, channel, coordinator, co, done)


def _whistle(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: _Clock,
    officer: Any,
    lead: Any,
    co: list[Any],
    plan: DemoMeetingPlan,
    go_on: Callable[[Any, datetime], None] | None = None,
) -> bool:
    """The area's officer summons the lead department and the others the matter needs, two or three in all;
    `go_on` continues the story once the whistle is blown. Returns whether the whistle is blown.

    Not in a story that has run out of time (its last steps crowd at the present): the whistle must come after
    the acceptance and before whatever follows it."""
    # The next office hours may be days away (a weekend, a holiday): the moment is known before it is taken.
    moment = clock.in_office(clock.at + timedelta(hours=rng.uniform(0.5, 6)))
    if moment >= clock.until - timedelta(hours=1):
        return False
    clock.at = moment
    departments = [lead, *co][:3]
    if len(departments) < 2:
        others = [dep for dep in cast.departments if dep not in departments]
        departments += rng.sample(others, k=min(len(others), rng.choice((1, 2))))
    plan.whistles.append(WhistleCall(demand, officer, departments, moment, go_on))
    return True


def _handle(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: _Clock,
    handler: Any,
    co: list[Any],
    officer: Any,
    done: Callable[[], bool],
) -> Any:
    """Plan, inform, co-departments' parts, maybe an extension, resolve — stopping where the story ends."""
    at = clock.tick((2, 40))
    actions.do_plan(
        demand,
        handler,
        plan="牵头部门制定解决方案，分步骤落实。",
        eta=(at + timedelta(days=rng.randint(5, 30))).date(),
        at=at,
    )
    if done():
        return demand
    actions.do_inform(demand, officer, note="已告知企业解决方案和预计完成时间", at=clock.tick((0.5, 12)))
    if rng.random() < 0.1:
        at = clock.tick((2, 24))
        actions.do_request_extension(
            demand,
            handler,
            until=(max(demand.completion_due, at) + timedelta(days=rng.randint(5, 20))).date(),
            reason="需等待第三方检测结果",
            at=at,
        )
        actions.do_approve_extension(demand, cast.hub, note="同意延期", at=clock.tick((1, 24)))
    if done():
        return demand
    for dep in co:
        actions.do_report_part(
            demand,
            cast.coordinator_by_department[dep.pk],
            part="本部门负责部分已办理完毕。",
            at=clock.tick((4, 48)),
        )
    actions.do_resolve(demand, handler, result="问题已解决，企业已确认。", at=clock.tick((4, 96)))
    return demand


def _up_to_four(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: _Clock,
    lead: Any,
    co: list[Any],
    coordinator: Any,
    officer: Any,
    *,
    stop: str,
    level: int = 4,
    plan: DemoMeetingPlan | None = None,
) -> Any:
    """From tier 2 in progress: escalate to the joint meeting (tier 3) and, if needed, to the city (tier 4)."""

    def done() -> bool:
        return demand.status == stop and demand.tier.level == level

    if demand.tier.level < 2:
        raise AssertionError("tier-3 stories start at tier 2")
    if demand.status != S.IN_PROGRESS:
        actions.do_accept(demand, coordinator, at=clock.tick((0.5, 12)))
    actions.do_escalate(
        demand, coordinator, reason="multi_department", note="需多部门协同", at=clock.tick((4, 48))
    )
    if done():
        return demand
    others = [dep for dep in cast.departments if dep.pk != lead.pk]
    co = co or rng.sample(others, k=min(len(others), 2))

    def after_decision(decided: Any) -> Any:
        """The story from the tier-3 decision on: handled and closed at tier 3, or on to the city."""
        nonlocal demand
        demand = decided
        if level == 3:
            if done():
                return demand
            _handle(demand, cast, rng, clock, coordinator, co, officer, done)
            if done():
                return demand
            return _after_result(demand, cast, rng, clock, officer, None, "", coordinator, co, done)
        actions.do_escalate(
            demand,
            cast.hub,
            reason="not_solvable",
            note="区级无法解决，提级市级协调",
            at=clock.tick((24, 200)),
        )
        if done():
            return demand
        demand = _to_city(
            demand,
            cast,
            rng,
            clock,
            done,
            channels=["jinchanfa", "hotline_desk", "city_office"],
            note="",
            result="市级部门已答复，问题已协调解决。",
        )
        if done():
            return demand
        return _after_result(demand, cast, rng, clock, officer, None, "", coordinator, [], done)

    slot = plan.slot_after(clock.at) if plan is not None else None
    if plan is not None and slot is not None:
        # Waits, escalated, for the next joint meeting; its decision and what follows are played after the batch.
        def go_on(fresh: Any, at: datetime) -> None:
            clock.at = max(clock.at, at)
            after_decision(fresh)

        plan.waiting.append(WaitingDecision(demand, slot, lead, co, go_on))
        return demand
    # Escalated after the last joint meeting held: the hub decides between meetings (会商).
    _hub_decides(demand, cast, rng, clock, lead, co, hours=(24, 120), days=(10, 40))
    return after_decision(demand)


def _hub_decides(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: _Clock,
    lead: Any,
    co: list[Any],
    *,
    hours: tuple[float, float],
    days: tuple[int, int],
) -> None:
    """The hub's decision on a tier-3 matter between joint meetings (会商): lead, co-departments, a deadline."""
    at = clock.tick(hours)
    actions.do_decide(
        demand,
        cast.hub,
        lead_department=lead,
        co_departments=co,
        deadline=(at + timedelta(days=rng.randint(*days))).date(),
        note="区政务服务办会商明确牵头部门、配合部门和解决时限",
        at=at,
    )


def _after_result(
    demand: Any,
    cast: Cast,
    rng: random.Random,
    clock: _Clock,
    officer: Any,
    account: Any,
    channel: str,
    handler: Any,
    co: list[Any],
    done: Callable[[], bool],
) -> Any:
    """Evaluation (回访), perhaps a reopen (重办) and a second round, then closure."""
    rater = account or (cast.dispatcher if channel == ChannelChoices.HOTLINE else officer)
    roll = rng.random()
    solved, satisfied = (
        ("solved", "satisfied")
        if roll < 0.82
        else ("partly", "basically")
        if roll < 0.94
        else ("not_solved", "not_satisfied")
    )
    actions.do_evaluate(
        demand,
        rater,
        solved=solved,
        satisfied=satisfied,
        comment="" if solved == "solved" else "希望进一步跟进",
        at=clock.tick((2, 72)),
    )
    if done():
        return demand
    if solved == "not_solved" and demand.tier.level <= 3 and demand.lead_department_id and rng.random() < 0.7:
        actions.do_reopen(demand, rater, reason="企业反映问题仍未解决，重办", at=clock.tick((1, 24)))
        again = handler if demand.tier.level >= 2 else officer
        _handle(demand, cast, rng, clock, again, co, officer, done)
        if done():
            return demand
        actions.do_evaluate(demand, rater, solved="solved", satisfied="basically", at=clock.tick((2, 72)))
        if done():
            return demand
    actions.do_close(demand, officer if rng.random() < 0.7 else cast.hub, note="", at=clock.tick((1, 48)))
    return demand


def take_up_demo_demand(demand: Any, cast: Cast, rng: random.Random, at: datetime, *, finish: bool) -> Any:
    """A triaged demand no story played (an answer to a demo campaign), taken up at its tier from `at`: a simple
    matter answered by the area's officer; a tier-1 matter handled by the officer; a tier-2 one dispatched by the
    hub to a department; a tier-3 one decided by the hub (会商). With `finish` it is handled to its close, else it
    stops informed, the date promised still ahead — the first sweep finds nothing overdue to escalate."""
    clock = _Clock(at, office_until(timezone.now() - timedelta(minutes=1)), rng)
    officer = cast.officer_by_area.get(demand.area_id) or next(iter(cast.officer_by_area.values()))
    level = demand.tier.level

    def never() -> bool:
        return False

    if level == 1 and demand.complexity == "simple":
        actions.do_answer(
            demand, officer, answer="已当场答复企业，告知政策条件和办理渠道。", at=clock.tick((0.5, 8))
        )
        if not finish:
            return demand
        return _after_result(demand, cast, rng, clock, officer, None, "", officer, [], never)
    co: list[Any] = []
    if level == 1:
        handler = officer
        actions.do_accept(demand, officer, at=clock.tick((0.5, 6)))
    else:
        lead = rng.choice(cast.departments)
        others = [dep for dep in cast.departments if dep.pk != lead.pk]
        co = rng.sample(others, k=min(len(others), rng.choice((1, 2) if level == 3 else (0, 0, 1))))
        handler = cast.coordinator_by_department[lead.pk]
        if level == 2:
            actions.do_dispatch(
                demand, cast.hub, lead_department=lead, co_departments=co, at=clock.tick((0.5, 6))
            )
            actions.do_accept(demand, handler, at=clock.tick((0.5, 20)))
        else:
            _hub_decides(demand, cast, rng, clock, lead, co, hours=(4, 48), days=(30, 60))
    if finish:
        _handle(demand, cast, rng, clock, handler, co, officer, never)
        return _after_result(demand, cast, rng, clock, officer, None, "", handler, co, never)
    planned = clock.tick((2, 24))
    # Promised some weeks after the day the demo is made, whenever the plan was written.
    promised = max(planned, clock.until) + timedelta(days=rng.randint(10, 30))
    actions.do_plan(
        demand, handler, plan="牵头单位已制定解决方案，分步骤落实。", eta=promised.date(), at=planned
    )
    actions.do_inform(demand, officer, note="已告知企业解决方案和预计完成时间", at=clock.tick((0.5, 12)))
    return demand

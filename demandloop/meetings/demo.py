"""Demo whistles and meetings: 吹哨报到 and the joint, coordination and topic meetings, played through the real
actions (`demandloop.meetings.actions`) at the moments of each demand's own story (DESIGN.md §6 Handling).

`demandloop.demands.demo.create_demo_demands` drives the demands; while it plays a story it notes here what
belongs to this app, and calls `play_demo_meetings` once its batch is written (a whistle and an agenda item
point at saved demands):

* a share of the stories at tier 2 have the area's officer summon the lead department and one or two others
  (静海 §三(二), 南开 §三(三)) right after the lead accepted; most departments report in on time, some late, some
  not at all, so the per-department table shows all three;
* every tier-3 story waits, escalated, for the first of the hub's weekly joint meetings (联席会) after its
  escalation, over the whole span of the demo; each past meeting is called the morning it sits, held with
  minutes and a decision per demand (lead, co-departments, deadline) and concluded, which moves its demands on
  through `do_decide` at the meeting's moment; the stories then go on from there (`go_on`): handled and closed
  at tier 3, or escalated to the city. Only a story escalated after the last meeting held is decided by the hub
  between meetings;
* an officer calls a coordination meeting (协调会) from one of its whistles;
* the hub records the largest common problem of the last 30 days as a typical problem and puts it on the working
  group's topic meeting (专题会议, 南开 §二(一));
* the next joint meeting is called with the tier-3 demands still waiting on its agenda; the latest escalated ones
  are left for the hub to add, so the meetings page has work to do.

Deterministic: same seed, same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.meetings import actions
from demandloop.meetings.choices import MeetingKindChoices
from demandloop.meetings.models import Meeting, Whistle
from demandloop.org.choices import RoleChoices
from demandloop.org.demo import office_moment, office_until
from demandloop.sla.services import compute_due, get_calendar

# The hub's joint meeting: weekly, in the afternoon (静海 §三(三) 召开联席会进行专题研究; 南开 §三(三) 原则上7个工作日内).
JOINT_MEETING_TIME = time(14, 30)
JOINT_EVERY_WORKING_DAYS = 5
# The past meetings reach back over every story of the demo (the oldest were received 180 days ago): every
# tier-3 decision of the demo is a joint meeting's, as in the districts, where the hub decides between meetings
# only what cannot wait (a story escalated after the last meeting held).
PAST_JOINT_MEETINGS_SPAN = timedelta(days=200)
# How long the hub needs between an escalation and the meeting that can take it (materials, departments asked).
AGENDA_LEAD_TIME = timedelta(hours=4)
MEETING_LENGTH = timedelta(hours=1, minutes=40)
# Demands escalated last are not yet on the next meeting's agenda: the hub adds them when it has the materials.
LEFT_FOR_THE_HUB = 2
# A summoned department: reports in on time, late, or not at all (weights).
REPORT_IN = (("on_time", 72), ("late", 16), ("never", 12))

WHISTLE_REASONS = (
    "企业反映的“{title}”涉及{departments}职责，需跨部门联动解决，请各部门{coordinator}按时报到，提出本部门办理意见。",
    "“{title}”一事经片区初步协调仍需多部门配合，现吹哨召集{departments}，请报到并明确对接人和办理时限。",
    "企业诉求“{title}”办理中需{departments}共同研究，请各部门{coordinator}报到，说明拟采取的措施。",
)
REPORT_NOTES = (
    "已收悉，本部门已指定专人对接企业，明日到企业现场核实情况，提出办理意见。",
    "已报到。本部门负责相关政策把关，已梳理办理依据和材料清单，配合牵头部门推进。",
    "已报到，已与企业负责人电话沟通，本周内完成现场踏勘并反馈书面意见。",
    "已收悉，按职责分工由本部门业务科室承办，相关手续可同步并联办理。",
)
LATE_NOTES = (
    "因承办人员外出检查，报到延迟。现已安排专人对接企业，尽快提出办理意见。",
    "报到延迟，已向分管负责同志说明情况。本部门已明确承办科室，按要求配合办理。",
)
DECISION_NOTES = (
    "{lead}牵头，会同{co}到企业现场办公，制定解决方案，{deadline}前办结并反馈企业。",
    "{lead}牵头成立工作专班，{co}按职责配合，每周向区政务服务办报送进展，{deadline}前办结。",
    "明确{lead}为牵头部门，{co}为配合部门；涉及的审批事项并联办理，{deadline}前办结，逾期提请区领导协调。",
)
LOCATIONS = ("区政务服务中心三楼第一会议室", "区政府二号楼第二会议室", "区政务服务中心五楼会商室")


@dataclass(frozen=True)
class WhistleCall:
    """A whistle a story blows at tier 2: who, when, which departments (the lead first); `go_on` continues a
    story that paused at its whistle."""

    demand: Any
    officer: Any
    departments: list[Any]
    at: datetime
    go_on: Callable[[Any, datetime], None] | None = None


@dataclass
class WaitingDecision:
    """A tier-3 story waiting, escalated, for the joint meeting at `slot`; the meeting names `lead` and `co`."""

    demand: Any
    slot: datetime
    lead: Any
    co: list[Any]
    go_on: Callable[[Any, datetime], Any]


@dataclass
class DemoMeetingPlan:
    """What the demand stories leave to this app until their batch is written."""

    now: datetime
    slots: list[datetime] = field(default_factory=list)
    whistles: list[WhistleCall] = field(default_factory=list)
    waiting: list[WaitingDecision] = field(default_factory=list)

    @classmethod
    def for_now(cls, now: datetime) -> DemoMeetingPlan:
        return cls(now=now, slots=joint_meeting_slots(now))

    def slot_after(self, escalated_at: datetime) -> datetime | None:
        """The first past joint meeting that can take a demand escalated at `escalated_at`, if any."""
        return next((slot for slot in self.slots if slot >= escalated_at + AGENDA_LEAD_TIME), None)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def joint_meeting_slots(now: datetime, span: timedelta = PAST_JOINT_MEETINGS_SPAN) -> list[datetime]:
    """The past joint meetings of the last `span`, oldest first: every `JOINT_EVERY_WORKING_DAYS` working days,
    the latest on the last working day whose meeting ended a while before `now` (it needs time for the stories
    after it)."""
    calendar = get_calendar()
    day = timezone.localtime(now).date()
    while not (calendar.is_working_day(day) and _at(day, JOINT_MEETING_TIME) <= now - timedelta(hours=4)):
        day -= timedelta(days=1)
    slots = [_at(day, JOINT_MEETING_TIME)]
    while True:
        for _ in range(JOINT_EVERY_WORKING_DAYS):
            day = calendar.previous_working_day(day)
        slot = _at(day, JOINT_MEETING_TIME)
        if slot < now - span:
            return sorted(slots)
        slots.append(slot)


def next_joint_meeting(plan: DemoMeetingPlan) -> datetime:
    """The next joint meeting after the past ones: the same weekday's afternoon, after now."""
    calendar = get_calendar()
    day = timezone.localtime(plan.slots[-1]).date()
    while True:
        day = calendar.working_days_after(day, JOINT_EVERY_WORKING_DAYS)[-1]
        if _at(day, JOINT_MEETING_TIME) > plan.now:
            return _at(day, JOINT_MEETING_TIME)


def _names(departments: Sequence[Any]) -> str:
    return "、".join(d.name for d in departments)


def _cn_date(moment: date | datetime) -> str:
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return f"{day.month}月{day.day}日"


# --- Whistles ---------------------------------------------------------------------------------------------


def blow_demo_whistles(
    calls: Sequence[WhistleCall], coordinators: dict[int, Any], rng: random.Random, now: datetime
) -> list[Whistle]:
    """Blow each whistle at its story's moment; each summoned department's coordinator reports in on time,
    late (after the deadline, if that has passed by now) or not at all."""
    whistles = []
    for call in calls:
        demand = call.demand
        reason = rng.choice(WHISTLE_REASONS).format(
            title=demand.title,
            departments=_names(call.departments),
            coordinator=demand.district.role_label(RoleChoices.COORDINATOR),
        )
        whistle = actions.do_blow_whistle(
            demand, call.officer, departments=call.departments, reason=reason, at=call.at
        )
        due = compute_due(call.at, demand.district.whistle_report_days, demand.district).due
        responses = {r.department_id: r for r in whistle.responses.select_related("department")}
        for department in call.departments:
            outcome = rng.choices([o for o, _w in REPORT_IN], [w for _o, w in REPORT_IN])[0]
            # In office hours, as the departments work (an on-time report-in still before its deadline).
            if outcome == "on_time":
                at = min(
                    office_moment(call.at + timedelta(hours=rng.uniform(0.5, 6)), rng),
                    due - timedelta(minutes=5),
                )
                note = rng.choice(REPORT_NOTES)
            elif outcome == "late":
                at = office_moment(due + timedelta(hours=rng.uniform(2, 30)), rng)
                note = rng.choice(LATE_NOTES)
            else:
                continue
            if at >= now:
                # Not yet: the department still has (or just missed) its deadline.
                continue
            actions.do_report_in(responses[department.pk], coordinators[department.pk], note=note, at=at)
        if call.go_on is not None:
            call.go_on(demand, call.at)
        whistles.append(whistle)
    return whistles


# --- Meetings ---------------------------------------------------------------------------------------------


def _joint_title(district: Any, at: datetime) -> str:
    return f"{district.name}“政企同行·有需必应”联席会（{_cn_date(at)}）"


def _deadline(rng: random.Random, held: datetime) -> date:
    # A real decision's deadline lies 15–30 days after the meeting; the action refuses one before it.
    return timezone.localtime(held).date() + timedelta(days=rng.randint(15, 30))


def hold_demo_joint_meetings(
    district: Any,
    hub: Any,
    hub_name: str,
    waiting: Sequence[WaitingDecision],
    rng: random.Random,
) -> list[Meeting]:
    """Each past joint meeting with demands waiting for it: called, held with minutes and a decision per demand,
    concluded (the decisions move the demands on at the meeting's moment); then each demand's story goes on."""
    from demandloop.demands.models import Demand

    by_slot: dict[datetime, list[WaitingDecision]] = {}
    for item in waiting:
        by_slot.setdefault(item.slot, []).append(item)
    meetings = []
    for slot in sorted(by_slot):
        items = by_slot[slot]
        departments = list(dict.fromkeys(d for item in items for d in (item.lead, *item.co)))
        meeting = actions.do_call_meeting(
            district,
            hub,
            kind=MeetingKindChoices.JOINT,
            title=_joint_title(district, slot),
            scheduled_at=slot,
            location=rng.choice(LOCATIONS),
            chair=hub_name,
            departments=departments,
            demands=[item.demand for item in items],
            # The notice goes out the morning of the meeting, once the last escalation's materials are in.
            at=slot - AGENDA_LEAD_TIME,
        )
        held = slot + MEETING_LENGTH
        absent = rng.choice(departments[1:]) if len(departments) > 3 and rng.random() < 0.5 else None
        decided = []
        for item in items:
            deadline = _deadline(rng, held)
            note = rng.choice(DECISION_NOTES).format(
                lead=item.lead.name, co=_names(item.co), deadline=_cn_date(deadline)
            )
            actions.do_record_decision(
                meeting,
                hub,
                demand=item.demand,
                lead_department=item.lead,
                co_departments=item.co,
                deadline=deadline,
                note=note,
                at=held,
            )
            decided.append((item, deadline))
        minutes = _joint_minutes(district, slot, hub_name, departments, absent, decided)
        actions.do_record_minutes(
            meeting,
            hub,
            minutes=minutes,
            attended_department_ids=[d.pk for d in departments if d != absent],
            at=held,
        )
        actions.do_conclude_meeting(meeting, hub, at=held + timedelta(minutes=20))
        for item in items:
            # The meeting applied its decisions to rows of its own: the story goes on from the decided row.
            item.demand = Demand.objects.select_related("tier", "district", "enterprise").get(
                pk=item.demand.pk
            )
            item.go_on(item.demand, held + timedelta(minutes=20))
        meetings.append(meeting)
    return meetings


def _joint_minutes(
    district: Any,
    at: datetime,
    chair: str,
    departments: Sequence[Any],
    absent: Any,
    decided: Sequence[tuple[WaitingDecision, date]],
) -> str:
    present = [d for d in departments if d != absent]
    lines = [
        f"{_cn_date(at)}下午，区政务服务办组织召开{district.name}“政企同行·有需必应”联席会，{chair}主持，"
        f"{_names(present)}相关负责同志参加。",
        f"会议听取了各片区提级诉求的情况汇报，对{len(decided)}件经片区统筹后仍未解决的企业诉求逐项研究，议定如下：",
    ]
    numbers = "一二三四五六七八九十"
    officer_label = district.role_label(RoleChoices.OFFICER)
    for i, (item, deadline) in enumerate(decided):
        demand = item.demand
        label = numbers[i] if i < len(numbers) else str(i + 1)
        lines.append(
            f"{label}、#{demand.pk}“{demand.title}”（{demand.enterprise.name}）：由{item.lead.name}牵头，"
            f"{_names(item.co)}配合，{_cn_date(deadline)}前办结，并由{officer_label}反馈企业。"
        )
    lines.append(
        "会议要求，各牵头部门要压实责任、主动对接企业，配合部门按分工及时报送办理情况；区政务服务办跟踪督办，"
        "逾期未办结的提请区领导协调解决。"
    )
    if absent is not None:
        lines.append(f"{absent.name}因公请假，会议议定事项会后书面传达。")
    return "\n".join(lines)


def create_demo_coordination_meeting(
    whistles: Sequence[Whistle], rng: random.Random, now: datetime
) -> Meeting | None:
    """An officer calls a coordination meeting (协调会) from one of its whistles on a demand at tier 2
    (南开 §三(三)), the next working morning with the summoned departments: held, minutes recorded, concluded,
    where that morning has passed before the demand's last step; else called for the coming morning."""

    def morning_after(whistle: Whistle) -> datetime:
        day = get_calendar().next_working_day(timezone.localtime(whistle.blown_at).date())
        return _at(day, time(9, 30))

    at_tier_two = [w for w in whistles if w.demand.tier is not None and w.demand.tier.level == 2]
    handled = (S.IN_PROGRESS, S.PLANNED, S.INFORMED)
    past = [
        w
        for w in at_tier_two
        if morning_after(w) + MEETING_LENGTH < now - timedelta(hours=1)
        and (w.demand.status in handled or w.demand.status_changed_at > morning_after(w) + MEETING_LENGTH)
    ]
    coming = [w for w in at_tier_two if w.demand.status in handled and morning_after(w) > now]
    # The latest that could be held, so the meetings page shows it among the recent ones.
    chosen = max(past, key=lambda w: (w.blown_at, w.pk), default=None) or min(
        coming, key=lambda w: (w.blown_at, w.pk), default=None
    )
    if chosen is None:
        return None
    whistle, demand, start = chosen, chosen.demand, morning_after(chosen)
    officer = whistle.blown_by
    departments = [r.department for r in whistle.responses.select_related("department")]
    meeting = actions.do_call_meeting(
        whistle.district,
        officer,
        kind=MeetingKindChoices.COORDINATION,
        title=f"“{demand.title}”协调会",
        scheduled_at=start,
        location=f"{demand.area.name}便民服务中心会议室" if demand.area_id else rng.choice(LOCATIONS),
        chair=officer.get_full_name(),
        whistle=whistle,
        # Called by the evening before the next working morning (in office hours, after the whistle); a meeting
        # still to come was called in the last office hours.
        at=max(whistle.blown_at, office_until(min(start - timedelta(hours=15), now))),
    )
    if start > now:
        return meeting
    lead = next((d for d in departments if d.pk == demand.lead_department_id), departments[0])
    officer_label = demand.district.role_label(RoleChoices.OFFICER)
    coordinator_label = demand.district.role_label(RoleChoices.COORDINATOR)
    others = [d for d in departments if d != lead]
    minutes = (
        f"{_cn_date(start)}上午，{demand.area.name if demand.area_id else ''}{officer_label}{officer.get_full_name()}"
        f"利用“吹哨报到”机制召开协调会，{_names(departments)}{coordinator_label}参加，企业负责人列席。\n"
        f"会议围绕“{demand.title}”逐项梳理了企业诉求和办理中的堵点，明确由{lead.name}牵头办理"
        + (f"，{_names(others)}按职责配合" if others else "")
        + f"，3个工作日内拿出解决方案和预计完成时间，由{officer_label}告知企业；协调不成的，提交区级联席会会商。"
    )
    actions.do_record_minutes(
        meeting,
        officer,
        minutes=minutes,
        attended_department_ids=[d.pk for d in departments],
        at=start + MEETING_LENGTH,
    )
    # The lead department already has the demand: the meeting settles the work, no new dispatch to apply.
    actions.do_conclude_meeting(meeting, officer, at=start + MEETING_LENGTH + timedelta(minutes=10))
    return meeting


def create_demo_topic_meeting(
    district: Any, hub: Any, hub_name: str, rng: random.Random, now: datetime
) -> Meeting | None:
    """The hub records the largest common problem of the last 30 days as a typical problem (典型问题) and puts it
    on the working group's topic meeting (专题会议, 南开 §二(一)): held with minutes if the problem was recorded
    in time for it, else called for the coming days."""
    from demandloop.demands.models import Demand
    from demandloop.knowledge.actions import do_record_problem, do_table_problem
    from demandloop.org.models import Department
    from demandloop.routing.queries import common_problems, period_bounds

    start, end = period_bounds(None, timezone.localdate(now), days=30)
    problems = common_problems(district.pk, start, end)
    if not problems:
        return None
    problem = problems[0]
    demands = list(Demand.objects.filter(pk__in=problem.demand_ids).order_by("received_at", "pk"))
    # In the hub's office hours after the last of them came in; a demand that came in since the offices last
    # closed is not yet part of it.
    recorded_at = min(office_moment(demands[-1].received_at + timedelta(hours=6)), office_until(now))
    demands = [d for d in demands if d.received_at <= recorded_at]
    enterprise_count, count = len({d.enterprise_id for d in demands}), len(demands)
    if enterprise_count < 2:
        return None
    # The departments that lead the problem's demands, most demands first (the common problem names codes).
    by_code = {d.code: d for d in Department.objects.filter(district=district, code__in=problem.departments)}
    members = [
        by_code[code]
        for code in sorted(problem.departments, key=lambda c: (-problem.departments[c], c))
        if code in by_code
    ]
    lead = members[0].name if members else ""
    representative = next((d for d in demands if d.pk == problem.representative_id), demands[0])
    text = (
        problem.representative_text
        if representative.pk == problem.representative_id
        else representative.title
    )
    typical = do_record_problem(
        district,
        hub,
        title=f"“{representative.title}”等同类诉求多家企业集中反映",
        description=(
            f"近30天{enterprise_count}家企业反映相似诉求（{count}件）"
            + (f"，多由{lead}牵头办理" if lead else "")
            + f"。代表诉求：{text}"
        ),
        demands=demands,
        at=recorded_at,
    )
    day = get_calendar().working_days_after(timezone.localtime(recorded_at).date(), 2)[-1]
    scheduled = _at(day, time(9, 30))
    held = scheduled + MEETING_LENGTH
    meeting = actions.do_call_meeting(
        district,
        hub,
        kind=MeetingKindChoices.TOPIC,
        title=f"“政企同行·有需必应”专项工作组专题会议：{typical.title}",
        scheduled_at=scheduled,
        location=rng.choice(LOCATIONS),
        chair=hub_name,
        # The working group's members that lead such demands (南开 §二(一): 召开专题会议进行会商).
        departments=members,
        demands=[],
        at=recorded_at,
    )
    do_table_problem(typical, hub, meeting=meeting, at=recorded_at)
    if held >= now - timedelta(hours=1):
        return meeting
    minutes = (
        f"{_cn_date(scheduled)}上午，“政企同行·有需必应”专项工作组召开专题会议，{hub_name}主持，工作组成员单位参加。\n"
        f"会议研究了区政务服务办汇总的典型问题“{typical.title}”：近30天{enterprise_count}家企业反映相似诉求"
        f"{count}件。会议提出：一、"
        + (f"由{lead}牵头" if lead else "由相关职能部门牵头")
        + "梳理同类诉求的共性原因，两周内形成统一办理指引；二、已受理的同类诉求按指引加快办理，办理结果逐件反馈企业；"
        f"三、将答复口径纳入高频事项应答手册，由{district.role_label(RoleChoices.OFFICER)}向企业推送。"
    )
    actions.do_record_minutes(meeting, hub, minutes=minutes, at=held)
    actions.do_conclude_meeting(meeting, hub, at=held + timedelta(minutes=10))
    return meeting


def call_demo_next_joint_meeting(
    district: Any, hub: Any, hub_name: str, plan: DemoMeetingPlan, rng: random.Random
) -> Meeting | None:
    """The next joint meeting, called with the tier-3 demands waiting for a decision on its agenda, but for the
    latest escalated: those wait for the hub to add them."""
    from demandloop.meetings.queries import agenda_candidates

    candidates = list(agenda_candidates(district))
    if not candidates:
        return None
    on_agenda = candidates[: max(1, len(candidates) - LEFT_FOR_THE_HUB)]
    scheduled = next_joint_meeting(plan)
    departments = list(
        dict.fromkeys(
            dep
            for demand in on_agenda
            for dep in (
                demand.lead_department,
                *(link.department for link in demand.co_department_links.all()),
            )
            if dep is not None
        )
    )
    return actions.do_call_meeting(
        district,
        hub,
        kind=MeetingKindChoices.JOINT,
        title=_joint_title(district, scheduled),
        scheduled_at=scheduled,
        location=rng.choice(LOCATIONS),
        chair=hub_name,
        departments=departments,
        demands=on_agenda,
        # In the hub's last office hours.
        at=office_until(plan.now),
    )


def play_demo_meetings(
    district: Any, hub: Any, plan: DemoMeetingPlan, coordinators: dict[int, Any], seed: int
) -> dict[str, int]:
    """Everything the stories left to this app, in the order it happened; returns counts of what was made."""
    from demandloop.demands.models import Demand

    rng = random.Random(f"{seed}-{district.code}-meetings")
    now = plan.now
    # The demands as written by the batch, once each, so a story going on and a whistle see the same row.
    ids = {call.demand.pk for call in plan.whistles} | {item.demand.pk for item in plan.waiting}
    fresh = Demand.objects.select_related("tier", "district", "enterprise", "area").in_bulk(ids)
    calls = sorted(
        (replace(call, demand=fresh[call.demand.pk]) for call in plan.whistles), key=lambda c: c.at
    )
    for item in plan.waiting:
        item.demand = fresh[item.demand.pk]
    hub_name = (
        f"区政务服务办主任{hub.get_full_name()}"
        if hub.get_full_name() != hub.username
        else "区政务服务办主任"
    )
    whistles = blow_demo_whistles(calls, coordinators, rng, now)
    held = hold_demo_joint_meetings(district, hub, hub_name, plan.waiting, rng)
    coordination = create_demo_coordination_meeting(whistles, rng, now)
    topic = create_demo_topic_meeting(district, hub, hub_name, rng, now)
    upcoming = call_demo_next_joint_meeting(district, hub, hub_name, plan, rng)
    return {
        "whistles": len(whistles),
        "joint_meetings": len(held),
        "coordination_meetings": int(coordination is not None),
        "topic_meetings": int(topic is not None),
        "upcoming_meetings": int(upcoming is not None),
    }

"""Writes of whistles and meetings (STYLE.md rule 1): each in one transaction, with its audit row and its
notifications written to the outbox in the same transaction.

Decisions reach the demand only through `demandloop.demands.actions` (`do_decide` at tier 3 and above,
`do_dispatch` for a coordination meeting at tier 2), so the demand's FLOW, permissions, events and clocks stay the
demands app's business. A meeting's decisions are applied together: if one is refused, none is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.core import audit
from demandloop.demands import actions as demand_actions
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed, DemandConflict
from demandloop.demands.flow import TERMINAL_STATUSES
from demandloop.demands.models import Demand
from demandloop.demands.queries import is_hub_of
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_department, notify_users
from demandloop.meetings.choices import MeetingKindChoices, MeetingStatusChoices
from demandloop.meetings.models import (
    Meeting,
    MeetingAgendaItem,
    MeetingAttendee,
    MeetingDecision,
    Whistle,
    WhistleResponse,
)
from demandloop.meetings.queries import agenda_candidates
from demandloop.meetings.recipients import department_leads, department_people
from demandloop.org.choices import RoleChoices
from demandloop.org.scope import resolve_scope
from demandloop.sla.services import compute_due

# Who may blow the whistle (静海 §一(二): 为企服务人员吹哨; 南开 §三(三): 街道利用"吹哨报到"机制).
WHISTLE_ROLES = (
    RoleChoices.OFFICER,
    RoleChoices.SOCIAL_OFFICER,
    RoleChoices.INDUSTRY_OFFICER,
    RoleChoices.HUB,
)
OPEN_MEETING = (MeetingStatusChoices.PLANNED, MeetingStatusChoices.HELD)


def _role_in(user: Any, district_id: int, roles: Iterable[str]) -> str | None:
    """The first of `roles` the user holds in the district (for the audit row), or None."""
    scope = resolve_scope(user)
    if district_id not in scope.district_ids:
        return None
    return next((role for role in roles if role in scope.roles), None)


def _same_district(objects: Iterable[Any], district_id: int, field_name: str) -> None:
    for obj in objects:
        if obj.district_id != district_id:
            raise ActionInvalid(_("Choose departments of the demand's district."), field=field_name)


def _link(path: str) -> str:
    return path


# --- Whistles ---------------------------------------------------------------------------------------------


def do_blow_whistle(
    demand: Demand, by: Any, *, departments: Sequence[Any], reason: str, at: datetime | None = None
) -> Whistle:
    """Summon departments to the demand (吹哨); each must report in within the district's limit (报到)."""
    at = at or timezone.now()
    with transaction.atomic():
        if not Demand.objects.for_user(by).filter(pk=demand.pk).exists():
            raise ActionForbidden(_("You do not reach this demand."))
        role = _role_in(by, demand.district_id, WHISTLE_ROLES)
        if role is None:
            raise ActionForbidden(_("Only service officers and the hub blow the whistle."))
        if demand.status in TERMINAL_STATUSES:
            raise ActionNotAllowed(_("This demand is finished; there is nothing to summon departments for."))
        departments = list(dict.fromkeys(departments))
        if not departments:
            raise ActionInvalid(_("Choose at least one department to summon."), field="departments")
        _same_district(departments, demand.district_id, "departments")
        text = (reason or "").strip()
        if not text:
            raise ActionInvalid(_("Say what the departments are summoned for."), field="reason")
        district = demand.district
        due = compute_due(at, district.whistle_report_days, district)
        whistle = Whistle.objects.create(
            district=district,
            demand=demand,
            blown_by=by,
            blown_at=at,
            reason=text,
            report_due=due.due,
            report_due_provisional=due.provisional,
        )
        WhistleResponse.objects.bulk_create(
            [WhistleResponse(whistle=whistle, department=department) for department in departments]
        )
        audit.record(
            "meetings.whistle",
            user=by,
            role=role,
            obj=whistle,
            district_id=demand.district_id,
            detail={
                "demand": demand.pk,
                "departments": [d.code for d in departments],
                "report_due": due.label,
            },
            at=at,
        )
        with translation.override(settings.LANGUAGE_CODE):
            note = Note(
                topic=TopicChoices.WHISTLE,
                subject=_("Whistle: report in by %(due)s") % {"due": due.label},
                body=_("Demand #%(pk)s “%(title)s”: %(reason)s")
                % {
                    "pk": demand.pk,
                    "title": demand.title,
                    "reason": text,
                },
                link=_link(f"/demands/{demand.pk}/"),
            )
        for department in departments:
            cause = f"meetings.whistle:{whistle.pk}:{department.pk}"
            notify_users(
                department_people([department], roles=(RoleChoices.COORDINATOR, RoleChoices.DEPT_LEAD)),
                note,
                cause=cause,
                district=district,
                at=at,
            )
            notify_department(department, note, cause=cause)
    return whistle


def do_report_in(
    response: WhistleResponse, by: Any, *, note: str = "", at: datetime | None = None
) -> WhistleResponse:
    """A summoned department reports in (报到), with what it will do; once only."""
    at = at or timezone.now()
    with transaction.atomic():
        scope = resolve_scope(by)
        if response.department_id not in scope.department_ids or not scope.has_role(
            RoleChoices.COORDINATOR, RoleChoices.DEPT_LEAD
        ):
            raise ActionForbidden(_("Only the summoned department's coordinators and leads report in."))
        if response.whistle.demand.status in TERMINAL_STATUSES:
            raise ActionNotAllowed(_("This demand is finished; there is nothing left to report in on."))
        if WhistleResponse.objects.filter(pk=response.pk, reported_at__isnull=False).exists():
            raise ActionNotAllowed(_("This department has already reported in."))
        # 报到 is the department saying what it will do (静海 §三(二)): an empty report says nothing.
        text = (note or "").strip()
        if not text:
            raise ActionInvalid(_("Say what your department will do."), field="note")
        claimed = WhistleResponse.objects.filter(pk=response.pk, reported_at__isnull=True).update(
            reported_at=at, reported_by=by, note=text
        )
        if claimed != 1:
            raise ActionNotAllowed(_("This department has already reported in."))
        response.refresh_from_db()
        whistle = response.whistle
        audit.record(
            "meetings.report_in",
            user=by,
            role=RoleChoices.COORDINATOR,
            obj=whistle,
            district_id=whistle.district_id,
            detail={"department": response.department.code, "on_time": response.on_time},
            at=at,
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = Note(
                topic=TopicChoices.WHISTLE,
                subject=_("%(department)s reported in") % {"department": response.department.name},
                body=response.note,
                link=_link(f"/demands/{whistle.demand_id}/"),
            )
        notify_users(
            [whistle.blown_by],
            message,
            cause=f"meetings.report_in:{response.pk}",
            district=whistle.district,
            at=at,
        )
    return response


# --- Meetings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaTopic:
    """A common problem the hub puts on the agenda (no single demand)."""

    topic: str
    note: str = ""


def do_call_meeting(
    district: Any,
    by: Any,
    *,
    kind: str,
    title: str,
    scheduled_at: datetime,
    location: str = "",
    chair: str = "",
    whistle: Whistle | None = None,
    departments: Sequence[Any] = (),
    demands: Sequence[Demand] | None = None,
    topics: Sequence[AgendaTopic] = (),
    at: datetime | None = None,
) -> Meeting:
    """Call a meeting. Without `demands`, a joint or topic meeting's agenda is every demand waiting for a tier-3
    decision; a coordination meeting called from a whistle takes the whistle's demand and departments."""
    at = at or timezone.now()
    if kind not in MeetingKindChoices.values:
        raise ActionInvalid(_("Choose the kind of meeting."), field="kind")
    with transaction.atomic():
        hub = is_hub_of(by, district.pk)
        if whistle is not None:
            if (
                whistle.district_id != district.pk
                or not Whistle.objects.for_user(by).filter(pk=whistle.pk).exists()
            ):
                raise ActionForbidden(_("You do not reach this whistle."))
            if kind != MeetingKindChoices.COORDINATION:
                raise ActionInvalid(
                    _("A meeting called from a whistle is a coordination meeting."), field="kind"
                )
            allowed = hub or whistle.blown_by_id == by.pk
        else:
            allowed = hub
        if not allowed:
            raise ActionForbidden(
                _(
                    "The hub calls joint and topic meetings; a coordination meeting is called by whoever blew the whistle."
                )
            )
        if not (title or "").strip():
            raise ActionInvalid(_("Give the meeting a title."), field="title")
        if timezone.is_naive(scheduled_at):
            raise ActionInvalid(_("The time must include a time zone."), field="scheduled_at")
        # A meeting is called for a time to come: earlier the same day is allowed (called while it sits), a day
        # gone is a mistyped date; and, as for every committed date, not more than a year ahead.
        if timezone.localdate(scheduled_at) < timezone.localdate(at):
            raise ActionInvalid(
                _("The meeting's time has passed: give the time it will sit."), field="scheduled_at"
            )
        if scheduled_at > at + demand_actions.FURTHEST_AHEAD:
            raise ActionInvalid(
                _("The date lies more than a year ahead: check the year."), field="scheduled_at"
            )
        departments = list(departments)
        if whistle is not None and not departments:
            departments = [r.department for r in whistle.responses.select_related("department")]
        _same_district(departments, district.pk, "departments")
        if demands is None:
            demands = [whistle.demand] if whistle is not None else list(agenda_candidates(district))
        for demand in demands:
            if demand.district_id != district.pk:
                raise ActionInvalid(_("Choose demands of the meeting's district."), field="demands")
        meeting = Meeting.objects.create(
            district=district,
            kind=kind,
            title=title.strip(),
            scheduled_at=scheduled_at,
            location=location,
            chair=chair,
            whistle=whistle,
            called_by=by,
            created_at=at,
        )
        MeetingAttendee.objects.bulk_create(
            [MeetingAttendee(meeting=meeting, department=d) for d in departments]
        )
        items = [
            MeetingAgendaItem(meeting=meeting, order=i, demand=d) for i, d in enumerate(demands, start=1)
        ]
        items += [
            MeetingAgendaItem(meeting=meeting, order=len(items) + i, topic=t.topic, note=t.note)
            for i, t in enumerate(topics, start=1)
        ]
        MeetingAgendaItem.objects.bulk_create(items)
        audit.record(
            "meetings.call",
            user=by,
            role=RoleChoices.HUB if hub else RoleChoices.OFFICER,
            obj=meeting,
            district_id=district.pk,
            detail={"kind": kind, "demands": [d.pk for d in demands]},
            at=at,
        )
        with translation.override(settings.LANGUAGE_CODE):
            note = Note(
                topic=TopicChoices.MEETING,
                subject=_("%(kind)s: %(title)s")
                % {"kind": meeting.get_kind_display(), "title": meeting.title},
                body=_("%(time)s, %(place)s")
                % {
                    "time": timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M"),
                    "place": location,
                },
                link=_link(f"/meetings/{meeting.pk}/"),
            )
        cause = f"meetings.meeting:{meeting.pk}:called"
        notify_users(
            department_people(departments, roles=(RoleChoices.COORDINATOR, RoleChoices.DEPT_LEAD)),
            note,
            cause=cause,
            district=district,
            at=at,
        )
        for department in departments:
            notify_department(department, note, cause=f"{cause}:{department.pk}")
    return meeting


def may_change_meeting(meeting: Meeting, user: Any) -> bool:
    """Whether `user` may still change the meeting (the pages offer the forms; the actions check again)."""
    return meeting.status in OPEN_MEETING and (
        is_hub_of(user, meeting.district_id) or meeting.called_by_id == user.pk
    )


def _meeting_role(meeting: Meeting, by: Any) -> str:
    """The role an audit row names: the hub, or the officer who called a coordination meeting."""
    return RoleChoices.HUB if is_hub_of(by, meeting.district_id) else RoleChoices.OFFICER


def _require_open(meeting: Meeting, by: Any) -> None:
    if meeting.status not in OPEN_MEETING:
        raise ActionNotAllowed(_("This meeting is concluded or cancelled; it cannot change any more."))
    if not (is_hub_of(by, meeting.district_id) or meeting.called_by_id == by.pk):
        raise ActionForbidden(_("Only the hub or whoever called the meeting may change it."))


def do_add_agenda_item(
    meeting: Meeting,
    by: Any,
    *,
    demand: Demand | None = None,
    topic: str = "",
    note: str = "",
    at: datetime | None = None,
) -> MeetingAgendaItem:
    """Add a demand or a common problem (共性问题) to the agenda."""
    with transaction.atomic():
        _require_open(meeting, by)
        if demand is None and not topic.strip():
            raise ActionInvalid(_("Choose a demand or describe the problem."), field="topic")
        if demand is not None:
            if demand.district_id != meeting.district_id:
                raise ActionInvalid(_("Choose demands of the meeting's district."), field="demand")
            if meeting.agenda.filter(demand=demand).exists():
                raise ActionInvalid(_("This demand is already on the agenda."), field="demand")
        order = (meeting.agenda.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        item = MeetingAgendaItem.objects.create(
            meeting=meeting, order=order, demand=demand, topic=topic.strip(), note=note
        )
        audit.record(
            "meetings.agenda",
            user=by,
            role=_meeting_role(meeting, by),
            obj=meeting,
            district_id=meeting.district_id,
            detail={"demand": demand.pk if demand else None, "topic": topic.strip()},
            at=at,
        )
    return item


def do_record_minutes(
    meeting: Meeting,
    by: Any,
    *,
    minutes: str,
    attended_department_ids: Iterable[int] | None = None,
    at: datetime | None = None,
) -> Meeting:
    """Record the minutes (and who attended); the meeting is then held and its decisions can be applied."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_open(meeting, by)
        text = (minutes or "").strip()
        if not text:
            raise ActionInvalid(_("Write the minutes."), field="minutes")
        Meeting.objects.filter(pk=meeting.pk).update(
            minutes=text, status=MeetingStatusChoices.HELD, held_at=at
        )
        if attended_department_ids is not None:
            attended = set(attended_department_ids)
            for attendee in meeting.attendees.filter(department__isnull=False):
                MeetingAttendee.objects.filter(pk=attendee.pk).update(
                    attended=attendee.department_id in attended
                )
        audit.record(
            "meetings.minutes",
            user=by,
            role=_meeting_role(meeting, by),
            obj=meeting,
            district_id=meeting.district_id,
            at=at,
        )
        meeting.refresh_from_db()
    return meeting


def do_record_decision(
    meeting: Meeting,
    by: Any,
    *,
    demand: Demand,
    lead_department: Any,
    co_departments: Sequence[Any] = (),
    deadline: date,
    note: str = "",
    at: datetime | None = None,
) -> MeetingDecision:
    """Record (or correct, until the meeting concludes) the decision on one demand of the agenda."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_open(meeting, by)
        if not meeting.agenda.filter(demand=demand).exists():
            raise ActionInvalid(_("Only demands on the agenda are decided."), field="demand")
        if lead_department is None:
            raise ActionInvalid(_("Choose the lead department."), field="lead_department")
        co_departments = list(dict.fromkeys(co_departments))
        _same_district([lead_department, *co_departments], meeting.district_id, "co_departments")
        if lead_department in co_departments:
            raise ActionInvalid(
                _("The lead department cannot also be a co-department."), field="co_departments"
            )
        if deadline < timezone.localdate(at):
            raise ActionInvalid(_("The deadline cannot lie in the past."), field="deadline")
        decision, _created = MeetingDecision.objects.update_or_create(
            meeting=meeting,
            demand=demand,
            defaults={
                "lead_department": lead_department,
                "deadline": deadline,
                "note": note,
                "decided_by": by,
            },
        )
        decision.co_departments.set(co_departments)
        audit.record(
            "meetings.decision",
            user=by,
            role=_meeting_role(meeting, by),
            obj=meeting,
            district_id=meeting.district_id,
            detail={
                "demand": demand.pk,
                "lead_department": lead_department.code,
                "co_departments": sorted(d.code for d in co_departments),
                "deadline": deadline.isoformat(),
            },
            at=at,
        )
    return decision


def do_conclude_meeting(meeting: Meeting, by: Any, *, at: datetime | None = None) -> Meeting:
    """Apply every decision to its demand through the demands' actions, all or none, and tell the departments."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_open(meeting, by)
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != MeetingStatusChoices.HELD:
            raise ActionNotAllowed(_("Record the minutes before concluding the meeting."))
        decisions = list(
            meeting.decisions.filter(applied_at__isnull=True)
            .select_related("demand", "demand__tier", "demand__enterprise", "lead_department")
            .prefetch_related("co_departments")
        )
        for decision in decisions:
            _apply_decision(meeting, decision, by, at)
        MeetingDecision.objects.filter(pk__in=[d.pk for d in decisions]).update(applied_at=at)
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatusChoices.CONCLUDED, concluded_at=at)
        audit.record(
            "meetings.conclude",
            user=by,
            role=_meeting_role(meeting, by),
            obj=meeting,
            district_id=meeting.district_id,
            detail={"decisions": [d.demand_id for d in decisions]},
            at=at,
        )
        _notify_decisions(meeting, decisions, at)
        meeting.refresh_from_db()
    return meeting


def _apply_decision(meeting: Meeting, decision: MeetingDecision, by: Any, at: datetime) -> None:
    demand = decision.demand
    co = list(decision.co_departments.all())
    note = decision.note or meeting.title
    try:
        if demand.tier is not None and demand.tier.level >= 3:
            demand_actions.do_decide(
                demand,
                by,
                lead_department=decision.lead_department,
                co_departments=co,
                deadline=decision.deadline,
                note=note,
                data={"meeting": meeting.pk},
                at=at,
            )
        else:
            # A coordination meeting at tier 2 names the departments by dispatching the demand to them.
            demand_actions.do_dispatch(
                demand, by, lead_department=decision.lead_department, co_departments=co, note=note, at=at
            )
    except (ActionInvalid, ActionForbidden, ActionNotAllowed, DemandConflict) as error:
        # Name the demand: the meeting applies all decisions or none, so the clerk must know which one failed.
        raise type(error)(
            _("Demand #%(pk)s: %(message)s") % {"pk": demand.pk, "message": error.message}, field=error.field
        ) from error


def _notify_decisions(meeting: Meeting, decisions: list[MeetingDecision], at: datetime) -> None:
    for decision in decisions:
        departments = [decision.lead_department, *decision.co_departments.all()]
        with translation.override(settings.LANGUAGE_CODE):
            note = Note(
                topic=TopicChoices.DECISION,
                subject=_("Decision of “%(meeting)s” on demand #%(pk)s")
                % {
                    "meeting": meeting.title,
                    "pk": decision.demand_id,
                },
                body=_("Lead: %(lead)s; co-departments: %(co)s; deadline: %(deadline)s")
                % {
                    "lead": decision.lead_department.name,
                    "co": "、".join(d.name for d in departments[1:]) or "—",
                    "deadline": decision.deadline.isoformat(),
                },
                link=_link(f"/demands/{decision.demand_id}/"),
            )
        cause = f"meetings.decision:{decision.pk}"
        notify_users(
            [*department_people(departments), *department_leads([decision.lead_department])],
            note,
            cause=cause,
            district=meeting.district,
            at=at,
        )
        for department in departments:
            notify_department(department, note, cause=f"{cause}:{department.pk}")


# --- 督办 by hand (跟踪督办) ---------------------------------------------------------------------------------


def _supervising_role(user: Any, district_id: int) -> str | None:
    """The role in which `user` supervises by hand in the district: its hub, else its 12345 centre (区网格中心)
    (DESIGN.md §1: the dispatcher follows progress and supervises, the hub drives the mechanism); None."""
    from demandloop.demands.queries import demand_grants

    grants = demand_grants(user)
    if district_id in grants.hub_district_ids:
        return RoleChoices.HUB
    if district_id in grants.dispatcher_district_ids:
        return RoleChoices.DISPATCHER
    return None


def may_supervise(demand: Demand, user: Any) -> bool:
    """Whether the page offers `user` the 督办 of the demand: its hub or 12345 centre, while it is open."""
    return demand.status not in TERMINAL_STATUSES and _supervising_role(user, demand.district_id) is not None


def do_supervise(demand: Demand, by: Any, *, note: str, at: datetime | None = None) -> Any:
    """A 督办 by hand: the demand's handlers (its lead department's coordinators, else the area's officers) and
    their leads are told what is urged, in the inbox and through their channels; the record keeps who urged
    what, against the deadline running at the time (if any)."""
    from demandloop.meetings.choices import ClockChoices
    from demandloop.meetings.choices import SupervisionOutcomeChoices as Outcome
    from demandloop.meetings.choices import SupervisionStepChoices as Step
    from demandloop.meetings.models import Supervision
    from demandloop.meetings.recipients import handlers_of, leads_of
    from demandloop.sla.sweep import current_clock

    at = at or timezone.now()
    text = (note or "").strip()
    with transaction.atomic():
        role = _supervising_role(by, demand.district_id)
        if role is None:
            raise ActionForbidden(_("Only the service office and the grid centre of the district supervise."))
        demand = Demand.objects.select_related("district", "tier", "area", "lead_department").get(
            pk=demand.pk
        )
        if demand.status in TERMINAL_STATUSES:
            raise ActionNotAllowed(_("This demand is finished; there is nothing to supervise."))
        if not text:
            raise ActionInvalid(_("Say what you urge the handlers to do."), field="note")
        if len(text) > 500:
            raise ActionInvalid(_("The note may have at most 500 characters."), field="note")
        clock_name, clock = "", None
        for name in (ClockChoices.RESPONSE, ClockChoices.COMPLETION):
            clock = current_clock(demand, name)
            if clock is not None:
                clock_name = name
                break
        people = list(dict.fromkeys([*handlers_of(demand), *leads_of(demand)]))
        record = Supervision.objects.create(
            demand=demand,
            district_id=demand.district_id,
            clock=clock_name,
            due=clock.due if clock else None,
            step=Step.MANUAL,
            at=at,
            department=demand.lead_department,
            tier=demand.tier.level if demand.tier is not None else None,
            outcome=Outcome.URGED,
            recipients=len(people),
            by=by,
            note=text,
        )
        audit.record(
            "meetings.supervise",
            user=by,
            role=role,
            obj=record,
            district_id=demand.district_id,
            detail={"demand": demand.pk, "recipients": len(people)},
            at=at,
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = Note(
                topic=TopicChoices.SUPERVISION,
                subject=_("Supervision: demand #%(pk)s “%(title)s”")
                % {"pk": demand.pk, "title": demand.title},
                body=_("%(who)s urges: %(note)s") % {"who": by.get_full_name(), "note": text},
                link=_link(f"/demands/{demand.pk}/"),
            )
        cause = f"meetings.supervise:{record.pk}"
        notify_users(people, message, cause=cause, district=demand.district, at=at)
        if demand.lead_department_id:
            notify_department(demand.lead_department, message, cause=cause)
    return record

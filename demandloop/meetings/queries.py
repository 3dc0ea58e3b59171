"""Scoped reads of whistles and meetings, and their figures per department.

Whistles: whoever reaches the demand sees its whistles (`Demand.objects.for_user`), and a summoned department's
coordinators and leads see the whistles that summon them. Meetings: the hub (and dispatcher) of the district, the
invited departments, and whoever reaches a demand on the agenda. Outside is 404, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from demandloop.demands.flow import OPEN_STATUSES
from demandloop.demands.models import Demand
from demandloop.lib.lookups import get_for_user_or_404
from demandloop.meetings.choices import SupervisionOutcomeChoices as Outcome
from demandloop.org.scope import resolve_scope


def scope_whistles(qs: QuerySet[Any], user: Any) -> Any:
    scope = resolve_scope(user)
    if not scope.is_staff_scope:
        return qs.none()
    reachable = Demand.objects.for_user(user).filter(pk=OuterRef("demand_id"))
    summoned = Q(responses__department_id__in=scope.department_ids) if scope.department_ids else Q(pk__in=[])
    return qs.filter(Q(Exists(reachable)) | summoned).distinct()


def scope_meetings(qs: QuerySet[Any], user: Any) -> Any:
    scope = resolve_scope(user)
    if not scope.is_staff_scope:
        return qs.none()
    on_agenda = Demand.objects.for_user(user).filter(agenda_items__meeting_id=OuterRef("pk"))
    visible = Q(district_id__in=scope.full_district_ids) | Q(Exists(on_agenda))
    if scope.department_ids:
        visible |= Q(attendees__department_id__in=scope.department_ids)
        visible |= Q(decisions__lead_department_id__in=scope.department_ids)
    return qs.filter(visible).distinct()


def get_whistle_for_user(user: Any, pk: Any) -> Any:
    from demandloop.meetings.models import Whistle

    return get_for_user_or_404(Whistle.objects.all(), user, pk)


def get_meeting_for_user(user: Any, pk: Any) -> Any:
    from demandloop.meetings.models import Meeting

    return get_for_user_or_404(Meeting.objects.all(), user, pk)


def agenda_candidates(district: Any, *, exclude_meeting: Any = None) -> QuerySet[Demand]:
    """The demands of `district` waiting for a tier-3 decision and not yet on another open meeting's agenda.

    Escalated or triaged to tier 3 (联席会商 / 区级统筹) and not yet decided: 静海 §三(三), 南开 §三(三).
    """
    from demandloop.meetings.choices import MeetingStatusChoices
    from demandloop.meetings.models import MeetingAgendaItem

    on_open_agenda = MeetingAgendaItem.objects.filter(
        demand_id=OuterRef("pk"),
        meeting__status__in=[MeetingStatusChoices.PLANNED, MeetingStatusChoices.HELD],
    )
    if exclude_meeting is not None:
        on_open_agenda = on_open_agenda.exclude(meeting=exclude_meeting)
    return (
        Demand.objects.filter(district=district, tier__level=3)
        .awaiting_district()
        .exclude(Exists(on_open_agenda))
        .order_by("status_changed_at", "pk")
    )


@dataclass(frozen=True)
class WhistleFigures:
    """How one department answered the whistles in a period (counted per department, DESIGN.md §6)."""

    department_id: int
    department: str
    summoned: int
    reported: int
    on_time: int
    late: int
    not_reported: int
    overdue_unreported: int

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.summoned, 4) if self.summoned else None


def whistle_figures(
    responses: QuerySet[Any], *, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> list[WhistleFigures]:
    """Summoned, reported (on time / late), not reported, and not reported past the deadline, per department."""
    if since is not None:
        responses = responses.filter(whistle__blown_at__gte=since)
    if until is not None:
        responses = responses.filter(whistle__blown_at__lt=until)
    rows = (
        responses.values("department_id", "department__name", "department__order")
        .annotate(
            summoned=Count("pk"),
            reported=Count("pk", filter=Q(reported_at__isnull=False)),
            on_time=Count("pk", filter=Q(reported_at__lte=F("whistle__report_due"))),
            late=Count("pk", filter=Q(reported_at__gt=F("whistle__report_due"))),
            not_reported=Count("pk", filter=Q(reported_at__isnull=True)),
            overdue_unreported=Count("pk", filter=Q(reported_at__isnull=True, whistle__report_due__lt=now)),
        )
        .order_by("department__order", "department_id")
    )
    return [
        WhistleFigures(
            department_id=row["department_id"],
            department=row["department__name"],
            summoned=row["summoned"],
            reported=row["reported"],
            on_time=row["on_time"],
            late=row["late"],
            not_reported=row["not_reported"],
            overdue_unreported=row["overdue_unreported"],
        )
        for row in rows
    ]


def decision_figures(decisions: QuerySet[Any]) -> list[dict[str, Any]]:
    """Meeting decisions per lead department: how many, applied, and how many of those demands are still open."""
    rows = (
        decisions.values("lead_department_id", "lead_department__name", "lead_department__order")
        .annotate(
            decisions=Count("pk"),
            applied=Count("pk", filter=Q(applied_at__isnull=False)),
            still_open=Count(
                "pk", filter=Q(applied_at__isnull=False, demand__status__in=list(OPEN_STATUSES))
            ),
        )
        .order_by("lead_department__order", "lead_department_id")
    )
    return [
        {
            "department_id": row["lead_department_id"],
            "department": row["lead_department__name"],
            "decisions": row["decisions"],
            "applied": row["applied"],
            "still_open": row["still_open"],
        }
        for row in rows
    ]


def supervision_figures(supervisions: QuerySet[Any]) -> list[dict[str, Any]]:
    """Supervision steps per handling department: reminders, 督办 (the sweep's and by hand), escalations and
    leaders notified."""
    rows = (
        supervisions.exclude(outcome=Outcome.SKIPPED)
        .values("department_id", "department__name", "department__order")
        .annotate(
            reminders=Count("pk", filter=Q(step="reminder")),
            supervisions=Count("pk", filter=Q(step__in=["supervision", "manual"])),
            escalated=Count("pk", filter=Q(step="overdue", outcome=Outcome.ESCALATED)),
            leader_notified=Count("pk", filter=Q(step="overdue", outcome=Outcome.LEADER_NOTIFIED)),
        )
        .order_by("department__order", "department_id")
    )
    return [
        {
            "department": row["department__name"] or "—",
            "reminders": row["reminders"],
            "supervisions": row["supervisions"],
            "escalated": row["escalated"],
            "leader_notified": row["leader_notified"],
        }
        for row in rows
    ]

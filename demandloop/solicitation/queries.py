"""Who sees which campaign and answers for which unit, in one place (STYLE.md rule 3), and the campaign's figures.

* The hub (区政务服务办) sees every campaign of its district, drafts included, with every unit's reply.
* A locality is answered by its officers: the service officers of its areas and the 双重服务员 of the park;
  a department by its coordinators and its lead. They see a launched or closed campaign that asks their unit,
  and only their own unit's reply.
* Nobody else sees a campaign: outside the scope is 404, the same as missing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from demandloop.demands.flow import TERMINAL_STATUSES
from demandloop.lib.lookups import get_for_user_or_404
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Membership, User
from demandloop.solicitation.choices import (
    CampaignStatusChoices,
    ReplyStateChoices,
    ReplyStatusChoices,
    TargetKindChoices,
)
from demandloop.solicitation.models import Campaign, CampaignTarget, ReplyProblem

LOCALITY_ROLES = (R.OFFICER, R.SOCIAL_OFFICER)
DEPARTMENT_ROLES = (R.COORDINATOR, R.DEPT_LEAD)
# Demands that count as done on the campaign's page: resolved and what follows, or finished otherwise.
RESOLVED_STATUSES = frozenset({"answered", "resolved", "evaluated", "closed"})


@dataclass(frozen=True)
class Units:
    """The districts a user serves as hub, and the localities and departments it answers campaigns for."""

    hub_district_ids: frozenset[int] = frozenset()
    locality_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()

    @property
    def answers_for_any(self) -> bool:
        return bool(self.locality_ids or self.department_ids)

    def target_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}locality_id__in": self.locality_ids}) | Q(
            **{f"{prefix}department_id__in": self.department_ids}
        )

    def answers(self, target: CampaignTarget) -> bool:
        if target.kind == TargetKindChoices.LOCALITY:
            return target.locality_id in self.locality_ids
        return target.department_id in self.department_ids


def units_of(user: Any) -> Units:
    """The user's units, read once per request from its active memberships (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Units()
    cached: Units | None = getattr(user, "_solicitation_units", None)
    if cached is not None:
        return cached
    hubs: set[int] = set()
    localities: set[int] = set()
    departments: set[int] = set()
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .filter(role__in=[R.HUB, *LOCALITY_ROLES, *DEPARTMENT_ROLES])
        .prefetch_related("areas")
    )
    for m in memberships:
        if m.role == R.HUB and m.district_id:
            hubs.add(m.district_id)
        elif m.role in LOCALITY_ROLES:
            localities.update(area.locality_id for area in m.areas.all())
            if m.role == R.SOCIAL_OFFICER and m.locality_id:
                localities.add(m.locality_id)
        elif m.role in DEPARTMENT_ROLES and m.department_id:
            departments.add(m.department_id)
    units = Units(frozenset(hubs), frozenset(localities), frozenset(departments))
    user._solicitation_units = units
    return units


def scope_campaigns(queryset: QuerySet[Campaign], user: Any) -> Any:
    units = units_of(user)
    cond = Q(district_id__in=units.hub_district_ids)
    if units.answers_for_any:
        asked = CampaignTarget.objects.filter(units.target_q()).values("campaign_id")
        cond |= Q(pk__in=asked) & ~Q(status=CampaignStatusChoices.DRAFT)
    return queryset.filter(cond)


def get_campaign_for_user(user: Any, pk: Any) -> Campaign:
    found: Campaign = get_for_user_or_404(Campaign.objects.select_related("district", "domain"), user, pk)
    return found


def is_hub_of(user: Any, campaign: Campaign) -> bool:
    return campaign.district_id in units_of(user).hub_district_ids


def targets_of(campaign: Campaign) -> QuerySet[CampaignTarget]:
    return campaign.targets.select_related("locality", "department", "reply", "reply__submitted_by").order_by(
        "order", "pk"
    )


def own_targets(user: Any, campaign: Campaign) -> list[CampaignTarget]:
    """The targets of `campaign` the user answers for (usually one; an officer of areas in two towns, two)."""
    units = units_of(user)
    if not units.answers_for_any or campaign.status == CampaignStatusChoices.DRAFT:
        return []
    return list(targets_of(campaign).filter(units.target_q()))


def visible_targets(user: Any, campaign: Campaign) -> list[CampaignTarget]:
    """Every target for the hub; the user's own for a unit."""
    if is_hub_of(user, campaign):
        return list(targets_of(campaign))
    return own_targets(user, campaign)


def target_people(target: CampaignTarget) -> list[User]:
    """Who answers for the unit (and is told of the campaign): the officers of a locality's areas and its park's
    双重服务员; a department's coordinators and lead."""
    if target.kind == TargetKindChoices.LOCALITY:
        cond = Q(role__in=LOCALITY_ROLES, areas__locality_id=target.locality_id) | Q(
            role=R.SOCIAL_OFFICER, locality_id=target.locality_id
        )
    else:
        cond = Q(role__in=DEPARTMENT_ROLES, department_id=target.department_id)
    members = Membership.objects.filter(cond, is_active=True).values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=members).order_by("pk"))


def unstaffed_targets(targets: list[CampaignTarget]) -> set[int]:
    """The ids of the targets whose unit has nobody to answer (no active officer of its areas or park, no
    coordinator or lead): the hub sees them on its page, as no reminder can reach them. Three queries."""
    locality_ids = {t.locality_id for t in targets if t.locality_id}
    department_ids = {t.department_id for t in targets if t.department_id}
    active = Membership.objects.filter(is_active=True, user__is_active=True)
    staffed = set(
        active.filter(role__in=LOCALITY_ROLES, areas__locality_id__in=locality_ids).values_list(
            "areas__locality_id", flat=True
        )
    )
    staffed |= set(
        active.filter(role=R.SOCIAL_OFFICER, locality_id__in=locality_ids).values_list(
            "locality_id", flat=True
        )
    )
    departments = set(
        active.filter(role__in=DEPARTMENT_ROLES, department_id__in=department_ids).values_list(
            "department_id", flat=True
        )
    )
    return {
        t.pk
        for t in targets
        if (t.locality_id and t.locality_id not in staffed)
        or (t.department_id and t.department_id not in departments)
    }


def waiting_targets(user: Any) -> list[CampaignTarget]:
    """The user's units' targets in launched campaigns still owing a reply (draft or none), soonest due first."""
    units = units_of(user)
    if not units.answers_for_any:
        return []
    return list(
        CampaignTarget.objects.filter(units.target_q(), campaign__status=CampaignStatusChoices.LAUNCHED)
        .filter(Q(reply__isnull=True) | Q(reply__status=ReplyStatusChoices.DRAFT))
        .select_related("campaign", "locality", "department", "reply")
        .order_by("campaign__reply_due", "pk")
    )


def reply_status(target: CampaignTarget) -> str:
    reply = getattr(target, "reply", None)
    return reply.status if reply is not None else ReplyStatusChoices.PENDING


def reply_state(target: CampaignTarget, campaign: Campaign, now: datetime | None = None) -> str:
    """How the hub reads a target's reply: on time, late, no problems, not yet, or overdue."""
    reply = getattr(target, "reply", None)
    if reply is not None and reply.status in (ReplyStatusChoices.SUBMITTED, ReplyStatusChoices.ACCEPTED):
        if reply.no_problems:
            return ReplyStateChoices.NO_PROBLEMS
        return ReplyStateChoices.LATE if reply.is_late else ReplyStateChoices.ON_TIME
    now = now or timezone.now()
    if campaign.reply_due is not None and now > campaign.reply_due:
        return ReplyStateChoices.OVERDUE
    return ReplyStateChoices.NOT_YET


def non_responders(campaign: Campaign, targets: list[CampaignTarget]) -> list[CampaignTarget]:
    """Targets that have not submitted a reply (draft or nothing)."""
    return [t for t in targets if reply_status(t) in (ReplyStatusChoices.PENDING, ReplyStatusChoices.DRAFT)]


def problems_of(campaign: Campaign) -> QuerySet[ReplyProblem]:
    return (
        ReplyProblem.objects.filter(reply__target__campaign=campaign)
        .select_related(
            "reply__target__locality",
            "reply__target__department",
            "enterprise",
            "area",
            "demand__domain",
            "demand__tier",
            "demand__lead_department",
        )
        .order_by("reply__target__order", "reply__target_id", "order", "pk")
    )


@dataclass
class CampaignFigures:
    """What the hub's page counts: targets by reply state, problems, demands made, by view, domain, progress."""

    targets: int = 0
    states: Counter[str] = field(default_factory=Counter)
    problems: int = 0
    general: int = 0
    awaiting_acceptance: int = 0
    demands: int = 0
    by_complexity: Counter[str] = field(default_factory=Counter)
    by_domain: Counter[str] = field(default_factory=Counter)
    open: int = 0
    resolved: int = 0
    finished_otherwise: int = 0

    @property
    def replied(self) -> int:
        return self.targets - self.states[ReplyStateChoices.NOT_YET] - self.states[ReplyStateChoices.OVERDUE]

    @property
    def reply_rate(self) -> float | None:
        return round(100 * self.replied / self.targets, 1) if self.targets else None


def campaign_figures(
    campaign: Campaign,
    targets: list[CampaignTarget],
    problems: list[ReplyProblem],
    now: datetime | None = None,
) -> CampaignFigures:
    """The figures of the campaign's page and export, from rows already loaded (no query)."""
    figures = CampaignFigures(targets=len(targets))
    for target in targets:
        figures.states[reply_state(target, campaign, now)] += 1
    for problem in problems:
        figures.problems += 1
        figures.by_complexity[problem.complexity] += 1
        if problem.is_general:
            figures.general += 1
        demand = problem.demand
        if demand is None:
            if not problem.is_general and problem.reply.status == ReplyStatusChoices.SUBMITTED:
                figures.awaiting_acceptance += 1
            continue
        figures.demands += 1
        figures.by_domain[demand.domain.name if demand.domain is not None else ""] += 1
        if demand.status in RESOLVED_STATUSES:
            figures.resolved += 1
        elif demand.status in TERMINAL_STATUSES:
            figures.finished_otherwise += 1
        else:
            figures.open += 1
    return figures

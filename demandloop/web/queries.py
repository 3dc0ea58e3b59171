"""Scoped reads the pages share: work lists sorted by urgency, the enterprise's officers."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.utils import timezone

from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES, OPEN_STATUSES
from demandloop.demands.queries import DemandGrants, demand_grants
from demandloop.org.choices import AREA_ROLES, RoleChoices
from demandloop.reports.queries import Figures, figures, overdue_demands
from demandloop.web.deadlines import HANDLED_STATUSES

# Long texts a list never shows: leaving them out keeps a page of rows small to read and to build.
LIST_DEFERRED = (
    "content",
    "redirect_text",
    "plan",
    "result",
    "evaluation_comment",
    "extension_reason",
    "routing_suggestion",
    "routing_choice",
    "enterprise__address",
    "enterprise__legal_representative",
)


def for_list(demands: QuerySet[Any]) -> QuerySet[Any]:
    """What a list of demands reads: the row with its enterprise, tier, area and lead department, no long texts."""
    return demands.select_related("enterprise", "tier", "area", "lead_department").defer(*LIST_DEFERRED)


def by_urgency(demands: QuerySet[Any]) -> QuerySet[Any]:
    """Open demands, the deadline in force first (overdue, today, next working day, the rest, none last)."""
    # The same rule as `deadlines.deadline_in_force`, in SQL.
    deadline = Case(
        When(
            status__in=AWAITING_RESPONSE_STATUSES,
            responded_at__isnull=True,
            response_due__isnull=False,
            then=F("response_due"),
        ),
        When(status__in=HANDLED_STATUSES, completion_due__isnull=False, then=F("completion_due")),
        When(status__in=AWAITING_RESPONSE_STATUSES, then=F("response_due")),
        default=None,
        output_field=DateTimeField(),
    )
    return for_list(
        demands.filter(status__in=OPEN_STATUSES)
        .annotate(deadline_in_force=deadline)
        .order_by(F("deadline_in_force").asc(nulls_last=True), "received_at", "pk")
    )


# Beyond this many ids a department's list falls back to the plain scoped query (SQLite's parameter limit).
MAX_LISTED_IDS = 20000


def department_open_ids(department_ids: Collection[int]) -> list[int] | None:
    """The open demands led or co-handled by the departments, read through the two indexes that serve them.

    The scoped queryset reaches a department's demands through "lead department OR a co-department row", a
    condition no index serves (a full scan at 100,000 demands on PostgreSQL); narrowing it by these ids first
    lets the database read only the department's rows. None when there are too many to list.
    """
    from demandloop.demands.models import Demand, DemandCoDepartment

    lead = Demand.objects.filter(lead_department_id__in=department_ids, status__in=OPEN_STATUSES)
    co = DemandCoDepartment.objects.filter(department_id__in=department_ids, demand__status__in=OPEN_STATUSES)
    ids = set(lead.order_by().values_list("pk", flat=True)[: MAX_LISTED_IDS + 1])
    ids |= set(co.order_by().values_list("demand_id", flat=True)[: MAX_LISTED_IDS + 1])
    return sorted(ids) if len(ids) <= MAX_LISTED_IDS else None


@dataclass(frozen=True)
class ListPage:
    """A page of a long list without counting the whole list: one row more than the page is read to know
    whether a next page exists. Counting a district's 100,000 demands on every page view would cost more than
    the page itself (a full scan on PostgreSQL), for a total nobody works with."""

    object_list: list[Any]
    number: int
    has_next: bool

    @classmethod
    def of(cls, rows: QuerySet[Any], number: Any, size: int) -> ListPage:
        try:
            page = max(int(number), 1)
        except (TypeError, ValueError):
            page = 1
        # A page far beyond the list is simply empty; the database never reads beyond what it must.
        page = min(page, 100000)
        start = (page - 1) * size
        # Sort narrow rows (ids only, no joins), then read the page's rows whole: the sort of a district's open
        # demands by their deadline then moves a few bytes per row instead of the row with its enterprise.
        ids = list(rows.values_list("pk", flat=True)[start : start + size + 1])
        found = {row.pk: row for row in rows.filter(pk__in=ids[:size])}
        return cls([found[pk] for pk in ids[:size] if pk in found], page, len(ids) > size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


# The figures are a view of the last minute or two, not of this instant: one grouped scan of a district's demands
# costs a few hundred milliseconds at 100,000 demands, so it is shared by everyone with the same reach (the page
# says when it was computed), and the district-wide figures are refreshed in the background
# (`refresh_district_figures`, a periodic task) before they expire, so the hub never waits for the scan.
FIGURES_SECONDS = 120


@dataclass(frozen=True)
class TimedFigures:
    figures: Figures
    overdue: list[Any]
    computed_at: datetime


def reach_key(grants: DemandGrants) -> str:
    """One cache key per set of demands reached, whoever holds it: the hub and the dispatcher of a district
    share the district's figures (the same ids as `DemandGrants.q()` reads)."""
    reach = (
        sorted(grants.hub_district_ids | grants.dispatcher_district_ids),
        sorted(grants.officer_area_ids | grants.social_area_ids | grants.leader_area_ids),
        sorted(grants.social_locality_ids),
        sorted(grants.industry_department_ids),
        sorted(grants.coordinator_department_ids | grants.dept_lead_department_ids),
        sorted(grants.enterprise_ids),
    )
    return "web:figures:" + hashlib.sha256(repr(reach).encode()).hexdigest()


def compute_figures(demands: QuerySet[Any]) -> TimedFigures:
    now = timezone.now()
    return TimedFigures(figures(demands, now=now), overdue_demands(demands, now=now, limit=30), now)


def figures_for(user: Any) -> TimedFigures:
    """`reports.queries.figures` over the user's scoped demands, cached per reach (not per person)."""
    from demandloop.demands.models import Demand

    key = reach_key(demand_grants(user))
    cached = cache.get(key)
    if cached is None:
        cached = compute_figures(Demand.objects.for_user(user))
        cache.set(key, cached, FIGURES_SECONDS)
    return cached


def refresh_district_figures() -> int:
    """Periodic task: compute each active district's whole figures ahead of their expiry; returns how many."""
    from demandloop.demands.models import Demand
    from demandloop.org.models import District

    refreshed = 0
    for district_id in District.objects.filter(is_active=True).values_list("pk", flat=True):
        key = reach_key(DemandGrants(hub_district_ids=frozenset({district_id})))
        cache.set(key, compute_figures(Demand.objects.filter(district_id=district_id)), FIGURES_SECONDS)
        refreshed += 1
    return refreshed


def officers_of(enterprise: Any) -> list[Any]:
    """Who serves `enterprise` in the first line, as their active role assignments (`Membership`), the area's
    officers first: the officers of its area (静海 一级包联, 南开 助企服务员), the 双重服务员 of its park or
    business district, and, for a key enterprise, its department's industry officers (南开 §二(二): the three-level
    team 亮明身份，公示联系方式). The same reach as the officers' own scope (`org.scope`)."""
    from demandloop.org.models import Membership

    serving = Q(role__in=AREA_ROLES, areas=enterprise.area_id) if enterprise.area_id else Q(pk__in=[])
    if enterprise.park_id:
        serving |= Q(role=RoleChoices.SOCIAL_OFFICER, locality=enterprise.park_id)
    if enterprise.is_key and enterprise.key_department_id:
        serving |= Q(role=RoleChoices.INDUSTRY_OFFICER, department=enterprise.key_department_id)
    order = {RoleChoices.OFFICER: 0, RoleChoices.SOCIAL_OFFICER: 1, RoleChoices.INDUSTRY_OFFICER: 2}
    found = (
        Membership.objects.filter(
            serving, is_active=True, user__is_active=True, district=enterprise.district_id
        )
        .select_related("user", "district", "department")
        .distinct()
    )
    return sorted(found, key=lambda m: (order.get(m.role, 3), m.user_id))

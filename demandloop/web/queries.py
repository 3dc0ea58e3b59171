"""Scoped reads the pages share: work lists sorted by urgency, the enterprise's officers."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Case, DateTimeField, F, QuerySet, When
from django.utils import timezone

from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES, OPEN_STATUSES
from demandloop.demands.queries import demand_grants
from demandloop.org.choices import RoleChoices
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


# The figures are a view of the last minutes, not of this instant: one grouped scan of a district's demands
# costs hundreds of milliseconds at 100,000 demands on SQLite, so it is shared for this long by everyone who
# has the same reach (the page says when it was computed).
FIGURES_SECONDS = 120


@dataclass(frozen=True)
class TimedFigures:
    figures: Figures
    overdue: list[Any]
    computed_at: datetime


def figures_for(user: Any) -> TimedFigures:
    """`reports.queries.figures` over the user's scoped demands, cached per reach (not per person)."""
    from demandloop.demands.models import Demand

    reach = dataclasses.replace(demand_grants(user), user_id=None)
    key = "web:figures:" + hashlib.sha256(repr(reach).encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        now = timezone.now()
        demands = Demand.objects.for_user(user)
        cached = TimedFigures(
            figures(demands, now=now), list(overdue_demands(demands, now=now, limit=30)), now
        )
        cache.set(key, cached, FIGURES_SECONDS)
    return cached


def officers_of(enterprise: Any) -> list[Any]:
    """The first-line officers who serve `enterprise`: the officers of its area (静海 一级包联, 南开 助企服务员)."""
    from demandloop.org.models import User

    if enterprise.area_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=RoleChoices.OFFICER,
            memberships__areas=enterprise.area_id,
        )
        .distinct()
        .order_by("pk")
    )

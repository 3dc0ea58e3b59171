"""Scoped reads the pages share: work lists sorted by urgency, the enterprise's officers."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, DateTimeField, F, QuerySet, When

from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES, OPEN_STATUSES
from demandloop.org.choices import RoleChoices
from demandloop.web.deadlines import HANDLED_STATUSES


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
    return (
        demands.filter(status__in=OPEN_STATUSES)
        .annotate(deadline_in_force=deadline)
        .select_related("enterprise", "tier", "area", "lead_department")
        .order_by(F("deadline_in_force").asc(nulls_last=True), "received_at", "pk")
    )


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

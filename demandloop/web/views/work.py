"""The work lists of the staff roles: officer workbench, department inbox, leader view, dispatcher view.

Each list is `Demand.objects.for_user(user)` narrowed by what the role works on, sorted by the deadline in force
(`queries.by_urgency`), and paged; the page links of a list are htmx requests that swap the list alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.demands.choices import ChannelChoices
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand
from demandloop.enterprises.models import Enterprise
from demandloop.meetings.models import Supervision
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Area, Department, Locality
from demandloop.org.scope import resolve_scope
from demandloop.reports import queries as figures
from demandloop.web.access import DEPARTMENT, FIRST_LINE, role_page
from demandloop.web.htmx import render_page_or_part
from demandloop.web.queries import ListPage, by_urgency, department_open_ids, figures_for, for_list
from demandloop.web.views.whistles import pending_summons

PAGE_SIZE = 30


def demand_page(request: HttpRequest, demands: Any, *, param: str = "page") -> ListPage:
    """One page of a work list (see `ListPage`)."""
    return ListPage.of(demands, request.GET.get(param), PAGE_SIZE)


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only the list when htmx asks for another page of it."""
    return render_page_or_part(request, template, "web/_demand_table.html", context, target="demand-list")


@role_page(*FIRST_LINE)
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = resolve_scope(user)
    demands = Demand.objects.for_user(user)
    areas = (
        Area.objects.filter(pk__in=scope.area_ids)
        .select_related("locality")
        .annotate(enterprise_count=Count("enterprises", filter=Q(enterprises__status="active")))
        .order_by("order", "code")
    )
    # A 双重服务员 serves a park or business district, an industry officer the key enterprises of a department:
    # what they serve is listed with an officer's areas, each with its active enterprises.
    parks = (
        Locality.objects.filter(pk__in=scope.locality_ids)
        .annotate(enterprise_count=Count("park_enterprises", filter=Q(park_enterprises__status="active")))
        .order_by("order", "code")
    )
    key_departments = (
        Department.objects.filter(pk__in=scope.key_department_ids)
        .annotate(
            enterprise_count=Count(
                "key_enterprises",
                filter=Q(key_enterprises__status="active", key_enterprises__is_key=True),
            )
        )
        .order_by("order", "code")
    )
    served = [
        *((f"{area.locality.name} · {area.name}", area.enterprise_count) for area in areas),
        *((park.name, park.enterprise_count) for park in parks),
        *(
            (_("Key enterprises of %(name)s") % {"name": department.name}, department.enterprise_count)
            for department in key_departments
        ),
    ]
    waiting = demands.filter(status__in=(S.RECEIVED, S.SCREENED)).count()
    page = demand_page(request, by_urgency(demands))
    return render_list(
        request,
        "web/workbench.html",
        {
            "served": served,
            "page": page,
            "waiting": waiting,
            "list_url": request.path,
        },
    )


@role_page(*DEPARTMENT)
def inbox(request: HttpRequest) -> HttpResponse:
    demands = Demand.objects.for_user(request.user)
    listed = department_open_ids(resolve_scope(request.user).department_ids)
    if listed is not None:
        # Still the scoped queryset: the ids only narrow it (see `department_open_ids`).
        demands = demands.filter(pk__in=listed)
    new = by_urgency(demands.filter(status=S.DISPATCHED))
    active = by_urgency(demands.exclude(status=S.DISPATCHED))
    page = demand_page(request, active)
    return render_list(
        request,
        "web/inbox.html",
        {
            "new": new[:50],
            "page": page,
            "list_url": request.path,
            "summons": pending_summons(request.user),
            "now": timezone.now(),
        },
    )


@role_page(R.LEADER)
def leader(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = resolve_scope(user)
    demands = Demand.objects.for_user(user)
    escalated = by_urgency(demands.filter(Q(status=S.ESCALATED) | Q(tier__level__gte=3)))
    summary = figures_for(user).figures
    key_enterprises = (
        Enterprise.objects.for_user(user).filter(is_key=True).select_related("area", "key_department")
    )
    by_area = [row for row in summary.by_area if row.key in scope.area_ids]
    return render(
        request,
        "web/leader.html",
        {
            "escalated": escalated[:50],
            "key_enterprises": key_enterprises[:50],
            "totals": summary.totals,
            "by_area": by_area,
        },
    )


@role_page(R.DISPATCHER)
def dispatch(request: HttpRequest) -> HttpResponse:
    demands = Demand.objects.for_user(request.user)
    # Not yet triaged (no deadline yet) first, oldest first; then by the response clock (an indexed column).
    to_dispatch = for_list(
        demands.filter(status__in=(S.RECEIVED, S.SCREENED, S.TRIAGED, S.RETURNED))
    ).order_by(F("response_due").asc(nulls_first=True), "pk")
    orders = demands.filter(channel=ChannelChoices.HOTLINE)
    page = demand_page(
        request, by_urgency(orders.exclude(status__in=(S.RECEIVED, S.SCREENED, S.TRIAGED, S.RETURNED)))
    )
    overdue = figures.overdue_demands(orders, now=timezone.now(), limit=20)
    scope = resolve_scope(request.user)
    # Recent supervision steps (reminders, 督办, overdue steps) of the district's demands, newest first.
    supervisions = (
        Supervision.objects.filter(district_id__in=scope.district_ids, demand__in=demands)
        .select_related("demand", "department", "by")
        .order_by("-at", "-pk")[:20]
    )
    return render_list(
        request,
        "web/dispatch.html",
        {
            "to_dispatch": to_dispatch[:30],
            "page": page,
            "overdue": overdue,
            "supervisions": supervisions,
            "list_url": request.path,
        },
    )

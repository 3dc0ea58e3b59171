"""The city desk (市级专席) of a city-wide deployment: the districts' transfers to the city, by district.

A tier-4 matter a district cannot solve goes up to the city (静海 §三(四): 区政务服务办上报市政务服务办推动协调;
南开 §三(四): 12345 企业服务专席 or 津产发). Inside a city-wide deployment that is this desk: it accepts a matter
(受理), reports progress, answers it (办结) or returns it (退回), each an action on the demand's page. The lists
come from `Demand.objects.for_user`, which gives the desk the transferred demands of the districts it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand, DemandEvent
from demandloop.demands.queries import city_figures, city_steps, demand_grants
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.reports import queries as figures
from demandloop.sla.services import get_calendar
from demandloop.web.access import role_page
from demandloop.web.queries import for_list

# How many matters each list shows; the figures by district count them all.
LIST_LIMIT = 100


@dataclass(frozen=True)
class DistrictRow:
    """One district's transfers as the desk sees them."""

    district: District
    transferred: int
    waiting: int
    accepted: int
    answered: int
    returned: int


def _waiting_rows(demands: Any, *, accepted: bool) -> list[Any]:
    """Matters awaiting the city, not yet accepted (or accepted), oldest transfer first, each with the working
    days it has waited (the day of transfer not counted, as for every deadline)."""
    since_transfer = city_steps()
    latest = since_transfer.order_by("-at", "-pk").values("note")[:1]
    rows = (
        for_list(demands.filter(status=S.TRANSFERRED))
        .select_related("district")
        .alias(accepted=Exists(since_transfer))
        .filter(accepted=accepted)
        .annotate(latest_progress=Subquery(latest))
        .order_by("transferred_at", "pk")[:LIST_LIMIT]
    )
    calendar, today = get_calendar(), timezone.localdate()
    rows = list(rows)
    for demand in rows:
        demand.waited_days = calendar.working_days_between(timezone.localdate(demand.transferred_at), today)
    return rows


def _by_district(demands: Any, district_ids: frozenset[int]) -> list[DistrictRow]:
    """Per district served (every one, with or without transfers): matters ever transferred, awaiting the city
    (of them accepted), answered and returned by the desk (each demand counted once per kind)."""
    since_transfer = city_steps()
    counts = {
        row["district_id"]: row
        for row in demands.alias(accepted_now=Exists(since_transfer))
        .values("district_id")
        .annotate(
            transferred=Count("pk"),
            waiting=Count("pk", filter=Q(status=S.TRANSFERRED)),
            accepted=Count("pk", filter=Q(status=S.TRANSFERRED, accepted_now=True)),
        )
    }
    steps = (
        DemandEvent.objects.filter(
            demand__in=demands, actor_role=R.CITY, action__in=(A.RESOLVE, A.CITY_RETURN)
        )
        .values("demand__district_id", "action")
        .annotate(n=Count("demand", distinct=True))
    )
    done = {(row["demand__district_id"], row["action"]): row["n"] for row in steps}
    rows = []
    for district in District.objects.filter(pk__in=district_ids).order_by("code"):
        row = counts.get(district.pk, {})
        rows.append(
            DistrictRow(
                district=district,
                transferred=row.get("transferred", 0),
                waiting=row.get("waiting", 0),
                accepted=row.get("accepted", 0),
                answered=done.get((district.pk, A.RESOLVE), 0),
                returned=done.get((district.pk, A.CITY_RETURN), 0),
            )
        )
    return rows


@role_page(R.CITY)
def city_desk(request: HttpRequest) -> HttpResponse:
    demands = Demand.objects.for_user(request.user)
    by_district = _by_district(demands, demand_grants(request.user).city_district_ids)
    district_rates = figures.rates_by(city_figures(request.user), "district")
    return render(
        request,
        "web/city_desk.html",
        {
            "lists": [
                (
                    _("Awaiting acceptance by the city"),
                    _waiting_rows(demands, accepted=False),
                    "city-new",
                    _("No matter awaits acceptance."),
                ),
                (
                    _("Accepted, being handled"),
                    _waiting_rows(demands, accepted=True),
                    "city-working",
                    _("No matter is being handled."),
                ),
            ],
            "by_district": by_district,
            "district_rates": district_rates,
            "limit": LIST_LIMIT,
        },
    )

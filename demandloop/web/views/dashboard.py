"""The figures page: counts, 三率 and the on-time rate by area, department and tier, the overdue list.

Every figure is computed by `demandloop.reports.queries` over `Demand.objects.for_user(user)`: a coordinator
sees its department's figures, a leader its areas', the hub its district's. Each chart's numbers are also shown
as a table under it (the chart is drawn from the same JSON)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandStatusChoices
from demandloop.reports import queries as figures
from demandloop.web.access import DEMAND_STAFF, role_page
from demandloop.web.queries import figures_for


def chart_data(rows: list[figures.Rates], unassigned: str) -> dict[str, Any]:
    """The series ECharts draws, from the same rows as the table."""
    return {
        "labels": [row.label or unassigned for row in rows],
        "series": {name: [getattr(row, name) for row in rows] for name in figures.RATE_NAMES},
    }


def rate_labels() -> dict[str, str]:
    """The four rates' names, as the charts' legends show them."""
    return dict(zip(figures.RATE_NAMES, figures.rate_titles(), strict=True))


@role_page(*DEMAND_STAFF)
def dashboard(request: HttpRequest) -> HttpResponse:
    timed = figures_for(request.user)
    summary = timed.figures
    unassigned = _("Not yet assigned")
    groups = [
        {"key": key, "title": title, "rows": rows, "chart": chart_data(rows, unassigned)}
        for key, title, rows in (
            ("area", _("By area"), summary.by_area),
            ("department", _("By lead department"), summary.by_department),
            ("tier", _("By tier"), summary.by_tier),
        )
    ]
    counts = summary.status_counts
    status_rows = [
        (label, counts.get(value, 0)) for value, label in DemandStatusChoices.choices if counts.get(value)
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "totals": summary.totals,
            "computed_at": timed.computed_at,
            "groups": groups,
            "status_rows": status_rows,
            "overdue": timed.overdue,
            "series_labels": rate_labels(),
        },
    )

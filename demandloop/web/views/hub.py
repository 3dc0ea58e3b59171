"""The hub console (政务服务办): every demand of the district through the one `DemandFilterSet`, its Excel export,
the escalation queue, tier-3 matters awaiting a decision, the ledger's coverage and the calendar's overrides."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from demandloop.demands.filtersets import DemandFilterSet
from demandloop.demands.models import Demand
from demandloop.enterprises.models import Enterprise
from demandloop.lib.downloads import text_cells
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Area, Department, District, Membership
from demandloop.org.scope import resolve_scope
from demandloop.sla.models import CalendarOverride
from demandloop.web.access import role_page
from demandloop.web.deadlines import deadline_in_force
from demandloop.web.queries import by_urgency, for_list
from demandloop.web.views.work import demand_page, render_list

# An export is a working list, not a data dump: beyond this the hub narrows the filters.
EXPORT_LIMIT = 20000


def filtered(request: HttpRequest) -> DemandFilterSet:
    base = Demand.objects.for_user(request.user).select_related(
        "enterprise", "area", "lead_department", "tier"
    )
    return DemandFilterSet(request.GET or None, queryset=base, request=request)


# The filters the console shows, of the many the FilterSet (and so the API) offers.
CONSOLE_FILTERS = (
    "q",
    "status",
    "tier",
    "area",
    "lead_department",
    "channel",
    "overdue",
    "received_from",
    "received_to",
)


def console_fields(filterset: DemandFilterSet, district_ids: frozenset[int]) -> list[Any]:
    """The console's filters, with the district's areas and departments as lists to choose from (the FilterSet
    itself takes plain ids, so the API never tells whether an id outside the scope exists)."""
    form = filterset.form
    areas = Area.objects.filter(district_id__in=district_ids).order_by("district", "order", "code")
    departments = Department.objects.filter(district_id__in=district_ids).order_by(
        "district", "order", "code"
    )
    form.fields["area"].widget = forms.Select(choices=[("", "—"), *((a.pk, a.name) for a in areas)])
    form.fields["lead_department"].widget = forms.Select(
        choices=[("", "—"), *((d.pk, d.name) for d in departments)]
    )
    form.fields["tier"].widget = forms.Select(choices=[("", "—"), *((n, str(n)) for n in range(1, 5))])
    # Several statuses at once (received and screened: what waits for the officers) without ctrl-click.
    form.fields["status"].widget = forms.CheckboxSelectMultiple(choices=form.fields["status"].choices)
    for name in ("received_from", "received_to"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"})
    return [form[name] for name in CONSOLE_FILTERS if name in form.fields]


def coverage(district_ids: frozenset[int]) -> list[dict[str, Any]]:
    """Per area: active enterprises and officers, the first-tier coverage the hub watches (静海 §一(一)1)."""
    areas = (
        Area.objects.filter(district_id__in=district_ids)
        .annotate(
            active_enterprises=Count("enterprises", filter=Q(enterprises__status="active"), distinct=True)
        )
        .order_by("district", "order", "code")
    )
    officers = dict(
        Membership.objects.filter(role=R.OFFICER, is_active=True, areas__district_id__in=district_ids)
        .values_list("areas")
        .annotate(n=Count("pk"))
    )
    return [
        {"area": area, "enterprises": area.active_enterprises, "officers": officers.get(area.pk, 0)}
        for area in areas
    ]


@role_page(R.HUB)
def hub(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(request.user)
    filterset = filtered(request)
    demands = Demand.objects.for_user(request.user)
    # Newest registered first: the primary key's order, which needs no sort of the district's demands.
    # Newest received first, as the export: a 12345 order imported today may have been received last week.
    page = demand_page(request, for_list(filterset.qs).order_by("-received_at", "-pk"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "filter_fields": console_fields(filterset, scope.full_district_ids),
        "page": page,
        "query": query.urlencode(),
        "list_url": request.path,
        "escalated_count": queue(demands, "escalated").count(),
        "decision_count": queue(demands, "decision").count(),
        "coverage": coverage(scope.full_district_ids),
        "unassigned": Enterprise.objects.for_user(request.user)
        .filter(area__isnull=True, status="active")
        .count(),
        "overrides": CalendarOverride.objects.order_by("-date")[:20],
    }
    return render_list(request, "web/hub.html", context)


def queue(demands: Any, name: str) -> Any:
    """The escalation queue (escalated to tier 2 or 4, or triaged to tier 4) or the tier-3 matters awaiting the
    joint meeting (escalated or triaged to tier 3)."""
    waiting = demands.awaiting_district()
    if name == "decision":
        return waiting.filter(tier__level=3)
    return waiting.exclude(tier__level=3)


@role_page(R.HUB)
def hub_queue(request: HttpRequest, name: str) -> HttpResponse:
    """htmx partial: one queue of the console, loaded when its tab is opened."""
    if name not in {"escalated", "decision"}:
        raise Http404
    demands = by_urgency(queue(Demand.objects.for_user(request.user), name))[:100]
    return render(request, "web/_demand_rows.html", {"demands": demands})


class PeriodForm(forms.Form):
    """The period of the common problems: both days included; the last 30 days when left empty."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_enterprises = forms.IntegerField(
        label=_("Raised by at least (enterprises)"),
        min_value=2,
        max_value=50,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "2"}),
    )

    def clean(self) -> dict[str, Any]:
        from demandloop.routing.queries import period_bounds

        values = super().clean() or {}
        # The period as it will be read (an empty end is today, an empty start 30 days before the end).
        start, end = period_bounds(values.get("start"), values.get("end"))
        if start >= end:
            self.add_error("end" if values.get("end") else "start", _("The period ends before it starts."))
        # `end` is the midnight after the last day: 367 days after `start` is 366 days apart, both included.
        elif (end - start).days > 367:
            self.add_error("start", _("Choose a period of at most one year."))
        return values


@role_page(R.HUB)
def hub_common_problems(request: HttpRequest) -> HttpResponse:
    """htmx partial: similar demands raised by several enterprises in a period (共性问题), largest first."""
    from demandloop.routing.queries import period_bounds
    from demandloop.web.problems import problem_rows

    form = PeriodForm(request.GET or None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start, end = period_bounds(values.get("start"), values.get("end"))
    min_enterprises = values.get("min_enterprises") or 2
    scope = resolve_scope(request.user)
    sections = []
    if not form.errors:
        for district in District.objects.filter(pk__in=scope.full_district_ids).order_by("code"):
            rows = problem_rows(request.user, district.pk, start, end, min_enterprises=min_enterprises)
            sections.append({"district": district, "rows": rows})
    context = {
        "form": form,
        "sections": sections,
        "start": start.date(),
        "until": (end - timedelta(days=1)).date(),
        "min_enterprises": min_enterprises,
    }
    return render(request, "web/_common_problems.html", context)


@role_page(R.HUB)
def hub_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel file: the same FilterSet as the page and the API."""
    filterset = filtered(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Demands"))
    sheet.append(
        [
            _("Number"),
            _("Received at"),
            _("Enterprise"),
            _("Unified social credit code"),
            _("Title"),
            _("Status"),
            _("Tier"),
            _("Area"),
            _("Lead department"),
            _("Deadline in force"),
            _("Evaluation"),
        ]
    )
    local = timezone.get_current_timezone()
    for demand in filterset.qs.order_by("-received_at", "-pk")[:EXPORT_LIMIT]:
        due = deadline_in_force(
            demand.status, demand.response_due, demand.completion_due, demand.responded_at
        )
        sheet.append(
            text_cells(
                sheet,
                [
                    demand.pk,
                    demand.received_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
                    demand.enterprise.name,
                    demand.enterprise.uscc,
                    demand.title,
                    demand.get_status_display(),
                    demand.tier.name if demand.tier_id else "",
                    demand.area.name if demand.area_id else "",
                    demand.lead_department.name if demand.lead_department_id else "",
                    due.astimezone(local).strftime("%Y-%m-%d %H:%M") if due else "",
                    " / ".join(
                        str(v)
                        for v in (
                            demand.get_evaluation_solved_display(),
                            demand.get_evaluation_satisfied_display(),
                        )
                        if v
                    ),
                ],
            )
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="demands-{stamp}.xlsx"'
    return response

"""吹哨报到 on the pages: an officer or the hub summons departments from the demand's page; each summoned
department reports in from its inbox. The writes are `demandloop.meetings.actions`' functions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandloop.demands.errors import DemandActionError
from demandloop.demands.flow import TERMINAL_STATUSES
from demandloop.demands.queries import get_demand_for_user
from demandloop.meetings.actions import WHISTLE_ROLES, do_blow_whistle, do_report_in, do_supervise
from demandloop.meetings.models import Whistle, WhistleResponse
from demandloop.org.choices import RoleChoices as R
from demandloop.org.scope import resolve_scope
from demandloop.web.access import role_page
from demandloop.web.forms import ReportInForm, SuperviseForm, WhistleForm


def whistles_of(demand: Any, user: Any) -> list[Whistle]:
    return list(
        Whistle.objects.for_user(user)
        .filter(demand=demand)
        .select_related("blown_by")
        .prefetch_related("responses__department")
        .order_by("blown_at", "pk")
    )


def may_blow_whistle(demand: Any, user: Any) -> bool:
    """Offer the form to the roles that summon (the action checks again, with the district)."""
    return demand.status not in TERMINAL_STATUSES and resolve_scope(user).has_role(*WHISTLE_ROLES)


def pending_summons(user: Any) -> list[WhistleResponse]:
    """The summons of the user's departments whose report-in is still awaited, the most urgent first."""
    scope = resolve_scope(user)
    if not scope.department_ids:
        return []
    return list(
        WhistleResponse.objects.awaited()
        .filter(department_id__in=scope.department_ids)
        .select_related("whistle__demand__enterprise", "whistle__blown_by", "department")
        .order_by("whistle__report_due", "pk")[:50]
    )


@role_page(*WHISTLE_ROLES)
@require_POST
def blow_whistle(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_demand_for_user(request.user, pk)
    form = WhistleForm(request.POST, demand=demand)
    if form.is_valid():
        try:
            whistle = do_blow_whistle(
                demand,
                request.user,
                departments=list(form.cleaned_data["departments"]),
                reason=form.cleaned_data["reason"],
            )
        except DemandActionError as exc:
            messages.error(request, exc.message)
        else:
            names = "、".join(r.department.name for r in whistle.responses.select_related("department"))
            messages.success(request, _("Whistle blown: %(names)s summoned.") % {"names": names})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("demand_detail", pk=demand.pk)


@role_page(R.HUB, R.DISPATCHER)
@require_POST
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    """督办 by hand from the demand's page; the message says whom it reached, or why it was refused."""
    demand = get_demand_for_user(request.user, pk)
    form = SuperviseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("demand_detail", pk=demand.pk)
    try:
        record = do_supervise(demand, request.user, note=form.cleaned_data["note"])
    except DemandActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Supervision sent to %(n)d people.") % {"n": record.recipients})
    return redirect("demand_detail", pk=demand.pk)


@role_page(R.COORDINATOR, R.DEPT_LEAD)
@require_POST
def report_in(request: HttpRequest, pk: int) -> HttpResponse:
    scope = resolve_scope(request.user)
    response = WhistleResponse.objects.filter(pk=pk, department_id__in=scope.department_ids).first()
    if response is None:
        raise Http404
    form = ReportInForm(request.POST)
    form.is_valid()
    try:
        do_report_in(response, request.user, note=form.cleaned_data.get("note", ""))
    except DemandActionError as exc:
        messages.error(request, exc.message)
        return redirect("inbox")
    messages.success(request, _("%(department)s has reported in.") % {"department": response.department.name})
    return redirect("inbox")

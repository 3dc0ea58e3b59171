"""Pages of the quality module, mounted at /cases/.

    GET  /cases/                               the cases the person reads: the hub's review queue, one's own, the
                                               library of accepted cases (filters answered as an htmx partial)
    GET|POST /cases/new/<demand>/              nominate a resolved demand (the draft written from the demand)
    GET  /cases/<id>/                          one case: texts, the demand's facts, history, the hub's review
    GET|POST /cases/<id>/edit/                 edit (the author; a returned case is resubmitted) or the hub
    POST /cases/<id>/review/<accept|return>/   the hub's review
    GET|POST /cases/selection/?year=           the year's 十佳服务案例: candidates with their facts, places 1–10
    POST /cases/selection/publish|unpublish/   publish; unpublish with a reason
    GET  /cases/casebook/?year=&collection=&format=   the 案例汇编 as Word or Excel
    GET  /cases/showcase/                      the enterprise's view: the published top ten of its district
    GET  /cases/problems/  POST /cases/problems/new/   typical problems (典型问题) recorded from common problems
    GET  /cases/problems/clusters/                  the common problems of a period (htmx partial)
    GET  /cases/problems/<id>/  POST …/agenda/ one problem; put it on a topic meeting's agenda

A case outside the person's reach, or a page of a role they do not hold, is 404 (STYLE.md rule 3).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.demands.queries import district_of, get_demand_for_user, is_hub_of
from demandloop.knowledge import actions
from demandloop.knowledge.casebook import COLLECTIONS, EXPORT_FORMATS, casebook, casebook_file
from demandloop.knowledge.cases import (
    NOMINATING_ROLES,
    case_draft,
    demand_facts,
    enterprise_label,
    get_case_for_user,
    hub_district_ids,
    nomination_refusal,
)
from demandloop.knowledge.choices import CaseStatusChoices, SelectionStatusChoices
from demandloop.knowledge.filtersets import TypicalCaseFilterSet
from demandloop.knowledge.forms import AcceptForm, CaseForm, ReturnForm, UnpublishForm, selection_places
from demandloop.knowledge.models import CaseSelection, TypicalCase, TypicalProblem
from demandloop.knowledge.selection import candidate_rows, case_years, download_allowed
from demandloop.lib.downloads import as_download
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.web.access import DEMAND_STAFF, EVERY_DEMAND_ROLE, role_page
from demandloop.web.htmx import render_page_or_part

LIST_LIMIT = 200


def _form_error(form: Any, exc: DemandActionError) -> None:
    if exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        form.add_error(None, exc.message)


def _refused_outright(exc: DemandActionError) -> bool:
    """A refusal of the person or of the state (403, 409), not of a field: no form can help with it."""
    return exc.status_code != 400 and not exc.field


@role_page(*DEMAND_STAFF)
def case_list(request: HttpRequest) -> HttpResponse:
    base = (
        TypicalCase.objects.for_user(request.user)
        .select_related("district", "author", "demand__enterprise")
        .order_by("-year", "-created_at", "-pk")
    )
    filterset = TypicalCaseFilterSet(request.GET, queryset=base, request=request)
    cases = list(filterset.qs[:LIST_LIMIT]) if filterset.is_valid() else []
    for case in cases:
        case.enterprise_label = enterprise_label(case, request.user)
    hub = bool(hub_district_ids(request.user))
    context = {
        "cases": cases,
        "filterset": filterset,
        "is_hub": hub,
        "waiting": base.filter(status=CaseStatusChoices.SUBMITTED).count() if hub else 0,
        "returned": base.filter(author_id=request.user.pk, status=CaseStatusChoices.RETURNED).count(),
        "years": sorted(set(base.values_list("year", flat=True)), reverse=True),
        "statuses": CaseStatusChoices.choices,
    }
    return render_page_or_part(
        request,
        "knowledge/case_list.html",
        "knowledge/_case_table.html",
        context,
        status=200 if filterset.is_valid() else 400,
    )


@role_page(*NOMINATING_ROLES)
def case_nominate(request: HttpRequest, demand_pk: int) -> HttpResponse:
    demand = get_demand_for_user(request.user, demand_pk)
    refusal = nomination_refusal(request.user, demand)
    if request.method == "POST":
        # A submitted nomination is the action's to refuse, so that a refused attempt is audited like any other.
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                case = actions.do_nominate_case(demand, request.user, **form.action_kwargs())
            except DemandActionError as exc:
                if _refused_outright(exc):
                    messages.error(request, exc.message)
                    return redirect("demand_detail", pk=demand.pk)
                _form_error(form, exc)
            else:
                messages.success(request, _("The case is submitted to the service office for review."))
                return redirect("case_detail", pk=case.pk)
        elif refusal:
            messages.error(request, refusal)
            return redirect("demand_detail", pk=demand.pk)
    elif refusal:
        messages.error(request, refusal)
        return redirect("demand_detail", pk=demand.pk)
    else:
        draft = case_draft(demand)
        form = CaseForm(initial={**draft, "tags": "、".join(draft["tags"])})
    context = {"form": form, "demand": demand, "facts": demand_facts(demand), "nominating": True}
    return render(request, "knowledge/case_form.html", context, status=400 if form.errors else 200)


@role_page(*DEMAND_STAFF)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    hub = is_hub_of(request.user, case.district_id)
    context = {
        "case": case,
        "enterprise": enterprise_label(case, request.user),
        "facts": demand_facts(case.demand),
        "events": case.events.select_related("actor").order_by("at", "pk"),
        "may_edit": actions.may_edit(case, request.user),
        "may_review": hub and case.status == CaseStatusChoices.SUBMITTED,
        "return_form": ReturnForm(),
        "accept_form": AcceptForm(),
        "reaches_demand": Demand.objects.for_user(request.user).filter(pk=case.demand_id).exists(),
        "selections": case.selection_entries.select_related("selection").order_by("selection__year"),
    }
    return render(request, "knowledge/case_detail.html", context)


@role_page(*NOMINATING_ROLES)
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    may_edit = actions.may_edit(case, request.user)
    if not may_edit and request.method != "POST":
        messages.error(request, _("You cannot edit this case now."))
        return redirect("case_detail", pk=case.pk)
    if request.method == "POST":
        # The action refuses (and audits) an edit the person may not make.
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                actions.do_edit_case(case, request.user, **form.action_kwargs())
            except DemandActionError as exc:
                if _refused_outright(exc):
                    messages.error(request, exc.message)
                    return redirect("case_detail", pk=case.pk)
                _form_error(form, exc)
            else:
                messages.success(request, _("The case is saved."))
                return redirect("case_detail", pk=case.pk)
        elif not may_edit:
            messages.error(request, _("You cannot edit this case now."))
            return redirect("case_detail", pk=case.pk)
    else:
        form = CaseForm(
            initial={
                "title": case.title,
                "background": case.background,
                "approach": case.approach,
                "outcome": case.outcome,
                "lessons": case.lessons,
                "tags": "、".join(case.tags or ()),
                "anonymous": case.anonymous,
            }
        )
    resubmit = case.status == CaseStatusChoices.RETURNED and case.author_id == request.user.pk
    context = {
        "form": form,
        "case": case,
        "demand": case.demand,
        "facts": demand_facts(case.demand),
        "nominating": False,
        "submit_label": _("Save and resubmit") if resubmit else _("Save"),
    }
    return render(request, "knowledge/case_form.html", context, status=400 if form.errors else 200)


@role_page(R.HUB)
@require_POST
def case_review(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    if decision not in ("accept", "return") or not is_hub_of(request.user, case.district_id):
        raise Http404
    form: Any = AcceptForm(request.POST) if decision == "accept" else ReturnForm(request.POST)
    if form.is_valid():
        try:
            if decision == "accept":
                actions.do_accept_case(case, request.user, **form.cleaned_data)
            else:
                actions.do_return_case(case, request.user, **form.cleaned_data)
        except DemandActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The case is accepted into the library.")
                if decision == "accept"
                else _("The case is returned to its author."),
            )
    else:
        messages.error(request, _("Say what the author should revise."))
    return redirect("case_detail", pk=case.pk)


# --- The annual selection ---------------------------------------------------------------------------------


def _hub_district(request: HttpRequest) -> District:
    """The district the hub works on (by ?district= or its first); 404 for anyone else's."""
    code = request.GET.get("district") or request.POST.get("district")
    return district_of(request.user, code, hub_only=True)


def _year(request: HttpRequest, default: int) -> tuple[int, str]:
    text = (request.GET.get("year") or request.POST.get("year") or "").strip()
    if not text:
        return default, ""
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        return default, _("year: give the year as four digits, e.g. 2026.")
    return int(text), ""


@role_page(R.HUB)
def case_selection(request: HttpRequest) -> HttpResponse:
    district = _hub_district(request)
    years = case_years(district)
    year, error = _year(request, years[0] if years else timezone.localdate().year)
    selection = CaseSelection.objects.filter(district=district, year=year).first()
    rows = candidate_rows(district, year, selection)
    if request.method == "POST" and not error:
        chosen, error = selection_places(request.POST, [row.case.pk for row in rows])
        if not error:
            by_pk = {row.case.pk: row.case for row in rows}
            try:
                actions.do_set_selection(
                    district, request.user, year=year, cases=[by_pk[pk] for pk in chosen]
                )
            except DemandActionError as exc:
                error = exc.message
            else:
                messages.success(request, _("The selection is saved."))
                return redirect(f"{request.path}?district={district.code}&year={year}")
    for row in rows:
        row.case.enterprise_label = enterprise_label(row.case, request.user)
    context = {
        "district": district,
        "districts": District.objects.filter(pk__in=hub_district_ids(request.user)).order_by("code"),
        "year": year,
        "years": sorted(set(years) | {year}, reverse=True),
        "selection": selection,
        "rows": rows,
        "error": error,
        "unpublish_form": UnpublishForm(),
        "events": selection.events.select_related("actor").order_by("-at", "-pk")[:20] if selection else [],
    }
    return render(request, "knowledge/case_selection.html", context, status=400 if error else 200)


@role_page(R.HUB)
@require_POST
def case_selection_publish(request: HttpRequest) -> HttpResponse:
    district = _hub_district(request)
    year, error = _year(request, 0)
    selection = CaseSelection.objects.filter(district=district, year=year).first() if not error else None
    if selection is None:
        messages.error(request, error or _("Choose at least one case before publishing."))
    else:
        try:
            actions.do_publish_selection(selection, request.user)
        except DemandActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The top-ten cases are published."))
    return redirect(f"/cases/selection/?district={district.code}&year={year or ''}")


@role_page(R.HUB)
@require_POST
def case_selection_unpublish(request: HttpRequest) -> HttpResponse:
    district = _hub_district(request)
    year, error = _year(request, 0)
    selection = CaseSelection.objects.filter(district=district, year=year).first() if not error else None
    form = UnpublishForm(request.POST)
    if selection is None:
        messages.error(request, error or _("No selection of this year."))
    elif not form.is_valid():
        messages.error(request, _("Say why the selection is unpublished."))
    else:
        try:
            actions.do_unpublish_selection(selection, request.user, reason=form.cleaned_data["reason"])
        except DemandActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The selection is unpublished; it can be changed again."))
    return redirect(f"/cases/selection/?district={district.code}&year={year or ''}")


# --- Casebook and the enterprises' showcase ---------------------------------------------------------------


def _member_district(request: HttpRequest) -> District:
    return district_of(request.user, request.GET.get("district"), hub_only=False)


def _refused(text: str) -> HttpResponse:
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


@role_page(*EVERY_DEMAND_ROLE)
def case_casebook(request: HttpRequest) -> HttpResponse:
    district = _member_district(request)
    collection = request.GET.get("collection") or "top10"
    file_format = request.GET.get("format") or "docx"
    year, error = _year(request, 0)
    if error or not year:
        return _refused(error or _("year: give the year as four digits, e.g. 2026."))
    if collection not in COLLECTIONS:
        return _refused(_("collection: top10 or accepted, not “%(text)s”.") % {"text": collection})
    if file_format not in EXPORT_FORMATS:
        return _refused(_("format: docx (Word) or xlsx (Excel), not “%(text)s”.") % {"text": file_format})
    if not download_allowed(request.user, district, collection):
        raise Http404
    return as_download(casebook_file(district, year, collection, file_format))


@role_page(R.ENTERPRISE)
def case_showcase(request: HttpRequest) -> HttpResponse:
    district = _member_district(request)
    published = CaseSelection.objects.filter(district=district, status=SelectionStatusChoices.PUBLISHED)
    years = sorted(published.values_list("year", flat=True), reverse=True)
    year, error = _year(request, years[0] if years else timezone.localdate().year)
    book = casebook(district, year, "top10")
    for case in book.cases:
        case.enterprise_label = enterprise_label(case)
    context = {"district": district, "year": year, "years": years, "cases": book.cases, "error": error}
    return render(request, "knowledge/case_showcase.html", context, status=400 if error else 200)


# --- Typical problems (典型问题) -----------------------------------------------------------------------------


@role_page(R.HUB)
def problem_list(request: HttpRequest) -> HttpResponse:
    """The recorded typical problems; the common problems to record one from follow (`problem_clusters`)."""
    district = _hub_district(request)
    recorded = list(
        TypicalProblem.objects.filter(district=district)
        .select_related("recorded_by", "agenda_item__meeting")
        .annotate(n=Count("demands"))
        .order_by("-recorded_at", "-pk")
    )
    context = {"district": district, "recorded": recorded}
    return render(request, "knowledge/problem_list.html", context)


@role_page(R.HUB)
def problem_clusters(request: HttpRequest) -> HttpResponse:
    """The common problems of a period to record one from, as the hub console's tab finds them (the last 30
    days unless a period is chosen; the same grouping, shared with the console a while). Loaded by the problems
    page on its own: grouping a large district's demands takes seconds the first time."""
    from demandloop.routing.queries import period_bounds
    from demandloop.web.problems import problem_rows
    from demandloop.web.views.hub import PeriodForm

    district = _hub_district(request)
    form = PeriodForm(request.GET)
    values = form.cleaned_data if form.is_valid() else {}
    start, end = period_bounds(values.get("start"), values.get("end"))
    min_enterprises = values.get("min_enterprises") or 2
    rows = (
        []
        if form.errors
        else problem_rows(request.user, district.pk, start, end, min_enterprises=min_enterprises)
    )
    context = {
        "district": district,
        "form": form,
        "rows": rows,
        "start": start.date(),
        "until": (end - timedelta(days=1)).date(),
        "min_enterprises": min_enterprises,
    }
    return render(request, "knowledge/_problem_clusters.html", context)


@role_page(R.HUB, *actions.PROBLEM_RECORDERS)
@require_POST
def problem_record(request: HttpRequest) -> HttpResponse:
    """The hub records a problem from the common problems; a service officer from a demand's page (`next`)."""
    code = request.POST.get("district") or request.GET.get("district")
    district = district_of(request.user, code, hub_only=False)
    hub = is_hub_of(request.user, district.pk)
    back = request.POST.get("next") or ""
    back = (
        back
        if back.startswith("/demands/")
        else (f"/cases/problems/?district={district.code}" if hub else "/")
    )
    ids = [int(pk) for pk in request.POST.getlist("demands") if pk.isdigit() and len(pk) < 19]
    demands = list(Demand.objects.for_user(request.user).filter(district=district, pk__in=ids))
    try:
        problem = actions.do_record_problem(
            district,
            request.user,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            demands=demands,
        )
    except DemandActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if not hub:
        messages.success(request, _("The problem is recorded; the service office has been told."))
        return redirect(back)
    messages.success(request, _("The typical problem is recorded."))
    return redirect("problem_detail", pk=problem.pk)


def _problem_for_hub(request: HttpRequest, pk: int) -> TypicalProblem:
    problem = (
        TypicalProblem.objects.filter(pk=pk, district_id__in=hub_district_ids(request.user))
        .select_related("district", "recorded_by", "agenda_item__meeting")
        .first()
    )
    if problem is None:
        raise Http404
    return problem


@role_page(R.HUB)
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from demandloop.meetings.choices import MeetingKindChoices, MeetingStatusChoices
    from demandloop.meetings.models import Meeting

    problem = _problem_for_hub(request, pk)
    meetings = Meeting.objects.filter(
        district=problem.district,
        kind=MeetingKindChoices.TOPIC,
        status__in=[MeetingStatusChoices.PLANNED, MeetingStatusChoices.HELD],
    ).order_by("scheduled_at", "pk")
    context = {
        "problem": problem,
        "demands": problem.demands.select_related("enterprise").order_by("-received_at", "-pk"),
        "meetings": meetings,
    }
    return render(request, "knowledge/problem_detail.html", context)


@role_page(R.HUB)
@require_POST
def problem_table(request: HttpRequest, pk: int) -> HttpResponse:
    from demandloop.meetings.models import Meeting

    problem = _problem_for_hub(request, pk)
    text = request.POST.get("meeting") or ""
    meeting = Meeting.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    try:
        actions.do_table_problem(problem, request.user, meeting=meeting)
    except DemandActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The problem is on the topic meeting's agenda."))
    return redirect("problem_detail", pk=problem.pk)

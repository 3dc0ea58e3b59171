"""The monthly report's pages: the live draft for the service office and the 12345 centre, its issue (印发), and
the issued reports for everyone of the district who works on demands.

    GET  /reports/monthly/?district=&month=YYYY-MM          the live draft (default: the last complete month),
                                                            with the month's issue, if any
    GET  /reports/monthly/report.docx?district=&month=      the draft as a Word document
    GET  /reports/monthly/report.xlsx?district=&month=      every table of it as an Excel workbook
    GET  /reports/monthly/issue/?district=&month=           the hub's confirmation (number, people told)
    POST /reports/monthly/issue/  district, month[, reason]  the hub issues the month's report (or a correction)
    GET  /reports/issued/?district=                         the archive of issued reports, newest first by year
    GET  /reports/issued/<pk>/                              an issued report, drawn from its snapshot
    GET  /reports/issued/<pk>/report.docx | report.xlsx     its files as issued

The draft is the hub's and the 12345 centre's; issued reports are read by every reader role of the district
(`reports.queries.READER_ROLES`). Anyone else — or another district — gets 404 (STYLE.md rule 3).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.demands.queries import is_hub_of
from demandloop.integrations.actions import do_mark_read_by_link
from demandloop.lib.downloads import as_download
from demandloop.org.choices import DISTRICT_ROLES
from demandloop.org.choices import RoleChoices as R
from demandloop.org.scope import resolve_scope
from demandloop.reports import actions, documents
from demandloop.reports.models import IssuedReport, issue_label
from demandloop.reports.monthly import (
    Month,
    MonthError,
    MonthlyReport,
    month_problems,
    monthly_report,
    report_districts,
)
from demandloop.reports.queries import (
    READER_ROLES,
    get_issued_report_for_user,
    issued_districts,
    report_readers,
)
from demandloop.reports.snapshot import from_snapshot
from demandloop.web.access import role_page
from demandloop.web.views.dashboard import chart_data, rate_labels


def chosen_district(user: Any, code: str | None, districts: list[Any] | None = None) -> Any:
    """The district asked for (by code), or the person's first; 404 when it is not one of theirs."""
    districts = list(report_districts(user)) if districts is None else districts
    district = next((d for d in districts if d.code == code), None) if code else next(iter(districts), None)
    if district is None:
        raise Http404
    return district


def chosen_month(request: HttpRequest) -> Month:
    text = request.GET.get("month")
    return Month.parse(text) if text else Month.last_complete()


def report_for(
    request: HttpRequest, *, with_problems: bool = True, districts: list[Any] | None = None
) -> tuple[Any, MonthlyReport | None, str]:
    """(district, report, error): the report of the request's district and month, or the month's error."""
    district = chosen_district(request.user, request.GET.get("district"), districts)
    try:
        month = chosen_month(request)
    except MonthError as error:
        return district, None, str(error)
    return district, shared_report(request.user, district, month, with_problems=with_problems), ""


# A report is shared for two minutes by everyone who may read it (they all see the whole district), like the
# dashboard's figures: at 100,000 demands it reads a year of them (0.2–0.5 s). Its key names the month's
# demands by their number, latest change and latest id, so a demand received or changed in the month makes the
# next view compute it anew; changes to other months of the trend show within the two minutes.
REPORT_SECONDS = 120


def shared_report(user: Any, district: Any, month: Month, *, with_problems: bool) -> MonthlyReport:
    cohort = Demand.objects.filter(district=district, received_at__gte=month.start, received_at__lt=month.end)
    stamp = cohort.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = f"reports:monthly:{district.pk}:{month.iso}:{int(with_problems)}:{stamp['n']}:{last}:{stamp['top']}"
    report: MonthlyReport | None = cache.get(key)
    if report is None:
        demands = Demand.objects.for_user(user)
        report = monthly_report(district, month, demands=demands, with_problems=with_problems)
        cache.set(key, report, REPORT_SECONDS)
    return report


def chart(report: MonthlyReport) -> dict[str, Any]:
    """The trend as ECharts draws it: demands per month (bars) and the four rates (lines), drawn from the same
    series as the dashboard's charts."""
    return {
        **chart_data(report.trend, ""),
        "total": [point.total for point in report.trend],
        "names": {"total": _("Demands"), **rate_labels()},
    }


@role_page(*DISTRICT_ROLES)
def monthly(request: HttpRequest) -> HttpResponse:
    districts = list(report_districts(request.user))
    district, report, error = report_for(request, with_problems=False, districts=districts)
    context: dict[str, Any] = {
        "district": district,
        "districts": districts,
        "month_value": request.GET.get("month") or Month.last_complete().iso,
        "error": error,
        "report": report,
    }
    if report is not None:
        context.update(
            {
                "title": documents.title(report),
                "overview": documents.overview(report),
                "overdue_sentence": documents.overdue_sentence(report),
                "chart": chart(report),
                "query": f"district={district.code}&month={report.month.iso}",
                **issue_panel(request.user, district, report.month),
            }
        )
    return render(request, "reports/monthly.html", context, status=400 if error else 200)


def issue_panel(user: Any, district: Any, month: Month) -> dict[str, Any]:
    """What the draft's page says of the month's issue: the issue in force and the corrected ones, and whether to
    offer the hub the button (its confirmation, with the number and the people told, loads when opened: the
    cached draft stays a handful of queries)."""
    history = list(
        IssuedReport.objects.without_files()
        .filter(district=district, month=month.first_day)
        .select_related("issued_by")
        .order_by("-issued_at", "-pk")
    )
    month_over = timezone.now() >= month.end
    return {
        "current": next((issue for issue in history if issue.is_current), None),
        "history": history,
        "month_over": month_over,
        # The action checks that the person is this district's hub; the page asks only whether it is a hub.
        "can_issue": month_over and R.HUB in resolve_scope(user).roles,
    }


# The fields of an issue, as the refusals name them.
def _field_label(field: str | None) -> str:
    return {"month": _("Month"), "reason": _("Reason for the correction")}.get(field or "", "")


@role_page(R.HUB)
@require_http_methods(["GET", "POST"])
def monthly_issue(request: HttpRequest) -> HttpResponse:
    """GET: the confirmation the hub reads before issuing (the number it will take, the people told). POST: the
    hub issues the month's report (or, with a reason, a correction of it); then reads the issue."""
    if request.method == "GET":
        return _issue_confirmation(request)
    district = chosen_district(request.user, request.POST.get("district"))
    back = f"{reverse('monthly_report')}?{urlencode({'district': district.code, 'month': request.POST.get('month', '')})}"
    try:
        month = Month.parse(request.POST.get("month", ""))
        issued = actions.do_issue_report(district, request.user, month, reason=request.POST.get("reason", ""))
    except MonthError as error:
        messages.error(request, f"{_field_label('month')}：{error}")
        return redirect(back)
    except DemandActionError as error:
        label = _field_label(error.field)
        messages.error(request, f"{label}：{error.message}" if label else error.message)
        return redirect(back)
    messages.success(
        request,
        _("Issued as %(issue)s; %(n)d people were notified.")
        % {"issue": issued.number_label, "n": issued.recipients},
    )
    return redirect("issued_report_detail", pk=issued.pk)


def _issue_confirmation(request: HttpRequest) -> HttpResponse:
    district = chosen_district(request.user, request.GET.get("district"))
    if not is_hub_of(request.user, district.pk):
        raise Http404
    try:
        month = chosen_month(request)
    except MonthError as error:
        return month_refused(str(error))
    year = timezone.localdate().year
    context = {
        "district": district,
        "month": month,
        "current": actions.current_issue(district, month),
        "next_number_label": issue_label(year, actions.next_number(district, year)),
        "recipients_count": len(report_readers(district)),
    }
    return render(request, "reports/_issue_form.html", context)


@role_page(*READER_ROLES)
@require_GET
def issued_list(request: HttpRequest) -> HttpResponse:
    districts = list(issued_districts(request.user))
    code = request.GET.get("district")
    district = next((d for d in districts if d.code == code), None) if code else next(iter(districts), None)
    if district is None:
        raise Http404
    issues = list(
        IssuedReport.objects.for_user(request.user)
        .without_files()
        .filter(district=district)
        .select_related("issued_by", "correction")
        .order_by("-year", "-number")
    )
    years: dict[int, list[IssuedReport]] = {}
    for issue in issues:
        years.setdefault(issue.year, []).append(issue)
    context = {
        "district": district,
        "districts": districts,
        "years": list(years.items()),
        "live": district in report_districts(request.user),
    }
    return render(request, "reports/issued_list.html", context)


@role_page(*READER_ROLES)
@require_GET
def issued_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued report as it was issued: drawn from its snapshot, whatever the demands became since."""
    issue = get_issued_report_for_user(request.user, pk)
    report = from_snapshot(issue.snapshot)
    ids = [entry.pk for entry in report.overdue]
    context = {
        "issue": issue,
        "report": report,
        "title": documents.title(report),
        "overview": documents.overview(report),
        "overdue_sentence": documents.overdue_sentence(report),
        "chart": chart(report),
        "problems": [documents.problem_text(p, report.department_names) for p in report.common_problems],
        # The overdue lines link to the demands the reader reaches; the others are named, not linked.
        "reached": set(Demand.objects.for_user(request.user).filter(pk__in=ids).values_list("pk", flat=True)),
    }
    do_mark_read_by_link(request.user, request.path)
    return render(request, "reports/issued_detail.html", context)


def _issued_file(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    issue = get_issued_report_for_user(request.user, pk)
    content = bytes(issue.docx if extension == "docx" else issue.xlsx)
    report = from_snapshot(issue.snapshot)
    return as_download(documents.named_file(report, extension, content, actions.issue_mark(issue)))


@role_page(*READER_ROLES)
@require_GET
def issued_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _issued_file(request, pk, "docx")


@role_page(*READER_ROLES)
@require_GET
def issued_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _issued_file(request, pk, "xlsx")


def month_refused(error: str) -> HttpResponse:
    """A file or a part of the page asked for with a bad month: 400, naming the field."""
    return HttpResponse(
        _("month: %(error)s") % {"error": error}, status=400, content_type="text/plain; charset=utf-8"
    )


@role_page(*DISTRICT_ROLES)
def monthly_problems(request: HttpRequest) -> HttpResponse:
    """The month's common problems, loaded by the page on its own (clustering takes seconds in a large
    district; the rest of the report does not wait for it)."""
    district = chosen_district(request.user, request.GET.get("district"))
    try:
        month = chosen_month(request)
    except MonthError as error:
        return month_refused(str(error))
    departments = dict(district.departments.values_list("code", "name"))
    problems = [documents.problem_text(p, departments) for p in month_problems(district, month)]
    return render(request, "reports/_problems.html", {"problems": problems})


def _download(request: HttpRequest, extension: str) -> HttpResponse:
    _district, report, error = report_for(request)
    if report is None:
        return month_refused(error)
    return as_download(documents.report_file(report, extension))


@role_page(*DISTRICT_ROLES)
def monthly_docx(request: HttpRequest) -> HttpResponse:
    return _download(request, "docx")


@role_page(*DISTRICT_ROLES)
def monthly_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")

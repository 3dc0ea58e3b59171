"""The monthly report's page and its downloads (Word, Excel) for the service office and the 12345 centre.

    GET /reports/monthly/?district=&month=YYYY-MM          the page (default: the last complete month)
    GET /reports/monthly/report.docx?district=&month=      the 通报 as a Word document
    GET /reports/monthly/report.xlsx?district=&month=      every table of it as an Excel workbook

Anyone else — or a district the person does not serve in those roles — gets 404 (STYLE.md rule 3).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from demandloop.demands.models import Demand
from demandloop.lib.downloads import as_download
from demandloop.org.choices import DISTRICT_ROLES
from demandloop.reports import documents
from demandloop.reports.monthly import (
    Month,
    MonthError,
    MonthlyReport,
    month_problems,
    monthly_report,
    report_districts,
)
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
            }
        )
    return render(request, "reports/monthly.html", context, status=400 if error else 200)


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

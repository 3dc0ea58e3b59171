"""The monthly report over the API, for the service office and the 12345 centre.

    GET /api/v1/reports/monthly/?district=&month=YYYY-MM&format=json|docx|xlsx

JSON carries every figure of the report (the same `MonthlyReport` the page, the Word document and the workbook
are drawn from); docx and xlsx answer the files. Anyone else, or a district the person does not serve in those
roles, gets 404 (STYLE.md rule 3); a bad month or format is a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demandloop.core.api_views import FileFormatNegotiation
from demandloop.lib.downloads import as_download
from demandloop.reports import documents
from demandloop.reports.monthly import Month, MonthError, MonthlyReport, overdue_entry
from demandloop.reports.queries import COUNTS, RATE_NAMES, Rates
from demandloop.reports.views import chosen_district, shared_report

FORMATS = ("json", "docx", "xlsx")


class MonthlyQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    month = serializers.CharField(label=_("month"), required=False)
    format = serializers.ChoiceField(
        label=_("file format"),
        choices=list(FORMATS),
        default="json",
        error_messages={
            "invalid_choice": _("format must be json, docx (Word) or xlsx (Excel), not “{input}”.")
        },
    )

    def validate_month(self, value: str) -> Month:
        try:
            return Month.parse(value)
        except MonthError as error:
            raise serializers.ValidationError(str(error)) from error


def rates_dict(rates: Rates) -> dict[str, Any]:
    return {
        "key": rates.key.isoformat() if hasattr(rates.key, "isoformat") else rates.key,
        "label": rates.label,
        **{name: getattr(rates, name) for name in (*COUNTS, *RATE_NAMES)},
    }


def report_dict(report: MonthlyReport) -> dict[str, Any]:
    return {
        "district": report.district.code,
        "month": report.month.iso,
        "generated_at": report.generated_at.isoformat(),
        "complete": report.complete,
        "title": documents.title(report),
        "overview": documents.overview(report),
        "totals": rates_dict(report.totals),
        "previous_month": rates_dict(report.previous),
        "change_percent": report.change,
        "year_to_date": rates_dict(report.year_to_date),
        "by_channel": [
            {"channel": value, "label": label, "count": n} for value, label, n in report.by_channel
        ],
        "by_area": [{"rank": r.rank, **rates_dict(r.rates)} for r in report.by_area],
        "by_department": [{"rank": r.rank, **rates_dict(r.rates)} for r in report.by_department],
        "by_leader_post": [{"rank": r.rank, **rates_dict(r.rates)} for r in report.by_leader],
        "by_tier": [rates_dict(r) for r in report.by_tier],
        "trend": [rates_dict(r) for r in report.trend],
        "whistles": [
            {
                "department": w.department,
                "summoned": w.summoned,
                "reported": w.reported,
                "on_time": w.on_time,
                "late": w.late,
                "not_reported": w.not_reported,
                "overdue_unreported": w.overdue_unreported,
            }
            for w in report.whistles
        ],
        "common_problems": [p.as_dict() for p in report.common_problems],
        "overdue_count": report.overdue_count,
        "overdue": [
            {
                "id": d.pk,
                "title": d.title,
                "enterprise": d.enterprise,
                "status": d.status,
                "deadline_missed": d.deadline_missed.isoformat() if d.deadline_missed else None,
            }
            for d in map(overdue_entry, report.overdue)
        ],
    }


class MonthlyReportView(APIView):
    """The district's monthly report (月度通报): the 三率 and on-time rate of the month's demands, by area,
    department, leader's post and tier, ranked; channels; the trend; whistles; common problems; overdue."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("district", str, description=str(_("district code"))),
            OpenApiParameter(
                "month", str, description=str(_("the month, as YYYY-MM (default: the last one)"))
            ),
            OpenApiParameter("format", str, enum=list(FORMATS), description=str(_("json, docx or xlsx"))),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=str(_("the report, or its file"))),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description=str(_("a bad month or format"))),
        },
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = MonthlyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        district = chosen_district(request.user, values.get("district"))
        month = values.get("month") or Month.last_complete()
        report = shared_report(request.user, district, month, with_problems=True)
        kind = values["format"]
        if kind == "json":
            return Response(report_dict(report))
        return as_download(documents.report_file(report, kind))

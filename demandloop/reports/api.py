"""The monthly report over the API: the live draft for the service office and the 12345 centre, and the issued
reports for everyone of the district who works on demands.

    GET  /api/v1/reports/monthly/?district=&month=YYYY-MM&format=json|docx|xlsx     the live draft
    GET  /api/v1/reports/issued/?district=&year=&current=                           issued reports, newest first
    GET  /api/v1/reports/issued/{id}/?format=json|docx|xlsx                         one, with its figures as issued
    POST /api/v1/reports/issued/issue/  {district, month, reason}                   the hub issues (or corrects)

JSON carries every figure of the report (the same `MonthlyReport` the page, the Word document and the workbook
are drawn from; for an issued one, read back from its snapshot); docx and xlsx answer the files (for an issued
one, the files as issued). Anyone else, or another district, gets 404 (STYLE.md rule 3); a bad month, format or
reason is a 400 naming the field; a second issue without a reason is refused the same way.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demandloop.core.api_views import FileFormatNegotiation
from demandloop.lib.downloads import OFFICE_FORMATS, as_download
from demandloop.org.choices import RoleChoices
from demandloop.org.models import District
from demandloop.reports import actions, documents
from demandloop.reports.filtersets import IssuedReportFilterSet
from demandloop.reports.models import IssuedReport
from demandloop.reports.monthly import Month, MonthError, MonthlyReport, overdue_entry
from demandloop.reports.queries import COUNTS, RATE_NAMES, Rates, get_issued_report_for_user
from demandloop.reports.snapshot import from_snapshot
from demandloop.reports.views import chosen_district, shared_report

FORMATS = ("json", "docx", "xlsx")


def format_field() -> serializers.ChoiceField:
    """`?format=`: JSON, or the report as a Word document or an Excel workbook."""
    return serializers.ChoiceField(
        label=_("file format"),
        choices=list(FORMATS),
        default="json",
        error_messages={
            "invalid_choice": _("format must be json, docx (Word) or xlsx (Excel), not “{input}”.")
        },
    )


class MonthlyQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    month = serializers.CharField(label=_("month"), required=False)
    format = format_field()

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


# --- Issued reports ----------------------------------------------------------------------------------------


class IssuedReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    district = serializers.CharField(source="district.code")
    month = serializers.SerializerMethodField()
    number_label = serializers.CharField()
    issued_by = serializers.CharField(source="issued_by.get_full_name")
    is_current = serializers.BooleanField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    corrected_by = serializers.SerializerMethodField()

    class Meta:
        model = IssuedReport
        fields = [
            "id",
            "district",
            "month",
            "year",
            "number",
            "number_label",
            "issued_at",
            "issued_by",
            "reason",
            "corrects",
            "corrected_by",
            "superseded_at",
            "is_current",
            "recipients",
        ]

    def get_month(self, issue: IssuedReport) -> str:
        return f"{issue.month:%Y-%m}"

    def get_corrected_by(self, issue: IssuedReport) -> int | None:
        correction = getattr(issue, "correction", None) if issue.superseded_at else None
        return correction.pk if correction is not None else None


class IssuedReportDetailSerializer(IssuedReportSerializer):
    report = serializers.SerializerMethodField()

    class Meta(IssuedReportSerializer.Meta):
        fields = [*IssuedReportSerializer.Meta.fields, "report"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_report(self, issue: IssuedReport) -> dict[str, Any]:
        return report_dict(from_snapshot(issue.snapshot))


class IssueSerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    month = serializers.CharField(label=_("month"))
    reason = serializers.CharField(
        label=_("reason for the correction"),
        required=False,
        allow_blank=True,
        max_length=actions.REASON_LENGTH,
        default="",
    )

    def validate_month(self, value: str) -> Month:
        try:
            return Month.parse(value)
        except MonthError as error:
            raise serializers.ValidationError(str(error)) from error


class IssuedFormatSerializer(serializers.Serializer):
    format = format_field()


class IssuedReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Issued monthly reports (印发的月度通报): numbered, dated and frozen; read by everyone of the district who works
    on demands; issued, or corrected with a reason, by its government service office."""

    serializer_class = IssuedReportSerializer
    filterset_class = IssuedReportFilterSet
    content_negotiation_class = FileFormatNegotiation

    def get_queryset(self) -> QuerySet[IssuedReport]:
        return (
            IssuedReport.objects.for_user(self.request.user)
            .without_files()
            .select_related("district", "issued_by", "correction")
            .order_by("-year", "-number", "-pk")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), description=str(_("json, docx or xlsx"))),
        ],
        responses={
            200: IssuedReportDetailSerializer,
            (200, OFFICE_FORMATS["docx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=str(_("the Word document as issued"))
            ),
            (200, OFFICE_FORMATS["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=str(_("the Excel workbook as issued"))
            ),
        },
        summary=_("An issued monthly report, with its figures as issued, or its files"),
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        query = IssuedFormatSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        issue = get_issued_report_for_user(request.user, kwargs.get("pk"))
        kind = query.validated_data["format"]
        if kind == "json":
            return Response(IssuedReportDetailSerializer(issue).data)
        content = bytes(issue.docx if kind == "docx" else issue.xlsx)
        report = from_snapshot(issue.snapshot)
        return as_download(documents.named_file(report, kind, content, actions.issue_mark(issue)))

    @extend_schema(
        request=IssueSerializer,
        responses={201: IssuedReportDetailSerializer},
        summary=_("Issue a month's report, or a correction of it with a reason (the hub)"),
    )
    @action(detail=False, methods=["post"])
    def issue(self, request: Request) -> Response:
        data = IssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        hubs = District.objects.filter(
            is_active=True,
            memberships__user=request.user,
            memberships__is_active=True,
            memberships__role=RoleChoices.HUB,
        ).order_by("code")
        district = hubs.filter(code=values["district"]).first() if values.get("district") else hubs.first()
        if district is None:
            raise Http404
        issued = actions.do_issue_report(district, request.user, values["month"], reason=values["reason"])
        issue = get_issued_report_for_user(request.user, issued.pk)
        return Response(IssuedReportDetailSerializer(issue).data, status=status.HTTP_201_CREATED)

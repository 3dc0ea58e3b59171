"""REST API of whistles and meetings: `/api/v1/whistles/` and `/api/v1/meetings/`.

Reads are scoped (`Whistle.objects.for_user`, `Meeting.objects.for_user`; outside is 404); writes go through
`meetings.actions`, whose refusals keep their meaning (400 names the field, 403 the missing role, 409 the state).
Both lists have a per-department count: `whistles/by-department/` and `meetings/decisions-by-department/`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.demands.errors import ActionForbidden
from demandloop.demands.models import Demand
from demandloop.demands.queries import get_demand_for_user
from demandloop.meetings import actions
from demandloop.meetings.export import meeting_minutes_docx
from demandloop.meetings.models import Meeting, MeetingDecision, Supervision, Whistle, WhistleResponse
from demandloop.meetings.queries import (
    agenda_candidates,
    decision_figures,
    get_meeting_for_user,
    get_whistle_for_user,
    whistle_figures,
)
from demandloop.meetings.serializers import (
    AgendaItemCreateSerializer,
    DecisionCreateSerializer,
    MeetingCreateSerializer,
    MeetingSerializer,
    MinutesSerializer,
    ReportInSerializer,
    SuperviseSerializer,
    SupervisionSerializer,
    WhistleCreateSerializer,
    WhistleSerializer,
)
from demandloop.org.models import Department, District
from demandloop.org.scope import resolve_scope

PERIOD_PARAMETERS = [
    OpenApiParameter("since", OpenApiTypes.DATETIME, description=gettext_lazy("from (inclusive)")),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description=gettext_lazy("until (exclusive)")),
]


def _departments(user: Any, ids: list[int], field: str) -> list[Department]:
    scope = resolve_scope(user)
    found = {d.pk: d for d in Department.objects.filter(pk__in=ids, district_id__in=scope.district_ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError({field: [_("Unknown department: %(ids)s") % {"ids": missing}]})
    return [found[pk] for pk in ids]


def _period(request: Request) -> tuple[datetime | None, datetime | None]:
    field = serializers.DateTimeField(required=False)
    values = []
    for name in ("since", "until"):
        raw = request.query_params.get(name)
        try:
            values.append(field.to_internal_value(raw) if raw else None)
        except serializers.ValidationError:
            raise serializers.ValidationError(
                {name: [_("Give a date and time, e.g. 2026-01-01T00:00:00+08:00.")]}
            ) from None
    return values[0], values[1]


class WhistleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Whistles (吹哨) and report-ins (报到)."""

    serializer_class = WhistleSerializer
    filterset_fields = ["demand"]

    def get_queryset(self) -> QuerySet[Whistle]:
        return (
            Whistle.objects.for_user(self.request.user)
            .select_related("district", "blown_by")
            .prefetch_related("responses__department", "responses__reported_by")
            .order_by("-blown_at", "-pk")
        )

    def get_object(self) -> Whistle:
        get_whistle_for_user(self.request.user, self.kwargs.get("pk"))
        return self.get_queryset().get(pk=self.kwargs.get("pk"))

    @extend_schema(
        request=WhistleCreateSerializer,
        responses={201: WhistleSerializer},
        summary=gettext_lazy("Blow the whistle: summon departments to a demand"),
    )
    def create(self, request: Request) -> Response:
        data = WhistleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demand = get_demand_for_user(request.user, data.validated_data["demand"])
        departments = _departments(request.user, data.validated_data["departments"], "departments")
        whistle = actions.do_blow_whistle(
            demand, request.user, departments=departments, reason=data.validated_data["reason"]
        )
        return Response(
            WhistleSerializer(self.get_queryset().get(pk=whistle.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ReportInSerializer,
        responses={200: WhistleSerializer},
        summary=gettext_lazy("Report in (报到) for your department"),
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: Any = None) -> Response:
        whistle = self.get_object()
        data = ReportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mine = resolve_scope(request.user).department_ids
        responses = whistle.responses.all()
        if "department" in data.validated_data:
            responses = responses.filter(department_id=data.validated_data["department"])
        response = responses.filter(department_id__in=mine).first() or responses.first()
        if response is None:
            raise serializers.ValidationError({"department": [_("This department was not summoned.")]})
        actions.do_report_in(response, request.user, note=data.validated_data["note"])
        return Response(WhistleSerializer(self.get_queryset().get(pk=whistle.pk)).data)

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary=gettext_lazy("Summoned, reported on time, late and not reported, per department"),
    )
    @action(detail=False, methods=["get"], url_path="by-department")
    def by_department(self, request: Request) -> Response:
        since, until = _period(request)
        responses = WhistleResponse.objects.filter(whistle__in=self.get_queryset().values("pk"))
        figures = whistle_figures(responses, now=timezone.now(), since=since, until=until)
        return Response(
            [
                {
                    "department_id": f.department_id,
                    "department": f.department,
                    "summoned": f.summoned,
                    "reported": f.reported,
                    "on_time": f.on_time,
                    "late": f.late,
                    "not_reported": f.not_reported,
                    "overdue_unreported": f.overdue_unreported,
                    "on_time_rate": f.on_time_rate,
                }
                for f in figures
            ]
        )


class SupervisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Supervision (督办) of the demands you see: the sweep's steps, and 督办 by hand of the hub or the grid
    centre (POST)."""

    serializer_class = SupervisionSerializer
    filterset_fields = ["demand", "step"]

    def get_queryset(self) -> QuerySet[Supervision]:
        return (
            Supervision.objects.filter(demand__in=Demand.objects.for_user(self.request.user).values("pk"))
            .select_related("department", "by")
            .order_by("-at", "-pk")
        )

    @extend_schema(
        request=SuperviseSerializer,
        responses={201: SupervisionSerializer},
        summary=gettext_lazy(
            "Supervise a demand by hand: its handlers and their leads are told what is urged"
        ),
    )
    def create(self, request: Request) -> Response:
        data = SuperviseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demand = get_demand_for_user(request.user, data.validated_data["demand"])
        record = actions.do_supervise(demand, request.user, note=data.validated_data["note"])
        return Response(
            SupervisionSerializer(self.get_queryset().get(pk=record.pk)).data, status=status.HTTP_201_CREATED
        )


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Coordination, joint and topic meetings: agenda, minutes, decisions, conclusion, 会议纪要."""

    serializer_class = MeetingSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self) -> QuerySet[Meeting]:
        return (
            Meeting.objects.for_user(self.request.user)
            .select_related("district", "called_by")
            .prefetch_related(
                "agenda__demand",
                "attendees__department",
                "attendees__user",
                "decisions__lead_department",
                "decisions__co_departments",
            )
            .order_by("-scheduled_at", "-pk")
        )

    def get_object(self) -> Meeting:
        get_meeting_for_user(self.request.user, self.kwargs.get("pk"))
        return self.get_queryset().get(pk=self.kwargs.get("pk"))

    def _meeting_response(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        return Response(MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data, status=code)

    def _demands(self, ids: list[int]) -> list[Demand]:
        return [get_demand_for_user(self.request.user, pk) for pk in ids]

    @extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer},
        summary=gettext_lazy("Call a meeting (the agenda defaults to the demands awaiting a decision)"),
    )
    def create(self, request: Request) -> Response:
        data = MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        whistle = get_whistle_for_user(request.user, values["whistle"]) if values["whistle"] else None
        district = whistle.district if whistle else self._district(request)
        meeting = actions.do_call_meeting(
            district,
            request.user,
            kind=values["kind"],
            title=values["title"],
            scheduled_at=values["scheduled_at"],
            location=values["location"],
            chair=values["chair"],
            whistle=whistle,
            departments=_departments(request.user, values["departments"], "departments"),
            demands=self._demands(values["demands"]) if values["demands"] is not None else None,
            topics=[actions.AgendaTopic(t["topic"], t["note"]) for t in values["topics"]],
        )
        return self._meeting_response(meeting, status.HTTP_201_CREATED)

    def _district(self, request: Request) -> District:
        scope = resolve_scope(request.user)
        ids = sorted(scope.full_district_ids)
        code = request.data.get("district") if hasattr(request.data, "get") else None
        district = District.objects.filter(pk__in=ids, **({"code": code} if code else {})).first()
        if district is None:
            raise ActionForbidden(_("Only the hub calls joint and topic meetings."))
        return district

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary=gettext_lazy("Demands waiting for a tier-3 decision and on no open agenda"),
    )
    @action(detail=False, methods=["get"])
    def candidates(self, request: Request) -> Response:
        scope = resolve_scope(request.user)
        rows = []
        for district in District.objects.filter(pk__in=scope.full_district_ids):
            for demand in agenda_candidates(district).filter(
                pk__in=Demand.objects.for_user(request.user).values("pk")
            ):
                rows.append(
                    {
                        "id": demand.pk,
                        "district": district.code,
                        "title": demand.title,
                        "response_due": demand.response_due,
                    }
                )
        return Response(rows)

    @extend_schema(
        request=AgendaItemCreateSerializer,
        responses={201: MeetingSerializer},
        summary=gettext_lazy("Add a demand or a common problem to the agenda"),
    )
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, pk: Any = None) -> Response:
        meeting = self.get_object()
        data = AgendaItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demand = (
            get_demand_for_user(request.user, data.validated_data["demand"])
            if data.validated_data["demand"]
            else None
        )
        actions.do_add_agenda_item(
            meeting,
            request.user,
            demand=demand,
            topic=data.validated_data["topic"],
            note=data.validated_data["note"],
        )
        return self._meeting_response(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        request=MinutesSerializer,
        responses={200: MeetingSerializer},
        summary=gettext_lazy("Record the minutes and who attended"),
    )
    @action(detail=True, methods=["post"])
    def minutes(self, request: Request, pk: Any = None) -> Response:
        meeting = self.get_object()
        data = MinutesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_record_minutes(
            meeting,
            request.user,
            minutes=data.validated_data["minutes"],
            attended_department_ids=data.validated_data["attended_departments"],
        )
        return self._meeting_response(meeting)

    @extend_schema(
        request=DecisionCreateSerializer,
        responses={201: MeetingSerializer},
        summary=gettext_lazy("Record the decision on one demand: lead, co-departments, deadline"),
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request: Request, pk: Any = None) -> Response:
        meeting = self.get_object()
        data = DecisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        [lead] = _departments(request.user, [values["lead_department"]], "lead_department")
        actions.do_record_decision(
            meeting,
            request.user,
            demand=get_demand_for_user(request.user, values["demand"]),
            lead_department=lead,
            co_departments=_departments(request.user, values["co_departments"], "co_departments"),
            deadline=values["deadline"],
            note=values["note"],
        )
        return self._meeting_response(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: MeetingSerializer},
        summary=gettext_lazy("Conclude: apply every decision to its demand"),
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: Any = None) -> Response:
        meeting = self.get_object()
        actions.do_conclude_meeting(meeting, request.user)
        return self._meeting_response(meeting)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ): OpenApiTypes.BINARY
        },
        summary=gettext_lazy("The meeting record (会议纪要) as a Word document"),
    )
    @action(detail=True, methods=["get"])
    def minutes_docx(self, request: Request, pk: Any = None) -> HttpResponse:
        meeting = self.get_object()
        content = meeting_minutes_docx(meeting)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.docx"'
        return response

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT}, summary=gettext_lazy("Meeting decisions per lead department")
    )
    @action(detail=False, methods=["get"], url_path="decisions-by-department")
    def decisions_by_department(self, request: Request) -> Response:
        decisions = MeetingDecision.objects.filter(meeting__in=self.get_queryset().values("pk"))
        return Response(decision_figures(decisions))

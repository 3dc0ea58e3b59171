"""Typical cases and the annual 十佳服务案例 over the API.

GET    /api/v1/cases/?district=&year=&status=&mine=&q=     the cases the user reads (see `cases.scope_cases`)
POST   /api/v1/cases/                                      nominate a demand (officer, department, hub)
GET    /api/v1/cases/{id}/  PATCH/PUT /api/v1/cases/{id}/ one case; edit (author, or the hub)
GET    /api/v1/cases/{id}/events/                          its history
POST   /api/v1/cases/{id}/accept/ | /return/               the hub's review
GET    /api/v1/cases/draft/?demand=                        the draft a nomination starts from
GET    /api/v1/cases/selection/?district=&year=            the year's selection (hub: with its candidates)
PUT    /api/v1/cases/selection/                            set it (hub)
POST   /api/v1/cases/selection/publish/ | unpublish/       publish, or unpublish with a reason (hub)
GET    /api/v1/cases/export/?district=&year=&collection=top10|accepted&format=docx|xlsx
GET|POST /api/v1/typical-problems/  GET /{id}/  POST /{id}/agenda/   typical problems (the hub; a service
                                                                   officer may POST one)

A case or a district outside the user's reach is 404, the same as a missing one (STYLE.md rule 3).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.core.api import IdField, changes_of
from demandloop.core.api_views import FileFormatNegotiation
from demandloop.demands.api import ERROR_RESPONSES
from demandloop.demands.models import Demand
from demandloop.demands.queries import district_of, get_demand_for_user, is_hub_of
from demandloop.knowledge import actions
from demandloop.knowledge.casebook import COLLECTIONS, EXPORT_FORMATS, casebook_file
from demandloop.knowledge.cases import (
    case_draft,
    demand_facts,
    enterprise_label,
    get_case_for_user,
    hub_district_ids,
    nomination_refusal,
)
from demandloop.knowledge.filtersets import TypicalCaseFilterSet
from demandloop.knowledge.models import CaseSelection, TypicalCase, TypicalProblem
from demandloop.knowledge.selection import candidates, download_allowed
from demandloop.lib.downloads import DOCX, XLSX, as_download
from demandloop.org.models import District
from demandloop.org.scope import resolve_scope

FORMAT_NAMES = list(EXPORT_FORMATS)
COLLECTION_NAMES = list(COLLECTIONS)


class CaseFactsSerializer(serializers.Serializer):
    tier_level = serializers.IntegerField(allow_null=True)
    tier_name = serializers.CharField()
    tiers_passed = serializers.ListField(child=serializers.IntegerField())
    departments = serializers.ListField(child=serializers.CharField())
    whistles = serializers.IntegerField()
    working_days = serializers.IntegerField(allow_null=True)
    completion_due = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    solved = serializers.CharField()
    satisfied = serializers.CharField()


class TypicalCaseSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.get_full_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = TypicalCase
        fields = [
            "id",
            "district",
            "demand",
            "year",
            "title",
            "background",
            "approach",
            "outcome",
            "lessons",
            "tags",
            "anonymous",
            "enterprise",
            "status",
            "status_label",
            "author",
            "author_role",
            "return_reason",
            "accepted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_enterprise(self, case: TypicalCase) -> str:
        return enterprise_label(case, self.context["request"].user)


class TypicalCaseDetailSerializer(TypicalCaseSerializer):
    facts = serializers.SerializerMethodField()

    class Meta(TypicalCaseSerializer.Meta):
        fields = [*TypicalCaseSerializer.Meta.fields, "facts"]
        read_only_fields = fields

    @extend_schema_field(CaseFactsSerializer)
    def get_facts(self, case: TypicalCase) -> dict[str, Any]:
        facts = demand_facts(case.demand)
        return CaseFactsSerializer(facts).data


class TypicalCaseWriteSerializer(serializers.Serializer):
    """A nomination (with `demand`) or an edit (without): the texts, tags and whether to anonymise."""

    demand = IdField(label=_("demand"), required=False)
    title = serializers.CharField(label=_("title"), max_length=200, allow_blank=True)
    background = serializers.CharField(label=_("background"), allow_blank=True)
    approach = serializers.CharField(label=_("what was done"), allow_blank=True)
    outcome = serializers.CharField(label=pgettext_lazy("typical case", "outcome"), allow_blank=True)
    lessons = serializers.CharField(label=_("lessons"), allow_blank=True)
    tags = serializers.ListField(label=_("tags"), child=serializers.CharField(max_length=20), required=False)
    anonymous = serializers.BooleanField(label=_("anonymise the enterprise"), required=False, default=False)
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, default="")


class CaseReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), allow_blank=True)


class CaseAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, default="")


class CaseEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    actor_role = serializers.CharField()
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class CaseDraftSerializer(serializers.Serializer):
    title = serializers.CharField()
    background = serializers.CharField()
    approach = serializers.CharField()
    outcome = serializers.CharField()
    lessons = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())


class SelectionQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    year = serializers.IntegerField(label=_("year"), min_value=2000, max_value=2100)


class SelectionSetSerializer(SelectionQuerySerializer):
    cases = serializers.ListField(label=_("cases"), child=IdField(), max_length=10)


class SelectionUnpublishSerializer(SelectionQuerySerializer):
    reason = serializers.CharField(label=_("reason"), allow_blank=True)


class SelectionEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    case = TypicalCaseSerializer()


class SelectionSerializer(serializers.Serializer):
    district = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    entries = SelectionEntrySerializer(many=True)
    candidates = TypicalCaseSerializer(many=True, required=False)


class CaseExportQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    year = serializers.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    collection = serializers.ChoiceField(
        label=_("collection"),
        choices=COLLECTION_NAMES,
        default="top10",
        error_messages={"invalid_choice": _("collection must be top10 or accepted, not “{input}”.")},
    )
    format = serializers.ChoiceField(
        label=_("file format"),
        choices=FORMAT_NAMES,
        default="docx",
        error_messages={"invalid_choice": _("format must be docx (Word) or xlsx (Excel), not “{input}”.")},
    )


DISTRICT_PARAMETER = OpenApiParameter(
    "district", str, description=_("district code (default: the first of the user's districts)")
)
YEAR_PARAMETER = OpenApiParameter(
    "year", int, required=True, description=_("the year the demands were resolved")
)


def _selection_data(
    selection: CaseSelection | None,
    district: District,
    year: int,
    context: dict[str, Any],
    *,
    with_candidates: bool,
) -> dict[str, Any]:
    entries = (
        list(
            selection.entries.select_related(
                "case__demand__enterprise", "case__author", "case__district"
            ).order_by("rank")
        )
        if selection
        else []
    )
    data: dict[str, Any] = {
        "district": district.code,
        "year": year,
        "status": selection.status if selection else "draft",
        "published_at": selection.published_at if selection else None,
        "entries": [
            {"rank": e.rank, "case": TypicalCaseSerializer(e.case, context=context).data} for e in entries
        ],
    }
    if with_candidates:
        data["candidates"] = TypicalCaseSerializer(
            candidates(district, year), many=True, context=context
        ).data
    return data


@extend_schema_view(
    list=extend_schema(summary=_("List the typical cases you may read")),
    retrieve=extend_schema(summary=_("One typical case, with the facts of its demand")),
)
class TypicalCaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Typical cases (典型案例): nomination, the hub's review, the annual top-ten selection, the casebook."""

    serializer_class = TypicalCaseSerializer
    filterset_class = TypicalCaseFilterSet

    def get_queryset(self) -> QuerySet[TypicalCase]:
        return (
            TypicalCase.objects.for_user(self.request.user)
            .select_related("district", "author", "demand__enterprise")
            .order_by("-year", "-created_at", "-pk")
        )

    def get_object(self) -> TypicalCase:
        return get_case_for_user(self.request.user, self.kwargs.get("pk"))

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return TypicalCaseDetailSerializer
        return super().get_serializer_class()

    def _case_response(self, case: TypicalCase, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            TypicalCaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        summary=_("Nominate a resolved demand as a typical case"),
        request=TypicalCaseWriteSerializer,
        responses={201: TypicalCaseDetailSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        body = TypicalCaseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        number = values.pop("demand", None)
        values.pop("note", None)
        if number is None:
            raise serializers.ValidationError({"demand": [_("Name the demand the case is written from.")]})
        demand = Demand.objects.for_user(request.user).filter(pk=number).first()
        if demand is None:
            raise serializers.ValidationError({"demand": [_("No such demand in your scope.")]})
        case = actions.do_nominate_case(demand, request.user, **values)
        return self._case_response(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Edit a typical case (a returned case edited by its author is resubmitted)"),
        request=TypicalCaseWriteSerializer,
        responses={200: TypicalCaseDetailSerializer, **ERROR_RESPONSES},
    )
    def update(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        current = {
            "title": case.title,
            "background": case.background,
            "approach": case.approach,
            "outcome": case.outcome,
            "lessons": case.lessons,
            "tags": case.tags,
            "anonymous": case.anonymous,
        }
        body = TypicalCaseWriteSerializer(data=changes_of(request, current))
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        values.pop("demand", None)
        return self._case_response(actions.do_edit_case(case, request.user, **values))

    @extend_schema(
        summary=_("Edit some fields of a typical case"),
        request=TypicalCaseWriteSerializer,
        responses={200: TypicalCaseDetailSerializer, **ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        return self.update(request, pk)

    @extend_schema(
        summary=_("The history of a typical case"), responses={200: CaseEventSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        rows = [
            {
                "at": e.at,
                "actor": e.actor.get_full_name() if e.actor else None,
                "actor_role": e.actor_role,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in case.events.select_related("actor").order_by("at", "pk")
        ]
        return Response(CaseEventSerializer(rows, many=True).data)

    @extend_schema(
        summary=_("Accept a typical case into the library (hub)"),
        request=CaseAcceptSerializer,
        responses={200: TypicalCaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], serializer_class=CaseAcceptSerializer, filterset_class=None)
    def accept(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        body = CaseAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._case_response(actions.do_accept_case(case, request.user, **body.validated_data))

    @extend_schema(
        summary=_("Return a typical case to its author for revision (hub)"),
        request=CaseReturnSerializer,
        responses={200: TypicalCaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        serializer_class=CaseReturnSerializer,
        filterset_class=None,
    )
    def return_case(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        body = CaseReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._case_response(actions.do_return_case(case, request.user, **body.validated_data))

    @extend_schema(
        summary=_("The draft of a nomination, written from the demand and its events"),
        parameters=[OpenApiParameter("demand", int, required=True, description=_("the demand's id"))],
        responses={200: CaseDraftSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def draft(self, request: Request) -> Response:
        demand = get_demand_for_user(request.user, request.query_params.get("demand"))
        refusal = nomination_refusal(request.user, demand)
        if refusal:
            return Response({"detail": refusal, "code": "not_allowed"}, status=status.HTTP_409_CONFLICT)
        return Response(CaseDraftSerializer(case_draft(demand)).data)

    @extend_schema(
        methods=["GET"],
        summary=_("The top-ten selection of a year (the hub also gets the candidates)"),
        parameters=[DISTRICT_PARAMETER, YEAR_PARAMETER],
        responses={200: SelectionSerializer, **ERROR_RESPONSES},
    )
    @extend_schema(
        methods=["PUT"],
        summary=_("Set the top-ten selection of a year, in order (hub)"),
        request=SelectionSetSerializer,
        responses={200: SelectionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["get", "put"], pagination_class=None, filterset_class=None)
    def selection(self, request: Request) -> Response:
        context = self.get_serializer_context()
        if request.method == "GET":
            query = SelectionQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            values = query.validated_data
            district = district_of(request.user, values.get("district"), hub_only=False)
            is_hub = district.pk in hub_district_ids(request.user)
            selection = CaseSelection.objects.filter(district=district, year=values["year"]).first()
            if not is_hub and (selection is None or not selection.is_published):
                # Others read a published selection only; a draft is the hub's work in progress.
                selection = None
            return Response(
                _selection_data(selection, district, values["year"], context, with_candidates=is_hub)
            )
        body = SelectionSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        district = district_of(request.user, values.get("district"), hub_only=True)
        found = {c.pk: c for c in TypicalCase.objects.filter(district=district, pk__in=values["cases"])}
        missing = [pk for pk in values["cases"] if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {"cases": [_("No such case in this district: %(ids)s.") % {"ids": missing}]}
            )
        selection = actions.do_set_selection(
            district, request.user, year=values["year"], cases=[found[pk] for pk in values["cases"]]
        )
        return Response(_selection_data(selection, district, selection.year, context, with_candidates=True))

    @extend_schema(
        summary=_("Publish the top-ten selection of a year (hub); it is frozen from then on"),
        request=SelectionQuerySerializer,
        responses={200: SelectionSerializer, **ERROR_RESPONSES},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="selection/publish",
        url_name="selection-publish",
        serializer_class=SelectionQuerySerializer,
        pagination_class=None,
        filterset_class=None,
    )
    def selection_publish(self, request: Request) -> Response:
        body = SelectionQuerySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        district = district_of(request.user, values.get("district"), hub_only=True)
        selection = CaseSelection.objects.filter(district=district, year=values["year"]).first()
        if selection is None:
            raise serializers.ValidationError({"cases": [_("Choose at least one case before publishing.")]})
        actions.do_publish_selection(selection, request.user)
        return Response(
            _selection_data(
                selection, district, selection.year, self.get_serializer_context(), with_candidates=True
            )
        )

    @extend_schema(
        summary=_("Unpublish the top-ten selection of a year, with a reason (hub)"),
        request=SelectionUnpublishSerializer,
        responses={200: SelectionSerializer, **ERROR_RESPONSES},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="selection/unpublish",
        url_name="selection-unpublish",
        serializer_class=SelectionUnpublishSerializer,
        pagination_class=None,
        filterset_class=None,
    )
    def selection_unpublish(self, request: Request) -> Response:
        body = SelectionUnpublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        district = district_of(request.user, values.get("district"), hub_only=True)
        selection = CaseSelection.objects.filter(district=district, year=values["year"]).first()
        if selection is None:
            raise serializers.ValidationError({"year": [_("No selection of this year.")]})
        actions.do_unpublish_selection(selection, request.user, reason=values["reason"])
        return Response(
            _selection_data(
                selection, district, selection.year, self.get_serializer_context(), with_candidates=True
            )
        )

    @extend_schema(
        summary=_("The casebook (案例汇编) of a year as a Word document or an Excel list"),
        description=_(
            "top10: the published top-ten cases, for everyone of the district; accepted: every case of the year "
            "accepted into the library, for the hub."
        ),
        parameters=[
            DISTRICT_PARAMETER,
            YEAR_PARAMETER,
            OpenApiParameter("collection", str, enum=COLLECTION_NAMES, default="top10"),
            OpenApiParameter("format", str, enum=FORMAT_NAMES, default="docx"),
        ],
        responses={
            (200, DOCX): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            400: OpenApiResponse(description=_("a bad year, collection or format")),
            404: OpenApiResponse(description=_("a district the user does not belong to")),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        content_negotiation_class=FileFormatNegotiation,
        pagination_class=None,
        filterset_class=None,
    )
    def export(self, request: Request) -> HttpResponse:
        query = CaseExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        district = district_of(request.user, values.get("district"), hub_only=False)
        if not download_allowed(request.user, district, values["collection"]):
            raise Http404
        return as_download(casebook_file(district, values["year"], values["collection"], values["format"]))


# --- Typical problems (典型问题) -----------------------------------------------------------------------------


class TypicalProblemSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    demands = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_full_name", read_only=True)
    meeting = serializers.IntegerField(
        source="agenda_item.meeting_id", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = TypicalProblem
        fields = [
            "id",
            "district",
            "title",
            "description",
            "demands",
            "recorded_by",
            "recorded_at",
            "meeting",
        ]
        read_only_fields = fields


class TypicalProblemWriteSerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    title = serializers.CharField(label=_("title"), max_length=200, allow_blank=True)
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True, default="")
    demands = serializers.ListField(label=_("demands"), child=IdField(), max_length=500)


class ProblemAgendaSerializer(serializers.Serializer):
    meeting = IdField(label=_("topic meeting"))


@extend_schema_view(
    list=extend_schema(summary=_("The typical problems of the districts whose service office you work in")),
    retrieve=extend_schema(summary=_("One typical problem")),
)
class TypicalProblemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Typical problems (典型问题) the hub records from common problems for the working group's topic meeting."""

    serializer_class = TypicalProblemSerializer

    def get_queryset(self) -> QuerySet[TypicalProblem]:
        return (
            TypicalProblem.objects.filter(district_id__in=hub_district_ids(self.request.user))
            .select_related("district", "recorded_by", "agenda_item")
            .prefetch_related("demands")
            .order_by("-recorded_at", "-pk")
        )

    @extend_schema(
        summary=_("Record a typical problem from the demands that show it (the hub, or a service officer)"),
        request=TypicalProblemWriteSerializer,
        responses={201: TypicalProblemSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        body = TypicalProblemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        # The hub, or a service officer of the district (from the demands they serve); hidden from anyone else.
        district = district_of(request.user, values.get("district"), hub_only=False)
        scope = resolve_scope(request.user)
        if not is_hub_of(request.user, district.pk) and not scope.roles & actions.PROBLEM_RECORDERS:
            raise Http404
        found = {
            d.pk: d
            for d in Demand.objects.for_user(request.user).filter(district=district, pk__in=values["demands"])
        }
        missing = [pk for pk in values["demands"] if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {"demands": [_("No such demand in your scope: %(ids)s.") % {"ids": missing}]}
            )
        problem = actions.do_record_problem(
            district,
            request.user,
            title=values["title"],
            description=values["description"],
            demands=[found[pk] for pk in values["demands"]],
        )
        return Response(TypicalProblemSerializer(problem).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Put the problem on a topic meeting's agenda (hub)"),
        request=ProblemAgendaSerializer,
        responses={200: TypicalProblemSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], serializer_class=ProblemAgendaSerializer)
    def agenda(self, request: Request, pk: Any = None) -> Response:
        from demandloop.meetings.models import Meeting

        problem = self.get_object()
        body = ProblemAgendaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = Meeting.objects.filter(
            pk=body.validated_data["meeting"], district_id=problem.district_id
        ).first()
        actions.do_table_problem(problem, request.user, meeting=meeting)
        return Response(TypicalProblemSerializer(problem).data)

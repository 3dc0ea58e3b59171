"""The handbook over the API: published entries of the user's districts, ranked by BM25 when `q` is given.

GET   /api/v1/faq/?district=&q=                      (every signed-in user: enterprises read the handbook too;
                                                      the hub also reads its district's unpublished entries)
GET   /api/v1/faq/export/?district=&format=docx|xlsx  (the same people: the handbook as Word or Excel)
POST  /api/v1/faq/                                    (the district's hub: a new question)
PATCH /api/v1/faq/<id>/                               (the district's hub: a change, given the version it read;
                                                      a change of the texts is a new version)

A district the user does not belong to is 404, the same as a missing one (STYLE.md rule 3).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.core.api import changes_of
from demandloop.core.api_views import FileFormatNegotiation
from demandloop.demands.api import ERROR_RESPONSES
from demandloop.demands.queries import district_of
from demandloop.knowledge import actions
from demandloop.knowledge.cases import hub_district_ids
from demandloop.knowledge.export import EXPORT_FORMATS, handbook_file
from demandloop.knowledge.models import FaqEntry
from demandloop.lib.downloads import DOCX, XLSX, as_download
from demandloop.org.models import District
from demandloop.org.scope import resolve_scope

# Module level: inside the viewset, `list` is the action.
FORMAT_NAMES = list(EXPORT_FORMATS)
DISTRICT_PARAMETER = OpenApiParameter(
    "district", str, description=_("district code (default: the first of the user's districts)")
)


class FaqEntrySerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default="")

    class Meta:
        model = FaqEntry
        fields = [
            "id",
            "district",
            "code",
            "question",
            "answer",
            "department",
            "department_name",
            "contacts",
            "keywords",
            "is_published",
            "version",
            "updated_at",
        ]


class FaqEntryWriteSerializer(serializers.Serializer):
    """What the hub sends: the texts, the department by code, and (to change an entry) the version it read."""

    district = serializers.SlugField(label=_("district"), required=False, help_text=_("new entries only"))
    question = serializers.CharField(label=_("question"), max_length=255)
    answer = serializers.CharField(label=_("answer"))
    department = serializers.SlugField(label=_("department"), required=False, allow_blank=True)
    contacts = serializers.CharField(label=_("contacts"), required=False, allow_blank=True, default="")
    keywords = serializers.ListField(
        label=pgettext_lazy("handbook", "keywords"),
        child=serializers.CharField(),
        required=False,
        default=list,
    )
    is_published = serializers.BooleanField(label=_("published"), required=False, default=True)
    version = serializers.IntegerField(
        label=_("version"), required=False, help_text=_("the version the change was made from (changes only)")
    )


class FaqExportQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    format = serializers.ChoiceField(
        label=_("file format"),
        choices=FORMAT_NAMES,
        default="docx",
        error_messages={"invalid_choice": _("format must be docx (Word) or xlsx (Excel), not “{input}”.")},
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("district", str, description=str(_("district code"))),
            OpenApiParameter(
                "q", str, description=str(_("words of a question: entries ranked by relevance"))
            ),
        ]
    ),
    retrieve=extend_schema(
        parameters=[OpenApiParameter("district", str, description=str(_("district code")))]
    ),
)
class FaqEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The FAQ entries (高频事项应答手册) of the districts the user belongs to: the published ones, and for the
    district's hub the unpublished ones too, which it writes."""

    serializer_class = FaqEntrySerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        scope = resolve_scope(self.request.user)
        kept = hub_district_ids(self.request.user)
        qs = FaqEntry.objects.filter(
            Q(is_published=True, district_id__in=scope.district_ids) | Q(district_id__in=kept)
        ).select_related("district", "department")
        if self.action == "list" and self.request.query_params.get("q"):
            qs = qs.filter(is_published=True)  # the ranking reads the published entries
        code = self.request.query_params.get("district")
        return qs.filter(district__code=code) if code else qs

    def _values(self, body: FaqEntryWriteSerializer, district: District) -> dict[str, Any]:
        values = dict(body.validated_data)
        values.pop("district", None)
        values.pop("version", None)
        code = values.pop("department", "") or ""
        values["department"] = None
        if code:
            values["department"] = district.departments.filter(code=code).first()
            if values["department"] is None:
                raise serializers.ValidationError({"department": [_("No such department in this district.")]})
        return values

    @extend_schema(
        summary=_("Add a question to the district's handbook (the hub)"),
        request=FaqEntryWriteSerializer,
        responses={201: FaqEntrySerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = FaqEntryWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        district = district_of(request.user, body.validated_data.get("district"), hub_only=True)
        entry = actions.do_add_faq_entry(district, request.user, **self._values(body, district))
        return Response(FaqEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a question of the handbook (the hub), from the version it read"),
        request=FaqEntryWriteSerializer(partial=True),
        responses={200: FaqEntrySerializer, **ERROR_RESPONSES},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        entry = self.get_object()
        if entry.district_id not in hub_district_ids(request.user):
            raise Http404
        current = {
            "question": entry.question,
            "answer": entry.answer,
            "department": entry.department.code if entry.department else "",
            "contacts": entry.contacts,
            "keywords": entry.keywords,
            "is_published": entry.is_published,
        }
        body = FaqEntryWriteSerializer(data=changes_of(request, current))
        body.is_valid(raise_exception=True)
        if "version" not in request.data:
            raise serializers.ValidationError({"version": [_("Give the version the change was made from.")]})
        saved = actions.do_edit_faq_entry(
            entry,
            request.user,
            version=body.validated_data["version"],
            **self._values(body, entry.district),
        )
        return Response(FaqEntrySerializer(saved).data)

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        text = (request.query_params.get("q") or "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        from demandloop.knowledge.queries import faq_index_for

        qs = self.get_queryset()
        ranked: list[int] = []
        for district_id in qs.values_list("district_id", flat=True).distinct():
            ranked.extend(m.id for m in faq_index_for(district_id).search(text, limit=10))
        entries = {e.pk: e for e in qs.filter(pk__in=ranked)}
        ordered = [entries[pk] for pk in ranked if pk in entries]
        return self.get_paginated_response(
            self.get_serializer(self.paginate_queryset(ordered), many=True).data
        )

    @extend_schema(
        summary=_("The handbook (高频事项应答手册) as a Word document or an Excel list"),
        description=_(
            "The district's published entries: in Word grouped by department and numbered, with answers and "
            "contacts; in Excel one row per entry."
        ),
        parameters=[
            DISTRICT_PARAMETER,
            OpenApiParameter(
                "format",
                str,
                enum=FORMAT_NAMES,
                default="docx",
                description=_("docx: the handbook in Word; xlsx: one row per entry in Excel"),
            ),
        ],
        responses={
            (200, DOCX): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            400: OpenApiResponse(description=_("a format other than docx or xlsx")),
            404: OpenApiResponse(description=_("a district the user does not belong to")),
        },
    )
    @action(detail=False, methods=["get"], content_negotiation_class=FileFormatNegotiation)
    def export(self, request: Request) -> HttpResponse:
        query = FaqExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        # The list's rule: the districts of the user's memberships, enterprises included.
        districts = District.objects.filter(pk__in=resolve_scope(request.user).district_ids)
        code = values.get("district")
        district = districts.filter(code=code).first() if code else districts.order_by("code").first()
        if district is None:
            raise Http404
        return as_download(handbook_file(district, values["format"]))

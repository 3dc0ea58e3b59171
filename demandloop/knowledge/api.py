"""The handbook over the API: published entries of the user's districts, ranked by BM25 when `q` is given.

GET /api/v1/faq/?district=&q=      (every signed-in user: enterprises read the handbook too)
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from demandloop.knowledge.models import FaqEntry
from demandloop.org.scope import resolve_scope


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
            "version",
            "updated_at",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("district", str, description=str(_("district code"))),
        OpenApiParameter("q", str, description=str(_("words of a question: entries ranked by relevance"))),
    ]
)
class FaqEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The published FAQ entries (高频事项应答手册) of the districts the user belongs to."""

    serializer_class = FaqEntrySerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        scope = resolve_scope(self.request.user)
        qs = (
            FaqEntry.objects.published()
            .filter(district_id__in=scope.district_ids)
            .select_related("district", "department")
        )
        code = self.request.query_params.get("district")
        return qs.filter(district__code=code) if code else qs

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

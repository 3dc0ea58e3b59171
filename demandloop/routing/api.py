"""REST endpoints of the router: a decision for a text, and the common problems of a period.

    POST /api/v1/routing/decisions/         {text, district?, enterprise?, area?, exclude?} → the decision
    GET  /api/v1/routing/common-problems/   ?district=&start=&end=&min_enterprises= → clusters (hub, dispatcher)

District staff only: an enterprise account, or a district outside the user's scope, gets 404 like a missing
page (STYLE.md rule 3). The decision is a suggestion; what the officer chooses goes through `do_triage`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demandloop.core.api import IdField
from demandloop.org.scope import resolve_scope


class RoutingRequestSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("text"), max_length=20000)
    district = serializers.SlugField(label=_("district"), required=False)
    enterprise = IdField(label=_("enterprise"), required=False)
    area = IdField(label=_("area"), required=False)
    exclude = IdField(label=_("demand being registered"), required=False)


class CommonProblemsQuerySerializer(serializers.Serializer):
    district = serializers.SlugField(label=_("district"), required=False)
    start = serializers.DateField(label=pgettext_lazy("period", "from"), required=False)
    end = serializers.DateField(label=_("until"), required=False)
    min_enterprises = serializers.IntegerField(
        label=_("minimum enterprises"), required=False, min_value=2, default=2
    )


def staff_district(request: Request, code: str | None, *, district_wide: bool = False) -> Any:
    """The district the request is about, if the user works for it (and sees all of it, when asked); else 404."""
    from demandloop.org.models import District

    scope = resolve_scope(request.user)
    allowed = scope.full_district_ids if district_wide else scope.district_ids
    if not scope.is_staff_scope or not allowed:
        raise Http404
    districts = District.objects.filter(pk__in=allowed)
    district = districts.filter(code=code).first() if code else districts.order_by("code").first()
    if district is None:
        raise Http404
    return district


class RoutingDecisionView(APIView):
    """The router's suggestion for a demand's text: screening, departments, domain, complexity, tier, FAQ,
    duplicates, each with its explanation."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RoutingRequestSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        from demandloop.routing.queries import visible_duplicates
        from demandloop.routing.service import suggest as route

        data = RoutingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        district = staff_district(request, values.get("district"))
        decision = route(
            district.code,
            values["text"],
            enterprise_id=values.get("enterprise"),
            area_id=values.get("area"),
            exclude_id=values.get("exclude"),
        )
        answer = decision.as_dict()
        answer["duplicates"] = visible_duplicates(request.user, answer["duplicates"])
        return Response(answer)


class CommonProblemsView(APIView):
    """Clusters of similar demands raised by several enterprises in a period (共性问题), largest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("district", str),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("min_enterprises", int),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        from demandloop.routing.queries import common_problems, period_bounds

        query = CommonProblemsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        district = staff_district(request, values.get("district"), district_wide=True)
        start, end = period_bounds(values.get("start"), values.get("end"))
        start_day, end_day = start.date(), (end - timedelta(days=1)).date()
        problems = common_problems(district.pk, start, end, min_enterprises=values["min_enterprises"])
        return Response(
            {
                "district": district.code,
                "start": start_day.isoformat(),
                "end": end_day.isoformat(),
                "problems": [p.as_dict() for p in problems],
            }
        )

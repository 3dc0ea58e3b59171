"""The city platform's two signed endpoints (machine to machine; no session or token user may call them):

    POST /api/v1/integrations/city/status/    the city's progress on a matter the district transferred
    POST /api/v1/integrations/city/demands/   a matter the city sends to the district

Both are authenticated by the signature (`signing.verify`) and nothing else; the body is read as the exact bytes
that were signed. The answers are the interface's JSON (`{"code": 0, …}`, or `{"code": <HTTP status>, "msg",
"field"}`), documented in the package's README.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demandloop.integrations.city_platform import inbound
from demandloop.integrations.city_platform.signing import SignatureRejected, verify

ANSWERS = {
    200: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=(
            "Applied; recorded only (`recorded`: the demand no longer awaits the city); older than a report "
            "applied; or a repeat answered as before."
        ),
    ),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="A field is wrong: `field` names it."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="A signature header is missing or out of time."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Unknown application id, or a wrong signature."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No matter has this reference."),
    409: OpenApiResponse(
        OpenApiTypes.OBJECT, description="A reused event id, or the demand changed at that moment (retry)."
    ),
}


class _SignedView(APIView):
    """A view only the city platform can call: no authentication class, the signature instead."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    def handle(self, request: Request, apply: Any) -> Response:
        body = request._request.body
        try:
            key = verify(request.headers, body)
        except SignatureRejected as error:
            return Response({"code": error.status_code, "msg": error.message}, status=error.status_code)
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return Response({"code": 400, "msg": _("The body is not JSON.")}, status=400)
        if not isinstance(payload, dict):
            return Response({"code": 400, "msg": _("The body must be a JSON object.")}, status=400)
        try:
            outcome = apply(payload, key=key)
        except inbound.Refused as refused:
            outcome = refused.outcome
        return Response(outcome.body, status=outcome.status_code)


class CityStatusView(_SignedView):
    """受理 (accepted), 办理中 (in_progress), 办结 (answered, with `result`) or 退回 (returned, with `reason`) of a
    matter the district transferred, found by the city's `reference` and applied once per `event_id`, in the
    order of `sequence`. Signed with the X-City-* headers; see the city_platform README (接口约定)."""

    @extend_schema(
        operation_id="city_platform_status",
        tags=["city platform"],
        summary="The city platform reports its progress on a transferred demand (signed).",
        request=inbound.CityStatusSerializer,
        responses=ANSWERS,
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return self.handle(request, inbound.apply_status)


class CityDemandView(_SignedView):
    """A matter the city platform hands to the district: it becomes a demand of channel `city`, its enterprise
    found in the ledger by 统一社会信用代码; idempotent by the city's `reference`. Signed with the X-City-* headers;
    see the city_platform README (接口约定)."""

    @extend_schema(
        operation_id="city_platform_demand",
        tags=["city platform"],
        summary="The city platform sends a matter to the district (signed).",
        request=inbound.CityMatterSerializer,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT, description="Taken in as a demand."), **ANSWERS},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return self.handle(request, inbound.receive_matter)

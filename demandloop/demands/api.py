"""REST API of demands: `/api/v1/demands/` (DESIGN.md §8).

- `GET /demands/` — the scoped, filtered, paged list (`DemandFilterSet`); `POST /demands/` — intake.
- `GET /demands/{id}/` — one demand (404 outside the scope); `GET /demands/{id}/events/` — its history.
- `POST /demands/{id}/actions/{name}/` — one route per action of `ACTION_SERIALIZERS`, each with its own input.
- `GET|POST /demands/{id}/attachments/`, `GET /demands/{id}/attachments/{attachment_id}/` — the only way a stored
  file leaves the server, as a download.

Refusals keep their meaning: 400 names the field, 403 says which role is missing, 404 hides what is out of scope,
409 says the demand's state (or someone else) stands in the way. None of them is a 5xx.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.core import audit
from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices
from demandloop.demands.errors import DemandActionError
from demandloop.demands.filtersets import DemandFilterSet
from demandloop.demands.models import Demand, DemandAttachment
from demandloop.demands.queries import get_demand_for_user
from demandloop.demands.serializers import (
    ACTION_SERIALIZERS,
    AttachmentUploadSerializer,
    DemandAttachmentSerializer,
    DemandCreateSerializer,
    DemandEventSerializer,
    DemandSerializer,
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


ERROR_RESPONSES = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description=gettext_lazy("bad input: {field: [message]}")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("none of your roles may do this")),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("no such demand in your scope")),
    409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("the demand's state does not allow it")),
}

# API argument names that differ from the action's keyword arguments.
_RENAMED = {DemandActionChoices.MERGE: {"duplicate_of": "original"}}


def _base_queryset() -> QuerySet[Demand]:
    return Demand.objects.select_related(
        "district", "enterprise", "domain", "tier", "area", "lead_department", "exclusion"
    ).prefetch_related("co_department_links__department")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the demands you may see")),
    retrieve=extend_schema(
        summary=gettext_lazy("One demand"), responses={200: DemandSerializer, 404: ErrorSerializer}
    ),
)
class DemandViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Demands: intake, lists, detail, history, attachments, and one route per action."""

    serializer_class = DemandSerializer
    filterset_class = DemandFilterSet
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Demand]:
        return _base_queryset().for_user(self.request.user).order_by("-received_at", "-pk")

    def get_object(self) -> Demand:
        # Filters of the list never apply to one object; the scope always does.
        return get_demand_for_user(self.request.user, self.kwargs.get("pk"), queryset=_base_queryset())

    def _demand_response(self, demand: Demand, code: int = status.HTTP_200_OK) -> Response:
        return Response(DemandSerializer(demand, context=self.get_serializer_context()).data, status=code)

    # --- intake --------------------------------------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("Register a demand"),
        request=DemandCreateSerializer,
        responses={201: DemandSerializer, 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = DemandCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            with transaction.atomic():
                enterprise = data.pop("enterprise", None) or self._register_new(data.pop("new_enterprise"))
                demand = actions.do_receive(request.user, enterprise=enterprise, **data)
        except DemandActionError as exc:
            # The refusal's audit row went down with this transaction (it also held the new enterprise).
            audit.record_failure(
                f"demand.{DemandActionChoices.RECEIVE}",
                user=request.user,
                message=exc.message,
                detail={"code": exc.code},
            )
            raise
        return self._demand_response(
            get_demand_for_user(request.user, demand.pk, queryset=_base_queryset()), status.HTTP_201_CREATED
        )

    def _register_new(self, data: dict[str, Any]) -> Any:
        from demandloop.enterprises.actions import do_register_enterprise
        from demandloop.enterprises.grants import can_register_in
        from demandloop.enterprises.models import Enterprise
        from demandloop.enterprises.validators import uscc_error_message
        from demandloop.lib.uscc import normalize_uscc
        from demandloop.org.models import Area

        def refuse(field: str, message: str) -> serializers.ValidationError:
            return serializers.ValidationError({"new_enterprise": {field: [message]}})

        area = Area.objects.filter(pk=data["area"]).first()
        if area is None or not can_register_in(self.request.user, area.district_id, area.pk):
            raise refuse("area", _("Choose one of the areas where you may register enterprises."))
        uscc = normalize_uscc(data["uscc"]).upper()
        problem = uscc_error_message(uscc)
        if problem is not None:
            raise refuse("uscc", problem)
        if Enterprise.objects.filter(uscc=uscc).exists():
            raise refuse("uscc", _("This enterprise is in the ledger already: choose it instead."))
        fields = {
            "uscc": uscc,
            "name": data["name"].strip(),
            "address": data.get("address", ""),
            "area": area,
            "locality": area.locality,
            "needs_review": True,
        }
        return do_register_enterprise(
            area.district, fields, acting_user=self.request.user, reason=_("registered with a demand")
        )

    # --- history and files ---------------------------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("The demand's history"), responses={200: DemandEventSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        demand = self.get_object()
        events = demand.events.select_related("actor").order_by("at", "pk")
        return Response(DemandEventSerializer(events, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("The demand's attachments"),
        responses={200: DemandAttachmentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("Attach a file to the demand"),
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: DemandAttachmentSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        demand = self.get_object()
        if request.method == "GET":
            return Response(DemandAttachmentSerializer(demand.attachments.all(), many=True).data)
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        actions.do_attach(demand, request.user, upload=upload.validated_data["file"])
        attachment = demand.attachments.order_by("-pk").first()
        return Response(DemandAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Download an attachment"),
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})",
        url_name="attachment-download",
        pagination_class=None,
        filterset_class=None,
    )
    def attachment_download(self, request: Request, pk: str | None = None, attachment_id: str = "") -> Any:
        demand = self.get_object()
        attachment = DemandAttachment.objects.filter(demand=demand, pk=int(attachment_id)).first()
        if attachment is None:
            from django.http import Http404

            raise Http404
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    # --- actions -------------------------------------------------------------------------------------------

    def run_action(self, name: str, request: Request) -> Response:
        demand = self.get_object()
        context = {**self.get_serializer_context(), "demand": demand}
        serializer = ACTION_SERIALIZERS[name](data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        kwargs = dict(serializer.validated_data)
        for api_name, arg in _RENAMED.get(name, {}).items():
            kwargs[arg] = kwargs.pop(api_name)
        do = getattr(actions, f"do_{name}")
        demand = do(demand, request.user, **kwargs)
        return self._demand_response(demand)


def _action_route(name: str) -> Any:
    def run(self: DemandViewSet, request: Request, pk: str | None = None) -> Response:
        return self.run_action(name, request)

    run.__name__ = f"action_{name}"
    run.__doc__ = str(DemandActionChoices(name).label)
    routed = action(
        detail=True,
        methods=["post"],
        url_path=f"actions/{name}",
        url_name=f"action-{name}",
        serializer_class=ACTION_SERIALIZERS[name],
        pagination_class=None,
        filterset_class=None,
    )(run)
    return extend_schema(
        summary=DemandActionChoices(name).label,
        operation_id=f"demands_actions_{name}",
        request=ACTION_SERIALIZERS[name],
        responses={200: DemandSerializer, **ERROR_RESPONSES},
    )(routed)


for _name in ACTION_SERIALIZERS:
    setattr(DemandViewSet, f"action_{_name}", _action_route(_name))

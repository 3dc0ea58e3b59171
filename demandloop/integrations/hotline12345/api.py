"""REST API of the 12345 work orders: `/api/v1/hotline-orders/`.

- `GET /hotline-orders/` — the scoped, filtered, paged list (`HotlineOrderFilterSet`); `GET /hotline-orders/{id}/`.
- `POST /hotline-orders/import/` — a 12345 export (multipart `file`, optional `dry_run`, `district`): the import
  report; 200 when read (and imported unless `dry_run`), 400 with every row error when refused.
- `POST /hotline-orders/{id}/link/` — `{"enterprise": id}`: the dispatcher settles an unlinked order's enterprise.

The dispatcher and the hub of a district see all its orders; others the orders of demands they see; outside
the scope is 404. Importing and linking belong to the dispatcher and the hub (403 for everyone else).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.enterprises.models import Enterprise
from demandloop.integrations.hotline12345.actions import do_link_enterprise
from demandloop.integrations.hotline12345.filtersets import HotlineOrderFilterSet
from demandloop.integrations.hotline12345.imports import import_hotline
from demandloop.integrations.hotline12345.models import HotlineOrder, HotlineOrderQuerySet
from demandloop.integrations.hotline12345.queries import get_order_for_user, managed_district_ids
from demandloop.integrations.hotline12345.serializers import (
    HotlineImportReportSerializer,
    HotlineImportSerializer,
    HotlineLinkSerializer,
    HotlineOrderSerializer,
    report_data,
)
from demandloop.org.models import District


def _base_queryset() -> HotlineOrderQuerySet:
    return HotlineOrder.objects.select_related("district", "demand__enterprise", "feedback_message")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the 12345 work orders you may see")),
    retrieve=extend_schema(summary=gettext_lazy("One 12345 work order")),
)
class HotlineOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """12345 work orders: the imported ledger, the import itself, and linking an order to its enterprise."""

    serializer_class = HotlineOrderSerializer
    filterset_class = HotlineOrderFilterSet
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[HotlineOrder]:
        return _base_queryset().for_user(self.request.user).order_by("-received_at", "-pk")

    def get_object(self) -> HotlineOrder:
        # Filters of the list never apply to one object; the scope always does.
        return get_order_for_user(self.request.user, self.kwargs.get("pk"), queryset=_base_queryset())

    @extend_schema(
        summary=gettext_lazy("Import a 12345 export"),
        request={"multipart/form-data": HotlineImportSerializer},
        responses={
            200: HotlineImportReportSerializer,
            400: OpenApiResponse(
                HotlineImportReportSerializer, description=gettext_lazy("the file is refused")
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", filterset_class=None)
    def import_file(self, request: Request) -> Response:
        districts = managed_district_ids(request.user)
        if not districts:
            raise PermissionDenied(
                _("Only the dispatcher or the hub of a district imports its 12345 work orders.")
            )
        serializer = HotlineImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        district = self._district(districts, data.get("district"))
        upload = data["file"]
        report = import_hotline(
            upload.name,
            district=district,
            acting_user=request.user,
            apply=not data["dry_run"],
            content=upload.read(),
        )
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report_data(report, upload.name), status=code)

    def _district(self, districts: frozenset[int], code: str | None) -> District:
        from rest_framework.exceptions import ValidationError

        managed = District.objects.filter(pk__in=districts)
        if code:
            district = managed.filter(code=code).first()
            if district is None:
                raise ValidationError(
                    {"district": [_("Choose one of the districts whose work orders you run.")]}
                )
            return district
        if len(districts) != 1:
            raise ValidationError({"district": [_("You run several districts: name one.")]})
        return managed.get()

    @extend_schema(
        summary=gettext_lazy("Link an unlinked work order to its enterprise, making it a demand"),
        request=HotlineLinkSerializer,
        responses={200: HotlineOrderSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def link(self, request: Request, pk: Any = None) -> Response:
        order = self.get_object()
        serializer = HotlineLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = (
            Enterprise.objects.for_user(request.user)
            .filter(pk=serializer.validated_data["enterprise"])
            .first()
        )
        if enterprise is None:
            return Response(
                {"enterprise": [_("No such enterprise in your part of the ledger.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        do_link_enterprise(order, request.user, enterprise=enterprise)
        order = get_order_for_user(request.user, order.pk, queryset=_base_queryset())
        return Response(self.get_serializer(order).data)

"""REST API of the ledger: `/api/v1/enterprises/`.

Reads come from `Enterprise.objects.for_user` (outside the scope is 404). Writes are allowed to the hub of the
enterprise's district and the officers of its area (`grants`), go through the actions, and are checked again
after the write inside the transaction, so an officer cannot move an enterprise out of its own areas.
"""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from demandloop.enterprises.actions import (
    do_add_contact,
    do_deregister_enterprise,
    do_register_enterprise,
    do_update_enterprise,
)
from demandloop.enterprises.filtersets import EnterpriseFilterSet
from demandloop.enterprises.grants import can_edit_enterprise, ledger_grants
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.privacy import contact_for_display
from demandloop.enterprises.queries import enterprise_history
from demandloop.enterprises.serializers import (
    EnterpriseContactInputSerializer,
    EnterpriseContactSerializer,
    EnterpriseDeregisterSerializer,
    EnterpriseHistorySerializer,
    EnterpriseSerializer,
)


def _refuse_edit() -> PermissionDenied:
    return PermissionDenied(
        _("Only the hub of the district and the officers of the area may change this enterprise.")
    )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the enterprises of the ledger you may see")),
    retrieve=extend_schema(
        summary=gettext_lazy("One enterprise with its contacts (masked for roles without access)")
    ),
    create=extend_schema(
        summary=gettext_lazy("Register an enterprise (hub of the district, officer of the area)")
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change an enterprise (hub of the district, officer of the area)")
    ),
)
class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The enterprise ledger."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    # No PUT (every change is partial) and no DELETE (an enterprise is deregistered, never deleted).
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Enterprise]:
        return (
            Enterprise.objects.for_user(self.request.user)
            .select_related("district", "locality", "area")
            .prefetch_related("contacts")
            .order_by("name", "pk")
        )

    def _check_can_edit(self, enterprise: Enterprise) -> None:
        if not can_edit_enterprise(self.request.user, enterprise):
            raise _refuse_edit()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:  # type: ignore[type-arg]
        data = dict(serializer.validated_data)
        district = data.pop("district")
        editor = ledger_grants(self.request.user).editor
        if district.pk not in editor.district_ids and not editor.area_ids:
            raise _refuse_edit()
        with transaction.atomic():
            enterprise = do_register_enterprise(district, data, acting_user=self.request.user)
            # The area may come from the address: re-check inside the transaction (STYLE.md rule 3).
            if not can_edit_enterprise(self.request.user, enterprise):
                if enterprise.area is None:
                    raise serializers.ValidationError(
                        {"area": [_("The address does not settle the area: choose one of your areas.")]}
                    )
                raise _refuse_edit()
        serializer.instance = enterprise

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:  # type: ignore[type-arg]
        enterprise: Enterprise = serializer.instance
        self._check_can_edit(enterprise)
        changes = dict(serializer.validated_data)
        changes.pop("district", None)
        with transaction.atomic():
            do_update_enterprise(enterprise, changes, acting_user=self.request.user)
            self._check_can_edit(enterprise)

    @extend_schema(
        summary=gettext_lazy("Add a contact to an enterprise"),
        request=EnterpriseContactInputSerializer,
        responses={201: EnterpriseContactSerializer},
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        self._check_can_edit(enterprise)
        payload = EnterpriseContactInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contact = do_add_contact(enterprise, payload.validated_data, acting_user=request.user)
        shown = EnterpriseContactSerializer(asdict(contact_for_display(contact, request.user)))
        return Response(shown.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Mark an enterprise deregistered"),
        request=EnterpriseDeregisterSerializer,
        responses={200: EnterpriseSerializer},
    )
    @action(detail=True, methods=["post"])
    def deregister(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        self._check_can_edit(enterprise)
        payload = EnterpriseDeregisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        do_deregister_enterprise(
            enterprise, deregistered_on=payload.validated_data["deregistered_on"], acting_user=request.user
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary=gettext_lazy("Who changed the enterprise, what and when"),
        responses=EnterpriseHistorySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        entries = [asdict(entry) for entry in enterprise_history(enterprise)]
        return Response(EnterpriseHistorySerializer(entries, many=True).data)

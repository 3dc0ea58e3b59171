"""Serializers of the 12345 work orders: the order as one user may read it, the import and the link."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from demandloop.core.api import IdField
from demandloop.core.imports import checked_upload
from demandloop.demands.choices import DemandStatusChoices
from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices
from demandloop.integrations.hotline12345.imports import HotlineImportReport
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.privacy import caller_for
from demandloop.integrations.hotline12345.queries import managed_district_ids

# An upload larger than this is not a 12345 export (tens of thousands of rows fit in a few MB).


class CallerSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()


class LinkedDemandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    status_colour = serializers.CharField()
    enterprise_id = serializers.IntegerField()
    enterprise_name = serializers.CharField()


class SyncSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=gettext_lazy("idle, pending, delivered or failed"))
    label = serializers.CharField()
    colour = serializers.CharField()
    status_reported = serializers.CharField(
        help_text=gettext_lazy("the demand status last reported to 12345")
    )
    written_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    count = serializers.IntegerField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()


class HotlineOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A work order as the requesting user may read it: the caller masked unless the user needs it."""

    district = serializers.CharField(source="district.code")
    caller = serializers.SerializerMethodField()
    enterprise_match_label = serializers.SerializerMethodField()
    demand = serializers.SerializerMethodField()
    sync = serializers.SerializerMethodField()
    raw_row = serializers.SerializerMethodField()

    class Meta:
        model = HotlineOrder
        fields = [
            "id",
            "district",
            "number",
            "received_at",
            "caller",
            "enterprise_name",
            "uscc",
            "address",
            "category",
            "title",
            "content",
            "hotline_due",
            "enterprise_match",
            "enterprise_match_label",
            "match_note",
            "demand",
            "sync",
            "imported_at",
            "import_file",
            "raw_row",
        ]

    @extend_schema_field(CallerSerializer)
    def get_caller(self, order: HotlineOrder) -> dict[str, Any]:
        view = caller_for(order, self.context["request"].user)
        return {"name": view.name, "phone": view.phone, "masked": view.masked}

    def get_enterprise_match_label(self, order: HotlineOrder) -> str:
        return str(EnterpriseMatchChoices(order.enterprise_match).label)

    @extend_schema_field(LinkedDemandSerializer(allow_null=True))
    def get_demand(self, order: HotlineOrder) -> dict[str, Any] | None:
        demand = order.demand
        if demand is None:
            return None
        status = DemandStatusChoices(demand.status)
        return {
            "id": demand.pk,
            "title": demand.title,
            "status": demand.status,
            "status_label": str(status.label),
            "status_colour": status.colour,
            "enterprise_id": demand.enterprise_id,
            "enterprise_name": demand.enterprise.name,
        }

    @extend_schema_field(SyncSerializer)
    def get_sync(self, order: HotlineOrder) -> dict[str, Any]:
        state = order.sync_state
        message = order.feedback_message
        return {
            "state": state.value,
            "label": str(state.label),
            "colour": state.colour,
            "status_reported": order.feedback_status,
            "written_at": order.feedback_written_at,
            "delivered_at": order.feedback_delivered_at,
            "count": order.feedback_count,
            "attempts": message.attempts if message is not None else 0,
            "last_error": message.last_error if message is not None else "",
        }

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_raw_row(self, order: HotlineOrder) -> dict[str, Any] | None:
        # The whole row may hold 12345's internal notes and the caller's details: the dispatcher and hub only.
        if order.district_id in managed_district_ids(self.context["request"].user):
            return order.raw_row
        return None


class HotlineImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("the 12345 export, CSV (UTF-8 or GBK) or XLSX"))
    dry_run = serializers.BooleanField(
        default=False, help_text=gettext_lazy("only check the file and show what it would do")
    )
    district = serializers.SlugField(
        required=False, help_text=gettext_lazy("district code, needed when you run several")
    )

    def validate_file(self, value: Any) -> Any:
        return checked_upload(value)


class HotlineLinkSerializer(serializers.Serializer):
    enterprise = IdField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ImportedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    number = serializers.CharField()
    order = serializers.IntegerField(allow_null=True)
    demand = serializers.IntegerField(allow_null=True)
    enterprise_match = serializers.CharField()
    match_note = serializers.CharField()


class ChangedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    number = serializers.CharField()
    order = serializers.IntegerField()
    changes = serializers.DictField(help_text=gettext_lazy("field: [as imported, as in this file]"))


class HotlineImportReportSerializer(serializers.Serializer):
    file = serializers.CharField()
    district = serializers.CharField()
    applied = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    new = ImportedRowSerializer(many=True)
    unchanged = serializers.IntegerField()
    repeated = serializers.IntegerField()
    changed = ChangedRowSerializer(many=True)
    errors = RowErrorSerializer(many=True)
    file_error = serializers.CharField()


def report_data(report: HotlineImportReport, file_name: str) -> dict[str, Any]:
    """The import report as the API answers it."""

    def shown(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "file": file_name,
        "district": report.district.code,
        "applied": report.applied,
        "total_rows": report.total_rows,
        "new": [
            {
                "row": entry.row,
                "number": entry.number,
                "order": entry.order_id,
                "demand": entry.demand_id,
                "enterprise_match": entry.match,
                "match_note": entry.match_note,
            }
            for entry in report.of("new")
        ],
        "unchanged": len(report.of("unchanged")),
        "repeated": len(report.of("repeated")),
        "changed": [
            {
                "row": entry.row,
                "number": entry.number,
                "order": entry.order_id,
                "changes": {name: [shown(old), shown(new)] for name, (old, new) in entry.changes.items()},
            }
            for entry in report.of("changed")
        ],
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
        "file_error": report.file_error,
    }

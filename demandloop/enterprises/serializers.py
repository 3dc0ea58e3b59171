"""Serializers of the ledger's API; the import validates its rows with the same `EnterpriseSerializer`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from demandloop.enterprises.models import Enterprise, EnterpriseContact
from demandloop.enterprises.privacy import contacts_for_display
from demandloop.enterprises.validators import uscc_error_message
from demandloop.lib.phones import normalize_phone
from demandloop.lib.uscc import normalize_uscc
from demandloop.org.choices import LocalityKindChoices

PARK_KINDS = frozenset({LocalityKindChoices.PARK, LocalityKindChoices.BUSINESS_DISTRICT})


class UsccSerializerField(serializers.CharField):
    """A 统一社会信用代码: checked (lib/uscc.py), then stored without separators."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("unified social credit code"))
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        message = uscc_error_message(value)
        if message is not None:
            raise serializers.ValidationError(message, code="invalid_uscc")
        return normalize_uscc(value)


class EnterpriseContactSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A contact as the requesting user may read it (`privacy.contact_for_display`)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, label=_("contact name"))
    phone = serializers.CharField(read_only=True, label=_("phone"))
    position = serializers.CharField(read_only=True, label=_("position"))
    is_primary = serializers.BooleanField(read_only=True, label=_("primary contact"))
    masked = serializers.BooleanField(
        read_only=True,
        label=_("masked"),
        help_text=_("Whether name and phone are shown masked to this user."),
    )


class EnterpriseContactInputSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A new contact of an enterprise."""

    class Meta:
        model = EnterpriseContact
        fields = ["name", "phone", "position", "is_primary"]

    def validate_phone(self, value: str) -> str:
        # The model's validator (`core.phones.validate_phone`) has checked it; full-width digits are stored as
        # ASCII.
        return normalize_phone(value)


class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An enterprise of the ledger with its contacts, masked or not for the requesting user."""

    uscc = UsccSerializerField(
        validators=[
            UniqueValidator(
                queryset=Enterprise.objects.all(),
                message=_("This unified social credit code is already in the ledger."),
            )
        ]
    )
    district_name = serializers.CharField(source="district.name", read_only=True)
    locality_name = serializers.CharField(source="locality.name", read_only=True, allow_null=True)
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    contacts = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "district",
            "district_name",
            "uscc",
            "name",
            "kind",
            "kind_label",
            "legal_representative",
            "address",
            "locality",
            "locality_name",
            "area",
            "area_name",
            "park",
            "industry",
            "is_key",
            "key_department",
            "status",
            "status_label",
            "registered_on",
            "deregistered_on",
            "needs_review",
            "contacts",
            "created_at",
            "updated_at",
        ]
        # The locality follows the area; status and deregistration change through their own action.
        read_only_fields = [
            "locality",
            "status",
            "deregistered_on",
            "needs_review",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(EnterpriseContactSerializer(many=True))
    def get_contacts(self, enterprise: Enterprise) -> list[dict[str, Any]]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return [asdict(contact) for contact in contacts_for_display(enterprise, user)]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Enterprise | None = self.instance
        errors: dict[str, Any] = {}
        if instance is not None and "district" in attrs and attrs["district"] != instance.district:
            errors["district"] = _("The district of an enterprise cannot be changed.")
        district = instance.district if instance is not None else attrs.get("district")

        def current(name: str) -> Any:
            return attrs[name] if name in attrs else getattr(instance, name, None)

        area, park, key_department = current("area"), current("park"), current("key_department")
        if district is not None:
            if area is not None and area.district_id != district.pk:
                errors["area"] = _("This area belongs to another district.")
            if park is not None and park.district_id != district.pk:
                errors["park"] = _("This park or business district belongs to another district.")
            if key_department is not None and key_department.district_id != district.pk:
                errors["key_department"] = _("This department belongs to another district.")
        if park is not None and park.kind not in PARK_KINDS and "park" not in errors:
            errors["park"] = _("Choose a park or a business district.")
        if key_department is not None and not current("is_key") and "key_department" not in errors:
            errors["key_department"] = _("Only a key enterprise has a department in charge of it.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EnterpriseDeregisterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The date an enterprise was deregistered (注销)."""

    deregistered_on = serializers.DateField(label=_("date of deregistration"))


class HistoryChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class EnterpriseHistorySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One kept version of an enterprise: who changed what, when."""

    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(
        choices=[("+", _("created")), ("~", _("changed")), ("-", _("deleted"))]
    )
    user = serializers.CharField(allow_null=True, help_text=_("Who made the change; empty for the system."))
    reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)

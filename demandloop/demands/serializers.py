"""Serializers of the demand API: the demand as one user may read it, the intake form, one input per action.

Input serializers turn codes and ids into model instances of the demand's district (STYLE.md rule 5) and answer
bad input with a Chinese message naming the field; the actions then assume valid input. Objects outside the
user's scope are reported exactly like missing ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from demandloop.core.api import IdField
from demandloop.core.phones import validate_contact_phone
from demandloop.demands.actions import city_desk_progress, needs_redo
from demandloop.demands.choices import (
    ChannelChoices,
    CityChannelChoices,
    CityStageChoices,
    ComplexityChoices,
    DemandActionChoices,
    DirectSourceChoices,
    EscalationReasonChoices,
    SatisfiedChoices,
    SolvedChoices,
)
from demandloop.demands.flow import allowed_actions
from demandloop.demands.models import Demand, DemandAttachment, DemandCoDepartment, DemandEvent
from demandloop.demands.permissions import TierContext, acting_role
from demandloop.demands.privacy import contact_for
from demandloop.demands.queries import DemandFacts, demand_grants, get_demand_for_user
from demandloop.lib.phones import normalize_phone
from demandloop.org.choices import RoleChoices

# --- Reading -----------------------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    """A reference to an organisation object: id, code, name."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class TierRefSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    response_days = serializers.IntegerField(allow_null=True)


class EnterpriseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    needs_review = serializers.BooleanField(
        help_text=gettext_lazy("registered with the demand, not yet checked")
    )


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()


class CoDepartmentSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="department.id")
    code = serializers.CharField(source="department.code")
    name = serializers.CharField(source="department.name")

    class Meta:
        model = DemandCoDepartment
        fields = ["id", "code", "name", "part", "reported_at"]


class EvaluationSerializer(serializers.Serializer):
    solved = serializers.CharField()
    satisfied = serializers.CharField()
    comment = serializers.CharField()
    evaluated_at = serializers.DateTimeField()


class ExtensionSerializer(serializers.Serializer):
    requested_until = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    approved_count = serializers.IntegerField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "code": obj.code, "name": obj.name}


def co_department_links(demand: Demand) -> list[DemandCoDepartment]:
    """The demand's co-department rows: those an action just wrote, else the prefetched ones."""
    cached = getattr(demand, "_co_links", None)
    links = list(cached.values()) if cached is not None else list(demand.co_department_links.all())
    return sorted(links, key=lambda link: link.department_id)


def may_take(demand: Demand, user: Any) -> list[str]:
    """The actions FLOW allows now and one of the user's roles may take (the action may still refuse on its
    own rules, e.g. co-departments' parts missing)."""
    grants = demand_grants(user)
    # A department summoned by a whistle only reports in (meetings API); it takes no action on the demand, so
    # its whistles are not read here — one query less per listed demand.
    co_departments = frozenset(link.department_id for link in co_department_links(demand))
    facts = DemandFacts.of(demand, co_departments, whistled_department_ids=frozenset())
    tier = demand.tier if demand.tier_id else None
    ctx = TierContext.of(demand.status, tier)
    return [
        name
        for name in allowed_actions(demand.status)
        if name != DemandActionChoices.ATTACH and acting_role(name, grants, facts, ctx) is not None
    ]


class DemandSerializer(serializers.ModelSerializer):
    """A demand as the requesting user may read it: contacts masked per role, internal routing data hidden
    from enterprise accounts."""

    district = serializers.CharField(source="district.code", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    status_colour = serializers.CharField(source="get_status_display_colour", read_only=True)
    enterprise = EnterpriseRefSerializer(read_only=True)
    contact = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    lead_department = serializers.SerializerMethodField()
    co_departments = serializers.SerializerMethodField()
    exclusion = serializers.SerializerMethodField()
    evaluation = serializers.SerializerMethodField()
    extension = serializers.SerializerMethodField()
    can_reopen = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    routing_suggestion = serializers.SerializerMethodField()
    routing_choice = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "district",
            "channel",
            "channel_label",
            "source",
            "enterprise",
            "contact",
            "title",
            "content",
            "received_at",
            "status",
            "status_label",
            "status_colour",
            "status_changed_at",
            "version",
            "exclusion",
            "redirect_text",
            "domain",
            "complexity",
            "tier",
            "area",
            "lead_department",
            "co_departments",
            "tier_entered_at",
            "response_due",
            "response_due_provisional",
            "responded_at",
            "completion_due",
            "plan",
            "planned_at",
            "informed_at",
            "result",
            "resolved_at",
            "evaluation",
            "can_reopen",
            "reopen_count",
            "escalation_count",
            "extension",
            "duplicate_of",
            "hotline_number",
            "city_channel",
            "city_reference",
            "transferred_at",
            "at_city_desk",
            "closed_at",
            "routing_suggestion",
            "routing_choice",
            "actions",
            "is_demo",
            "created_at",
        ]
        read_only_fields = fields

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    @extend_schema_field(ContactSerializer)
    def get_contact(self, demand: Demand) -> dict[str, Any]:
        view = contact_for(demand, self._user())
        return {"name": view.name, "phone": view.phone, "masked": view.masked}

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_domain(self, demand: Demand) -> dict[str, Any] | None:
        return _ref(demand.domain) if demand.domain_id else None

    @extend_schema_field(TierRefSerializer(allow_null=True))
    def get_tier(self, demand: Demand) -> dict[str, Any] | None:
        if not demand.tier_id:
            return None
        tier = demand.tier
        return {"level": tier.level, "name": tier.name, "response_days": tier.response_days}

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_area(self, demand: Demand) -> dict[str, Any] | None:
        return _ref(demand.area) if demand.area_id else None

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_lead_department(self, demand: Demand) -> dict[str, Any] | None:
        return _ref(demand.lead_department) if demand.lead_department_id else None

    @extend_schema_field(CoDepartmentSerializer(many=True))
    def get_co_departments(self, demand: Demand) -> list[dict[str, Any]]:
        return CoDepartmentSerializer(co_department_links(demand), many=True).data

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_exclusion(self, demand: Demand) -> dict[str, Any] | None:
        return _ref(demand.exclusion) if demand.exclusion_id else None

    @extend_schema_field(EvaluationSerializer(allow_null=True))
    def get_evaluation(self, demand: Demand) -> dict[str, Any] | None:
        if demand.evaluated_at is None:
            return None
        return {
            "solved": demand.evaluation_solved,
            "satisfied": demand.evaluation_satisfied,
            "comment": demand.evaluation_comment,
            "evaluated_at": demand.evaluated_at,
        }

    @extend_schema_field(ExtensionSerializer)
    def get_extension(self, demand: Demand) -> dict[str, Any]:
        return {
            "requested_until": demand.extension_requested_until,
            "reason": demand.extension_reason,
            "approved_count": demand.extension_count,
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_reopen(self, demand: Demand) -> bool:
        return demand.evaluated_at is not None and needs_redo(demand)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, demand: Demand) -> list[str]:
        return may_take(demand, self._user())

    def _staff(self) -> bool:
        return demand_grants(self._user()).roles != {RoleChoices.ENTERPRISE}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_routing_suggestion(self, demand: Demand) -> dict[str, Any]:
        return demand.routing_suggestion if self._staff() else {}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_routing_choice(self, demand: Demand) -> dict[str, Any]:
        return demand.routing_choice if self._staff() else {}


class DemandEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = DemandEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_role",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "from_tier",
            "to_tier",
            "note",
            "response_due",
            "completion_due",
            "data",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, event: DemandEvent) -> str:
        # Staff names are public in this service (officers show their name and contact, 南开 §二(二)).
        return event.actor.get_full_name() if event.actor_id else _("the platform")


class DemandAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DemandAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("PDF, pictures, Word, Excel, OFD or text"))


# --- Input helpers -----------------------------------------------------------------------------------------


class DistrictCodeField(serializers.Field):
    """A code of an organisation object of the demand's district (departments, domains, exclusions)."""

    default_error_messages = {"invalid": gettext_lazy("Give a code (letters and digits).")}

    def __init__(self, relation: str, what: str, **kwargs: Any) -> None:
        self.relation = relation
        self.what = what
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not 0 < len(data.strip()) <= 32:
            self.fail("invalid")
        code = data.strip()
        district = self.context["demand"].district
        found = getattr(district, self.relation).filter(code=code).first()
        if found is None:
            raise serializers.ValidationError(
                _("This district has no %(what)s with the code “%(code)s”.")
                % {"what": self.what, "code": code}
            )
        return found

    def to_representation(self, value: Any) -> str:
        return str(value.code)


extend_schema_field(OpenApiTypes.STR)(DistrictCodeField)


def _department_field(**kwargs: Any) -> DistrictCodeField:
    return DistrictCodeField("departments", gettext_lazy("department"), **kwargs)


class DateOrDateTimeField(serializers.Field):
    """A date (the end of that day counts) or an ISO date-time with its offset."""

    default_error_messages = {
        "invalid": gettext_lazy("Give a date (2026-03-31) or a date and time with zone.")
    }

    def to_internal_value(self, data: Any) -> date | datetime:
        if isinstance(data, str):
            text = data.strip()
            try:
                if len(text) == 10:
                    return date.fromisoformat(text)
                moment = datetime.fromisoformat(text)
            except ValueError:
                self.fail("invalid")
            if timezone.is_naive(moment):
                self.fail("invalid")
            return moment
        self.fail("invalid")
        raise AssertionError  # unreachable: fail() raises

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


extend_schema_field(OpenApiTypes.STR)(DateOrDateTimeField)


# --- Intake ------------------------------------------------------------------------------------------------


class NewEnterpriseSerializer(serializers.Serializer):
    """An enterprise not yet in the ledger, registered with the demand and flagged for the hub to check."""

    uscc = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    area = IdField()


class DemandCreateSerializer(serializers.Serializer):
    enterprise = IdField(required=False)
    new_enterprise = NewEnterpriseSerializer(required=False)
    channel = serializers.ChoiceField(choices=ChannelChoices.choices)
    source = serializers.ChoiceField(
        choices=DirectSourceChoices.choices, required=False, allow_blank=True, default=""
    )
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[validate_contact_phone]
    )
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20000)
    hotline_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    city_reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate_contact_phone(self, value: str) -> str:
        return normalize_phone(value)

    def validate_enterprise(self, value: int) -> Any:
        from demandloop.enterprises.models import Enterprise

        enterprise = Enterprise.objects.for_user(self.context["request"].user).filter(pk=value).first()
        if enterprise is None:
            raise serializers.ValidationError(_("No such enterprise in your part of the ledger."))
        return enterprise

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("enterprise" in attrs) == ("new_enterprise" in attrs):
            raise serializers.ValidationError(
                {
                    "enterprise": [
                        _("Choose an enterprise of the ledger, or register a new one — one of the two.")
                    ]
                }
            )
        return attrs


# --- One input per action ----------------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class ScreenSerializer(NoteSerializer):
    in_scope = serializers.BooleanField()
    exclusion = DistrictCodeField(
        "exclusions", gettext_lazy("exclusion"), required=False, allow_null=True, default=None
    )


class TriageSerializer(NoteSerializer):
    domain = DistrictCodeField("domains", gettext_lazy("domain"))
    complexity = serializers.ChoiceField(choices=ComplexityChoices.choices)
    tier = serializers.IntegerField(min_value=1, max_value=4)
    area = IdField(required=False, allow_null=True, default=None)
    lead_department = _department_field(required=False, allow_null=True, default=None)

    def validate_tier(self, value: int) -> Any:
        tier = self.context["demand"].district.tiers.filter(level=value).first()
        if tier is None:
            raise serializers.ValidationError(_("This district has no tier %(level)d.") % {"level": value})
        return tier

    def validate_area(self, value: int | None) -> Any:
        if value is None:
            return None
        area = self.context["demand"].district.areas.filter(pk=value).first()
        if area is None:
            raise serializers.ValidationError(_("Choose an area of the demand's district."))
        return area


class AnswerSerializer(NoteSerializer):
    answer = serializers.CharField(max_length=20000)


class DispatchSerializer(NoteSerializer):
    lead_department = _department_field(required=False, allow_null=True, default=None)
    co_departments = serializers.ListField(
        child=_department_field(), required=False, default=list, max_length=30
    )


class PlanSerializer(NoteSerializer):
    plan = serializers.CharField(max_length=20000)
    eta = DateOrDateTimeField()


class ReportPartSerializer(serializers.Serializer):
    part = serializers.CharField(max_length=20000)
    department = _department_field(required=False, allow_null=True, default=None)


class ResolveSerializer(NoteSerializer):
    result = serializers.CharField(max_length=20000)


class EvaluateSerializer(serializers.Serializer):
    solved = serializers.ChoiceField(choices=SolvedChoices.choices)
    satisfied = serializers.ChoiceField(choices=SatisfiedChoices.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class EscalateSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=EscalationReasonChoices.choices)


class DecideSerializer(NoteSerializer):
    lead_department = _department_field()
    co_departments = serializers.ListField(
        child=_department_field(), required=False, default=list, max_length=30
    )
    deadline = DateOrDateTimeField()


class TransferSerializer(NoteSerializer):
    city_channel = serializers.ChoiceField(choices=CityChannelChoices.choices)
    # Empty for a channel an integration pushes (津产发 when configured): the city's answer carries it.
    city_reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class CityProgressSerializer(NoteSerializer):
    """The city desk accepts a matter (受理) or reports how it stands (办理中), naming the city unit handling it."""

    stage = serializers.ChoiceField(choices=CityStageChoices.choices)
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return city_desk_progress(attrs["stage"], attrs["unit"], attrs["note"])


class RequestExtensionSerializer(ReasonSerializer):
    until = DateOrDateTimeField()


class MergeSerializer(NoteSerializer):
    duplicate_of = IdField()

    def validate_duplicate_of(self, value: int) -> Demand:
        from django.http import Http404

        try:
            return get_demand_for_user(self.context["request"].user, value)
        except Http404:
            raise serializers.ValidationError(_("No such demand among those you may see.")) from None


# Each action's input; the API route `actions/<name>/` exists for each key. The serializer's validated data
# are the keyword arguments of `do_<name>` (renamed where the API speaks differently, see `api.py`).
ACTION_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    DemandActionChoices.SCREEN: ScreenSerializer,
    DemandActionChoices.TRIAGE: TriageSerializer,
    DemandActionChoices.ANSWER: AnswerSerializer,
    DemandActionChoices.DISPATCH: DispatchSerializer,
    DemandActionChoices.ACCEPT: NoteSerializer,
    DemandActionChoices.RETURN: ReasonSerializer,
    DemandActionChoices.PLAN: PlanSerializer,
    DemandActionChoices.INFORM: NoteSerializer,
    DemandActionChoices.REPORT_PART: ReportPartSerializer,
    DemandActionChoices.RESOLVE: ResolveSerializer,
    DemandActionChoices.EVALUATE: EvaluateSerializer,
    DemandActionChoices.REOPEN: ReasonSerializer,
    DemandActionChoices.ESCALATE: EscalateSerializer,
    DemandActionChoices.DECIDE: DecideSerializer,
    DemandActionChoices.TRANSFER: TransferSerializer,
    DemandActionChoices.CITY_PROGRESS: CityProgressSerializer,
    DemandActionChoices.CITY_RETURN: ReasonSerializer,
    DemandActionChoices.REQUEST_EXTENSION: RequestExtensionSerializer,
    DemandActionChoices.APPROVE_EXTENSION: NoteSerializer,
    DemandActionChoices.REJECT_EXTENSION: ReasonSerializer,
    DemandActionChoices.MERGE: MergeSerializer,
    DemandActionChoices.WITHDRAW: ReasonSerializer,
    DemandActionChoices.CLOSE: NoteSerializer,
}

"""Serializers of whistles and meetings: reads show codes and names; writes take ids, checked in the district."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import serializers

from demandloop.core.api import IdField
from demandloop.meetings.choices import MeetingKindChoices
from demandloop.meetings.models import (
    Meeting,
    MeetingAgendaItem,
    MeetingAttendee,
    MeetingDecision,
    Supervision,
    Whistle,
    WhistleResponse,
)


class DepartmentRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class WhistleResponseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    department = DepartmentRefSerializer(read_only=True)
    reported_by = serializers.StringRelatedField()
    on_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = WhistleResponse
        fields = ["id", "department", "reported_at", "reported_by", "note", "on_time"]


class WhistleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    district = serializers.CharField(source="district.code", read_only=True)
    blown_by = serializers.StringRelatedField()
    responses = WhistleResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = [
            "id",
            "district",
            "demand",
            "blown_by",
            "blown_at",
            "reason",
            "report_due",
            "report_due_provisional",
            "responses",
        ]


class WhistleCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    demand = IdField(label=_("demand"))
    departments = serializers.ListField(child=IdField(), min_length=1, label=_("departments"))
    reason = serializers.CharField(label=_("reason"))


class ReportInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = IdField(required=False, label=_("department"))
    note = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("what the department will do")
    )


class MeetingDecisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lead_department = DepartmentRefSerializer(read_only=True)
    co_departments = DepartmentRefSerializer(many=True, read_only=True)

    class Meta:
        model = MeetingDecision
        fields = ["id", "demand", "lead_department", "co_departments", "deadline", "note", "applied_at"]


class MeetingAgendaItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    demand_title = serializers.CharField(source="demand.title", read_only=True, default="")

    class Meta:
        model = MeetingAgendaItem
        fields = ["id", "order", "demand", "demand_title", "topic", "note"]


class MeetingAttendeeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    user = serializers.StringRelatedField()

    class Meta:
        model = MeetingAttendee
        fields = ["id", "department", "user", "name", "attended"]


class MeetingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    district = serializers.CharField(source="district.code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    called_by = serializers.StringRelatedField()
    agenda = MeetingAgendaItemSerializer(many=True, read_only=True)
    attendees = MeetingAttendeeSerializer(many=True, read_only=True)
    decisions = MeetingDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "district",
            "kind",
            "kind_label",
            "title",
            "scheduled_at",
            "location",
            "chair",
            "whistle",
            "called_by",
            "status",
            "status_label",
            "minutes",
            "held_at",
            "concluded_at",
            "agenda",
            "attendees",
            "decisions",
        ]


class AgendaTopicSerializer(serializers.Serializer):  # type: ignore[type-arg]
    topic = serializers.CharField(max_length=200, label=_("topic"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("note"))


class MeetingCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=MeetingKindChoices.choices, label=_("kind"))
    title = serializers.CharField(max_length=200, label=pgettext_lazy("meeting", "title"))
    scheduled_at = serializers.DateTimeField(label=_("time"))
    location = serializers.CharField(required=False, allow_blank=True, default="", label=_("place"))
    chair = serializers.CharField(required=False, allow_blank=True, default="", label=_("chaired by"))
    whistle = IdField(required=False, allow_null=True, default=None, label=_("whistle"))
    departments = serializers.ListField(child=IdField(), required=False, default=list, label=_("departments"))
    demands = serializers.ListField(
        child=IdField(), required=False, allow_null=True, default=None, label=_("demands")
    )
    topics = AgendaTopicSerializer(many=True, required=False, default=list)


class AgendaItemCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    demand = IdField(required=False, allow_null=True, default=None, label=_("demand"))
    topic = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, label=_("topic")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("note"))


class MinutesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    minutes = serializers.CharField(label=_("minutes"))
    attended_departments = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        default=None,
        label=_("departments that attended"),
    )


class DecisionCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    demand = IdField(label=_("demand"))
    lead_department = IdField(label=_("lead department"))
    co_departments = serializers.ListField(
        child=IdField(), required=False, default=list, label=_("co-departments")
    )
    deadline = serializers.DateField(label=_("deadline"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("decision"))


def department_ref(department: Any) -> dict[str, Any]:
    return {"id": department.pk, "code": department.code, "name": department.name}


class SupervisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A supervision step of the sweep, or a 督办 by hand (step `manual`, with `by` and `note`)."""

    step_label = serializers.CharField(source="get_step_display", read_only=True)
    outcome_label = serializers.CharField(read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    by = serializers.CharField(source="by.get_full_name", read_only=True, default="")

    class Meta:
        model = Supervision
        fields = [
            "id",
            "demand",
            "step",
            "step_label",
            "clock",
            "due",
            "at",
            "department",
            "tier",
            "outcome",
            "outcome_label",
            "recipients",
            "by",
            "note",
        ]


class SuperviseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    demand = IdField(label=_("demand"))
    note = serializers.CharField(label=_("what is urged"), max_length=500)

"""Serializers of the solicitation API: what a campaign shows to whom, and the input of each write."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from demandloop.core.api import IdField
from demandloop.demands.choices import ComplexityChoices
from demandloop.solicitation.choices import ReplyStateChoices
from demandloop.solicitation.models import Campaign, CampaignTarget, ReplyProblem
from demandloop.solicitation.queries import reply_state


class ProblemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise = serializers.CharField(source="enterprise.name", allow_null=True, default=None)
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", allow_null=True, default=None)
    area = serializers.CharField(source="area.code", allow_null=True, default=None)
    demand = serializers.IntegerField(source="demand_id", allow_null=True)
    demand_status = serializers.CharField(source="demand.status", allow_null=True, default=None)

    class Meta:
        model = ReplyProblem
        fields = [
            "id",
            "order",
            "enterprise",
            "enterprise_uscc",
            "area",
            "content",
            "complexity",
            "demand",
            "demand_status",
        ]


class TargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit = serializers.CharField(source="unit.name")
    unit_code = serializers.CharField(source="unit.code")
    state = serializers.SerializerMethodField()
    reply_status = serializers.CharField(source="reply.status", allow_null=True, default=None)
    no_problems = serializers.BooleanField(source="reply.no_problems", allow_null=True, default=None)
    is_late = serializers.BooleanField(source="reply.is_late", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField(source="reply.submitted_at", allow_null=True, default=None)
    returned_reason = serializers.CharField(source="reply.returned_reason", allow_null=True, default=None)
    problems = serializers.SerializerMethodField()

    class Meta:
        model = CampaignTarget
        fields = [
            "id",
            "kind",
            "unit",
            "unit_code",
            "state",
            "reply_status",
            "no_problems",
            "is_late",
            "submitted_at",
            "returned_reason",
            "problems",
        ]

    def get_state(self, target: CampaignTarget) -> str:
        return reply_state(target, target.campaign)

    def get_problems(self, target: CampaignTarget) -> list[dict[str, Any]]:
        reply = getattr(target, "reply", None)
        if reply is None:
            return []
        # Prefetched in order by the API (`api.with_problems`).
        return ProblemSerializer(reply.problems.all(), many=True).data  # type: ignore[no-any-return]


class CampaignSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    district = serializers.CharField(source="district.code")
    domain = serializers.CharField(source="domain.code", allow_null=True, default=None)
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "district",
            "title",
            "instructions",
            "domain",
            "status",
            "reply_days",
            "reply_by",
            "reply_due",
            "reply_due_provisional",
            "created_at",
            "launched_at",
            "closed_at",
            "targets",
        ]

    def get_targets(self, campaign: Campaign) -> list[dict[str, Any]]:
        """Every unit for the hub; the caller's own units for a unit (`context["targets"]`)."""
        targets = self.context.get("targets", {}).get(campaign.pk, [])
        for target in targets:
            target.campaign = campaign
        return TargetSerializer(targets, many=True).data  # type: ignore[no-any-return]


class CampaignCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    district = serializers.CharField(required=False, help_text=_("district code (default: your own)"))
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField()
    domain = serializers.CharField(required=False, allow_blank=True, help_text=_("domain code"))
    localities = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    departments = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    all_localities = serializers.BooleanField(required=False, default=False)
    all_departments = serializers.BooleanField(required=False, default=False)
    reply_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=60)
    reply_by = serializers.DateField(required=False, allow_null=True)
    launch = serializers.BooleanField(required=False, default=False, help_text=_("launch at once"))


class ProblemInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("unified social credit code or full name; empty: general"),
    )
    area = serializers.CharField(required=False, allow_blank=True, help_text=_("area name or code"))
    content = serializers.CharField()
    complexity = serializers.ChoiceField(choices=ComplexityChoices.choices)


class ReplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    target = IdField(required=False, help_text=_("target id; needed when you answer for two units"))
    problems = ProblemInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    no_problems = serializers.BooleanField(required=False, default=False)
    submit = serializers.BooleanField(required=False, default=False, help_text=_("submit after saving"))


class TargetChoiceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    target = IdField()


class ReturnSerializer(serializers.Serializer):  # type: ignore[type-arg]
    target = IdField()
    reason = serializers.CharField(max_length=500)


class ReminderSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    sent_at = serializers.DateTimeField()
    units = serializers.ListField(child=serializers.CharField())
    recipients = serializers.IntegerField()


REPLY_STATES = ReplyStateChoices.values

"""Administration of whistles, meetings and supervision: a district's supervision policy is set here; the rest
is read-only (writes go through the actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from demandloop.meetings.models import Meeting, Supervision, SupervisionPolicy, Whistle


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "district",
        "reminder_mode",
        "reminder_working_days",
        "reminder_share_percent",
        "overdue_action",
        "overdue_after_working_days",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ["pk", "district", "demand", "blown_by", "blown_at", "report_due"]
    list_filter = ["district"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "district", "kind", "scheduled_at", "status"]
    list_filter = ["district", "kind", "status"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["demand", "clock", "step", "due", "at", "outcome", "recipients"]
    list_filter = ["district", "clock", "step", "outcome"]

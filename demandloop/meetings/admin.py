"""Administration of whistles, meetings and supervision: a district's supervision policy is set here; the rest
is read-only (writes go through the actions)."""

from __future__ import annotations

from django.contrib import admin

from demandloop.core.admin import ReadOnlyMixin
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


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


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

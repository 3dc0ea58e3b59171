"""Administration of solicitation campaigns: read-only, scoped by district (`demandloop.core.admin`).

A campaign and its replies change only through `solicitation.actions` (the notifications, the demands made of
accepted problems, the audit rows go with them), so the admin shows them and changes nothing: the hub of a
district sees its own campaigns, the deployment's administrator every district's. Each unit asked is a row of
the campaign's page with where its reply stands.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from demandloop.core.admin import DistrictScopedModelAdmin, DistrictScopedTabularInline, ReadOnlyMixin
from demandloop.solicitation.models import Campaign, CampaignTarget


class ReplyInline(ReadOnlyMixin, DistrictScopedTabularInline):
    """The units asked and their replies (a reply belongs to its unit's row)."""

    model = CampaignTarget
    district_lookup = "campaign__district"
    verbose_name = _("reply")
    verbose_name_plural = _("replies")
    extra = 0
    # The unit itself heads each row (the inline shows its object); these say where its reply stands.
    fields = ["kind", "reply_status", "submitted_at", "submitted_by", "late", "problems"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("locality", "department", "reply__submitted_by")
            .annotate(problem_count=Count("reply__problems"))
        )

    @admin.display(description=_("Reply"))
    def reply_status(self, target: CampaignTarget) -> str:
        reply = getattr(target, "reply", None)
        if reply is None:
            return str(_("Not yet replied"))
        if reply.no_problems:
            return f"{reply.get_status_display()} · {_('no problems this time')}"
        return str(reply.get_status_display())

    @admin.display(description=_("Submitted at"))
    def submitted_at(self, target: CampaignTarget) -> str:
        reply = getattr(target, "reply", None)
        if reply is None or reply.submitted_at is None:
            return "-"
        return str(formats.localize(timezone.localtime(reply.submitted_at)))

    @admin.display(description=_("Submitted by"))
    def submitted_by(self, target: CampaignTarget) -> str:
        reply = getattr(target, "reply", None)
        return str(reply.submitted_by) if reply is not None and reply.submitted_by is not None else "-"

    @admin.display(description=_("Late"), boolean=True)
    def late(self, target: CampaignTarget) -> bool | None:
        reply = getattr(target, "reply", None)
        return reply.is_late if reply is not None and reply.submitted_at else None

    @admin.display(description=_("Problems"))
    def problems(self, target: CampaignTarget) -> int:
        return int(getattr(target, "problem_count", 0))


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyMixin, DistrictScopedModelAdmin):
    inlines = [ReplyInline]
    list_display = ["title", "district", "status", "reply_due", "launched_at", "closed_at", "created_by"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter), "status", "is_demo"]
    search_fields = ["title", "instructions"]
    list_select_related = ["district", "created_by"]
    date_hierarchy = "created_at"
    fields = [
        "district",
        "title",
        "instructions",
        "domain",
        "status",
        "reply_days",
        "reply_by",
        "reply_due",
        "reply_due_provisional",
        "created_by",
        "created_at",
        "launched_at",
        "closed_at",
        "is_demo",
    ]
    readonly_fields = fields

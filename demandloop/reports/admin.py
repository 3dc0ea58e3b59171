"""Administration of the issued monthly reports: read-only, scoped by district (`demandloop.core.admin`).

An issue is the district's document of record: it is written once by `reports.actions.do_issue_report` (with
its number, its notifications and its audit row) and corrected only by a new issue, so the admin shows issues
and reminders and changes nothing. The hub of a district sees its own, the deployment's administrator every
district's; the files are read on the issue's own page, where they are served with their names.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from demandloop.core.admin import DistrictScopedModelAdmin, ReadOnlyMixin
from demandloop.reports.models import IssuedReport, IssuedReportQuerySet, IssueReminder


@admin.register(IssuedReport)
class IssuedReportAdmin(ReadOnlyMixin, DistrictScopedModelAdmin):
    list_display = ["number_label", "district", "month", "issued_at", "issued_by", "current", "recipients"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter), "year", "is_demo"]
    search_fields = ["reason"]
    list_select_related = ["district", "issued_by"]
    date_hierarchy = "issued_at"
    # The snapshot and the two files are tens of kilobytes each: the page links to the issue instead.
    fields = [
        "district",
        "month",
        "number_label",
        "issued_at",
        "issued_by",
        "recipients",
        "corrects",
        "reason",
        "superseded_at",
        "is_demo",
        "platform_page",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[IssuedReport]:
        queryset: IssuedReportQuerySet = super().get_queryset(request)
        return queryset.without_files()

    @admin.display(description=_("issue"), ordering="number")
    def number_label(self, issue: IssuedReport) -> str:
        return issue.number_label

    @admin.display(description=_("current issue"), boolean=True)
    def current(self, issue: IssuedReport) -> bool:
        return issue.is_current

    @admin.display(description=_("on the platform"))
    def platform_page(self, issue: IssuedReport) -> str:
        url = reverse("issued_report_detail", args=[issue.pk])
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(IssueReminder)
class IssueReminderAdmin(ReadOnlyMixin, DistrictScopedModelAdmin):
    list_display = ["district", "month", "sent_at", "recipients"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district"]

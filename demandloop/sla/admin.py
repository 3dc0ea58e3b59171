"""Admin pages of the working-day calendar: overrides and published years (with their history), official days.

Saving and deleting go through `actions.py`, so each change records its author and reaches every process.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from demandloop.core.admin import ReadOnlyMixin
from demandloop.sla.actions import do_delete_override, do_publish_year, do_set_override, do_unpublish_year
from demandloop.sla.models import CalendarOverride, OfficialDay, PublishedYear, PublishedYearSourceChoices

_AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")


def _acting_user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ("date", "kind", "note", "source", "updated_by", "updated_at")
    list_filter = ("kind", "source")
    search_fields = ("date", "note")
    date_hierarchy = "date"
    fields = ("date", "kind", "note", "source", *_AUDIT_FIELDS)

    def get_readonly_fields(
        self, request: HttpRequest, obj: CalendarOverride | None = None
    ) -> tuple[str, ...]:
        # The date is the override's identity: a different date is a different override.
        if obj is not None:
            return ("date", "source", *_AUDIT_FIELDS)
        return ("source", *_AUDIT_FIELDS)

    def save_model(self, request: HttpRequest, obj: CalendarOverride, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        saved = do_set_override(day=obj.date, kind=obj.kind, note=obj.note, user=_acting_user(request))
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        do_delete_override(obj, user=_acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for override in queryset:
            do_delete_override(override, user=_acting_user(request))


@admin.register(PublishedYear)
class PublishedYearAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ("year", "source", "replaces_official", "note", "updated_by", "updated_at")
    list_filter = ("source", "replaces_official")
    fields = ("year", "source", "replaces_official", "note", *_AUDIT_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: PublishedYear | None = None) -> tuple[str, ...]:
        if obj is not None:
            return ("year", "source", *_AUDIT_FIELDS)
        return ("source", *_AUDIT_FIELDS)

    def save_model(self, request: HttpRequest, obj: PublishedYear, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        source = obj.source if change and obj.source else PublishedYearSourceChoices.MANUAL
        saved = do_publish_year(
            year=obj.year,
            user=_acting_user(request),
            source=source,
            replaces_official=obj.replaces_official,
            note=obj.note,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: PublishedYear) -> None:
        do_unpublish_year(obj, user=_acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PublishedYear]) -> None:
        for published in queryset:
            do_unpublish_year(published, user=_acting_user(request))


@admin.register(OfficialDay)
class OfficialDayAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: these rows mirror the chinesecalendar package; corrections are overrides."""

    list_display = ("date", "kind", "holiday", "source")
    list_filter = ("kind", "holiday")
    date_hierarchy = "date"

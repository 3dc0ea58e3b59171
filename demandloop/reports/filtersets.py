"""The one FilterSet of issued reports (the archive's API filter). The queryset it filters is always already
scoped (`IssuedReport.objects.for_user`)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from demandloop.knowledge.filtersets import YearFilter
from demandloop.reports.models import IssuedReport


class IssuedReportFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label=_("district code"))
    year = YearFilter(field_name="year", label=_("year of issue"), min_value=2000, max_value=2100)
    current = django_filters.BooleanFilter(method="filter_current", label=_("only the issues in force"))

    class Meta:
        model = IssuedReport
        fields = ["district", "year", "current"]

    def filter_current(
        self, queryset: QuerySet[IssuedReport], name: str, value: bool | None
    ) -> QuerySet[IssuedReport]:
        if value is None:
            return queryset
        return queryset.filter(superseded_at__isnull=value)

"""The one FilterSet of typical cases: the list page and the API filter alike (STYLE.md rule 9). The queryset it
filters is always already scoped (`TypicalCase.objects.for_user`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from demandloop.knowledge.choices import CaseStatusChoices
from demandloop.knowledge.models import TypicalCase


class YearFilter(django_filters.NumberFilter):
    """A year of four digits; anything else is a 400 naming the filter."""

    field_class = forms.IntegerField


class TypicalCaseFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label=_("district code"))
    year = YearFilter(field_name="year", label=_("year"), min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=CaseStatusChoices.choices, label=_("status"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("only my cases"))
    q = django_filters.CharFilter(method="filter_q", label=_("search"))

    class Meta:
        model = TypicalCase
        fields = ["district", "year", "status", "mine", "q"]

    def filter_mine(
        self, queryset: QuerySet[TypicalCase], name: str, value: bool | None
    ) -> QuerySet[TypicalCase]:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(author_id=user.pk) if value else queryset.exclude(author_id=user.pk)

    def filter_q(self, queryset: QuerySet[TypicalCase], name: str, value: str) -> QuerySet[TypicalCase]:
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(background__icontains=word) | Q(lessons__icontains=word)
            )
        return queryset

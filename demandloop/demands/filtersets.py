"""The one FilterSet of demands: the list page, the API and the exports filter alike (STYLE.md rule 9).

References to other objects are plain numbers or codes, never validated choices: a choice field would tell a user
whether an id outside their scope exists. The queryset it filters is always already scoped (`for_user`).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demandloop.demands.choices import (
    ChannelChoices,
    ComplexityChoices,
    DemandStatusChoices,
    DirectSourceChoices,
)
from demandloop.demands.flow import OPEN_STATUSES
from demandloop.demands.models import Demand, DemandCoDepartment
from demandloop.demands.queries import completion_overdue_q, response_overdue_q
from demandloop.lib.lookups import ID_LIMIT


class IdFilter(django_filters.NumberFilter):
    """A whole number within the database's integer range; anything else is a 400 naming the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", ID_LIMIT - 1)
        super().__init__(*args, **kwargs)


class OverdueChoices:
    RESPONSE = "response"
    COMPLETION = "completion"
    ANY = "any"
    choices = (
        (RESPONSE, _("response deadline passed")),
        (COMPLETION, _("completion deadline passed")),
        (ANY, _("either deadline passed")),
    )


class DemandFilterSet(django_filters.FilterSet):
    """Filters of the demand lists; `q` finds words of the title, content, enterprise or a work-order number."""

    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    status = django_filters.MultipleChoiceFilter(choices=DemandStatusChoices.choices, label=_("status"))
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("open"))
    channel = django_filters.ChoiceFilter(choices=ChannelChoices.choices, label=_("channel"))
    source = django_filters.ChoiceFilter(choices=DirectSourceChoices.choices, label=_("source"))
    complexity = django_filters.ChoiceFilter(choices=ComplexityChoices.choices, label=_("complexity"))
    district = django_filters.CharFilter(field_name="district__code", label=_("district code"))
    tier = IdFilter(field_name="tier__level", label=_("tier"))
    domain = django_filters.CharFilter(field_name="domain__code", label=_("domain code"))
    area = IdFilter(field_name="area_id", label=_("area"))
    enterprise = IdFilter(field_name="enterprise_id", label=_("enterprise"))
    lead_department = IdFilter(field_name="lead_department_id", label=_("lead department"))
    department = IdFilter(method="filter_department", label=_("lead or co-department"))
    received_from = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("received from")
    )
    received_to = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("received until")
    )
    overdue = django_filters.ChoiceFilter(
        choices=OverdueChoices.choices, method="filter_overdue", label=_("overdue")
    )
    reopened = django_filters.BooleanFilter(method="filter_reopened", label=_("reopened"))
    hotline_number = django_filters.CharFilter(label=_("12345 work-order number"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("received_at", "received_at"),
            ("response_due", "response_due"),
            ("completion_due", "completion_due"),
            ("status_changed_at", "status_changed_at"),
            ("id", "id"),
        ),
        label=_("ordering"),
    )

    class Meta:
        model = Demand
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Demand], name: str, value: str) -> QuerySet[Demand]:
        text = value.strip()
        if not text:
            return queryset
        cond = (
            Q(title__icontains=text)
            | Q(content__icontains=text)
            | Q(enterprise__name__icontains=text)
            | Q(hotline_number=text)
            | Q(city_reference=text)
        )
        if text.lstrip("#").isdigit() and len(text) < 19:
            cond |= Q(pk=int(text.lstrip("#")))
        return queryset.filter(cond)

    def filter_open(self, queryset: QuerySet[Demand], name: str, value: bool | None) -> QuerySet[Demand]:
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
        )

    def filter_department(self, queryset: QuerySet[Demand], name: str, value: int | None) -> QuerySet[Demand]:
        if value is None:
            return queryset
        co = DemandCoDepartment.objects.filter(demand=OuterRef("pk"), department_id=value)
        return queryset.filter(Q(lead_department_id=value) | Q(Exists(co)))

    def filter_overdue(self, queryset: QuerySet[Demand], name: str, value: str) -> QuerySet[Demand]:
        now = timezone.now()
        if value == OverdueChoices.RESPONSE:
            return queryset.filter(response_overdue_q(now))
        if value == OverdueChoices.COMPLETION:
            return queryset.filter(completion_overdue_q(now))
        if value == OverdueChoices.ANY:
            return queryset.filter(response_overdue_q(now) | completion_overdue_q(now))
        return queryset

    def filter_reopened(self, queryset: QuerySet[Demand], name: str, value: bool | None) -> QuerySet[Demand]:
        if value is None:
            return queryset
        return queryset.filter(reopen_count__gt=0) if value else queryset.filter(reopen_count=0)

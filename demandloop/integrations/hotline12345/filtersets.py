"""The one FilterSet of 12345 work orders: the dispatcher's page and the API filter alike (STYLE.md rule 9).

The queryset it filters is always already scoped (`HotlineOrder.objects.for_user`).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from demandloop.demands.choices import DemandStatusChoices
from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices, SyncStateChoices
from demandloop.integrations.hotline12345.models import HotlineOrder

# The outbox states behind each sync state (OutboxMessage.status), for filtering in the database.
_PENDING_DELIVERY = ("pending", "sending")


def sync_state_q(state: str) -> Q:
    """The orders whose `HotlineOrder.sync_state` is `state`, as a filter (the same rule, in SQL)."""
    reported = ~Q(feedback_status="")
    accepted = Q(feedback_delivered_at__isnull=False) | Q(feedback_message__status="delivered")
    if state == SyncStateChoices.IDLE:
        return Q(feedback_status="")
    if state == SyncStateChoices.DELIVERED:
        return reported & accepted
    if state == SyncStateChoices.FAILED:
        return reported & Q(feedback_delivered_at__isnull=True, feedback_message__status="failed")
    return (
        reported
        & Q(feedback_delivered_at__isnull=True)
        & (Q(feedback_message__isnull=True) | Q(feedback_message__status__in=_PENDING_DELIVERY))
    )


class HotlineOrderFilterSet(django_filters.FilterSet):
    """Filters of the work-order lists; `q` finds a number, an enterprise, or words of the title or content."""

    q = django_filters.CharFilter(method="filter_q", label=_("search"))
    district = django_filters.CharFilter(field_name="district__code", label=_("district code"))
    linked = django_filters.BooleanFilter(
        field_name="demand", lookup_expr="isnull", exclude=True, label=_("linked to a demand")
    )
    enterprise_match = django_filters.ChoiceFilter(
        choices=EnterpriseMatchChoices.choices, label=_("enterprise match")
    )
    sync_state = django_filters.ChoiceFilter(
        choices=SyncStateChoices.choices, method="filter_sync_state", label=_("status-back")
    )
    demand_status = django_filters.MultipleChoiceFilter(
        field_name="demand__status", choices=DemandStatusChoices.choices, label=_("demand status")
    )
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("received on or after")
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("received on or before")
    )

    class Meta:
        model = HotlineOrder
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[HotlineOrder], name: str, value: str) -> QuerySet[HotlineOrder]:
        words = value.split()
        for word in words[:5]:
            queryset = queryset.filter(
                Q(number__icontains=word)
                | Q(enterprise_name__icontains=word)
                | Q(title__icontains=word)
                | Q(content__icontains=word)
            )
        return queryset

    def filter_sync_state(
        self, queryset: QuerySet[HotlineOrder], name: str, value: str
    ) -> QuerySet[HotlineOrder]:
        return queryset.filter(sync_state_q(value)) if value else queryset

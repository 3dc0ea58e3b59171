"""The one FilterSet of the ledger: the list page, the API and the export filter alike (STYLE.md rule 9)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from demandloop.enterprises.models import Enterprise
from demandloop.lib.uscc import normalize_uscc


class EnterpriseFilterSet(django_filters.FilterSet):
    """Filters of the ledger; `q` finds a name fragment or the start of a 统一社会信用代码."""

    q = django_filters.CharFilter(method="filter_q", label=_("name or unified social credit code"))

    class Meta:
        model = Enterprise
        fields = ["district", "area", "locality", "park", "kind", "status", "is_key", "key_department"]

    def filter_q(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        text = value.strip()
        if not text:
            return queryset
        # Codes are stored compact and in capitals; people paste them with spaces.
        return queryset.filter(Q(name__icontains=text) | Q(uscc__startswith=normalize_uscc(text).upper()))

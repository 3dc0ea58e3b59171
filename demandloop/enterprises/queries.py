"""Scoped reads of the ledger (STYLE.md rule 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.shortcuts import get_object_or_404

from demandloop.lib.address import AreaCandidate
from demandloop.org.scope import resolve_scope

if TYPE_CHECKING:
    from demandloop.enterprises.models import Enterprise, EnterpriseQuerySet


def scope_enterprises(qs: EnterpriseQuerySet, user: Any) -> EnterpriseQuerySet:
    """The enterprises `user` may see: whole districts for hubs, areas for officers and leaders,
    parks for 双重服务员, key enterprises for their departments, its own for an enterprise."""
    scope = resolve_scope(user)
    if scope.is_global_admin:
        return qs
    cond = Q(pk__in=[])
    if scope.full_district_ids:
        cond |= Q(district_id__in=scope.full_district_ids)
    if scope.area_ids:
        cond |= Q(area_id__in=scope.area_ids)
    if scope.locality_ids:
        cond |= Q(park_id__in=scope.locality_ids)
    if scope.key_department_ids:
        cond |= Q(is_key=True, key_department_id__in=scope.key_department_ids)
    if scope.enterprise_ids:
        cond |= Q(pk__in=scope.enterprise_ids)
    return qs.filter(cond)


def get_enterprise_for_user(user: Any, pk: int) -> Enterprise:
    """The enterprise `pk` if `user` may see it; 404 otherwise, the same as a missing one."""
    from demandloop.enterprises.models import Enterprise

    return get_object_or_404(Enterprise.objects.for_user(user), pk=pk)


def area_candidates(district_id: int) -> list[AreaCandidate]:
    """The areas of a district as the address matcher reads them (one query)."""
    from demandloop.org.models import Area

    areas = Area.objects.filter(district_id=district_id).select_related("locality").order_by("order", "code")
    return [
        AreaCandidate(
            area_id=area.pk,
            locality_id=area.locality_id,
            locality_name=area.locality.name,
            keywords=tuple(str(word) for word in area.address_keywords or ()),
        )
        for area in areas
    ]

"""Scoped reads of the ledger (STYLE.md rule 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from demandloop.org.scope import resolve_scope

if TYPE_CHECKING:
    from demandloop.enterprises.models import EnterpriseQuerySet


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

"""Scoped reads of the ledger (STYLE.md rule 3)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from demandloop.lib.address import AreaCandidate
from demandloop.lib.lookups import get_for_user_or_404
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

    found: Enterprise = get_for_user_or_404(Enterprise.objects.all(), user, pk)
    return found


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


@dataclass(frozen=True)
class HistoryChange:
    field: str
    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One kept version of an enterprise and how it differs from the version before."""

    history_id: int
    history_date: datetime.datetime
    history_type: str
    user: str | None
    reason: str | None
    changes: list[HistoryChange]


# Fields whose change is bookkeeping, not news.
_UNTRACKED = frozenset({"id", "created_at", "updated_at"})


def enterprise_history(enterprise: Enterprise) -> list[HistoryEntry]:
    """The versions of `enterprise`, newest first, each with its author and changed fields (3 queries)."""
    from demandloop.enterprises.models import Enterprise

    records = list(enterprise.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = [f for f in Enterprise._meta.concrete_fields if f.name not in _UNTRACKED]
    # Related names in one query per related model, not one per record.
    names: dict[str, dict[Any, str]] = {}
    for field in fields:
        related = field.related_model
        if field.is_relation and related is not None and not isinstance(related, str):
            ids = {getattr(r, field.attname) for r in records} - {None}
            names[field.name] = {pk: str(obj) for pk, obj in related._base_manager.in_bulk(ids).items()}

    def shown(record: Any, field: Any) -> str | None:
        value = None if record is None else getattr(record, field.attname)
        if value is None:
            return None
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if field.name in names:
            return names[field.name].get(value, str(value))
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return str(value)

    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        changes = [
            HistoryChange(field.name, str(field.verbose_name), shown(previous, field), shown(record, field))
            for field in fields
            if previous is None or getattr(previous, field.attname) != getattr(record, field.attname)
        ]
        if previous is None:
            changes = [change for change in changes if change.new not in (None, "")]
        user = record.history_user
        entries.append(
            HistoryEntry(
                history_id=record.history_id,
                history_date=record.history_date,
                history_type=record.history_type,
                user=user.get_full_name() if user is not None else None,
                reason=record.history_change_reason,
                changes=changes,
            )
        )
        previous = record
    entries.reverse()
    return entries

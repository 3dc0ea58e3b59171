"""What each of a user's roles reaches, role by role, for the two ledger decisions that depend on the role and
not only on visibility: who may edit an enterprise, and who reads its contacts unmasked.

`demandloop.org.scope.Scope` merges every role's reach into one set per kind (what the user *sees*). That is
not enough here: an officer of area A who is also a district leader for area B sees both, but reads contacts
and edits enterprises only in A, as an officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from demandloop.org.choices import PERSONAL_DATA_ROLES, RoleChoices
from demandloop.org.scope import resolve_scope


@dataclass(frozen=True)
class LedgerGrant:
    """Ids reached by a subset of a user's roles: whole districts, areas, departments' key enterprises."""

    district_ids: frozenset[int] = frozenset()
    area_ids: frozenset[int] = frozenset()
    key_department_ids: frozenset[int] = frozenset()

    def covers(self, enterprise: Any) -> bool:
        """Whether `enterprise` (anything with district_id, area_id, is_key, key_department_id) is inside."""
        return (
            enterprise.district_id in self.district_ids
            or (enterprise.area_id is not None and enterprise.area_id in self.area_ids)
            or (enterprise.is_key and enterprise.key_department_id in self.key_department_ids)
        )


@dataclass(frozen=True)
class LedgerGrants:
    # Hubs of a district and officers of an area register and edit enterprises (DESIGN.md §1, §6 ledger).
    editor: LedgerGrant
    # Roles of PERSONAL_DATA_ROLES, each within its own reach.
    personal_data: LedgerGrant


_EMPTY = LedgerGrants(editor=LedgerGrant(), personal_data=LedgerGrant())


def ledger_grants(user: Any) -> LedgerGrants:
    """The ledger grants of `user`, computed once per user object (like the scope)."""
    if not resolve_scope(user).roles:
        return _EMPTY
    cached = getattr(user, "_demandloop_ledger_grants", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    edit_districts: set[int] = set()
    edit_areas: set[int] = set()
    pd_districts: set[int] = set()
    pd_areas: set[int] = set()
    pd_departments: set[int] = set()
    for m in user.memberships.filter(is_active=True).prefetch_related("areas"):
        area_ids = {a.pk for a in m.areas.all()}
        if m.role == RoleChoices.HUB and m.district_id:
            edit_districts.add(m.district_id)
        elif m.role == RoleChoices.OFFICER:
            edit_areas |= area_ids
        if m.role not in PERSONAL_DATA_ROLES:
            continue
        if m.role in (RoleChoices.HUB, RoleChoices.DISPATCHER) and m.district_id:
            pd_districts.add(m.district_id)
        elif m.role == RoleChoices.OFFICER:
            pd_areas |= area_ids
        elif m.role == RoleChoices.INDUSTRY_OFFICER and m.department_id:
            pd_departments.add(m.department_id)
    grants = LedgerGrants(
        editor=LedgerGrant(district_ids=frozenset(edit_districts), area_ids=frozenset(edit_areas)),
        personal_data=LedgerGrant(
            district_ids=frozenset(pd_districts),
            area_ids=frozenset(pd_areas),
            key_department_ids=frozenset(pd_departments),
        ),
    )
    user._demandloop_ledger_grants = grants
    return grants


def forget_ledger_grants(user: Any) -> None:
    """Drop the cached grants, e.g. after the user's memberships changed."""
    if hasattr(user, "_demandloop_ledger_grants"):
        del user._demandloop_ledger_grants


def can_edit_enterprise(user: Any, enterprise: Any) -> bool:
    """Whether `user` may register or change `enterprise` (saved or not) as it stands."""
    return ledger_grants(user).editor.covers(enterprise)


def can_register_in(user: Any, district_id: int, area_id: int | None) -> bool:
    """Whether `user` may register an enterprise in this district and area (None: area still unknown)."""
    editor = ledger_grants(user).editor
    return district_id in editor.district_ids or (area_id is not None and area_id in editor.area_ids)

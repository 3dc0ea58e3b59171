"""What a user may see, resolved once per request from their memberships (DESIGN.md §1, STYLE.md rule 3).

Every scoped queryset (`Enterprise.objects.for_user`, `Demand.objects.for_user` …) reads a `Scope`; nothing
filters by role in a view or a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from demandloop.org.choices import (
    ADMIN_ROLES,
    DISTRICT_ROLES,
    PERSONAL_DATA_ROLES,
    RoleChoices,
)

if TYPE_CHECKING:
    from demandloop.org.models import User


@dataclass(frozen=True)
class Scope:
    """The ids a user reaches, per kind of grant. Empty sets grant nothing."""

    roles: frozenset[str] = frozenset()
    # Districts whose every object the user sees (hub, dispatcher, district-bound administrators).
    full_district_ids: frozenset[int] = frozenset()
    # Every district the user belongs to in any role (for reference data: departments, tiers …).
    district_ids: frozenset[int] = frozenset()
    # First-tier areas: officers' own areas and leaders' areas.
    area_ids: frozenset[int] = frozenset()
    # Parks / business districts of 双重服务员.
    locality_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    # Departments whose key enterprises the user serves (行业主管部门).
    key_department_ids: frozenset[int] = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    # Deployment-wide administration (no district in the membership).
    is_global_admin: bool = False
    unmasked_roles: frozenset[str] = field(default=frozenset())

    @property
    def sees_personal_data(self) -> bool:
        return bool(self.unmasked_roles)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_staff_scope(self) -> bool:
        """Whether the user works for a district (anything but an enterprise account)."""
        return bool(self.roles - {RoleChoices.ENTERPRISE})


EMPTY_SCOPE = Scope()


def resolve_scope(user: User | Any) -> Scope:
    """Build (and cache on the user object) the scope of `user`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_demandloop_scope", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    full_districts: set[int] = set()
    districts: set[int] = set()
    areas: set[int] = set()
    localities: set[int] = set()
    departments: set[int] = set()
    key_departments: set[int] = set()
    enterprises: set[int] = set()
    unmasked: set[str] = set()
    global_admin = False
    memberships = (
        user.memberships.filter(is_active=True)
        .select_related("leader_post")
        .prefetch_related("areas", "leader_post__areas")
    )
    for m in memberships:
        roles.add(m.role)
        if m.district_id:
            districts.add(m.district_id)
        if m.role in PERSONAL_DATA_ROLES:
            unmasked.add(m.role)
        if m.role in DISTRICT_ROLES and m.district_id:
            full_districts.add(m.district_id)
        elif m.role in ADMIN_ROLES:
            if m.district_id:
                full_districts.add(m.district_id)
            else:
                global_admin = True
        elif m.role == RoleChoices.OFFICER:
            areas.update(a.pk for a in m.areas.all())
        elif m.role == RoleChoices.SOCIAL_OFFICER:
            # A 双重服务员 serves its park or business district, not the whole street.
            if m.locality_id:
                localities.add(m.locality_id)
            areas.update(a.pk for a in m.areas.all())
        elif m.role == RoleChoices.LEADER:
            areas.update(a.pk for a in m.areas.all())
            if m.leader_post is not None:
                areas.update(a.pk for a in m.leader_post.areas.all())
        elif m.role in (RoleChoices.COORDINATOR, RoleChoices.DEPT_LEAD):
            if m.department_id:
                departments.add(m.department_id)
        elif m.role == RoleChoices.INDUSTRY_OFFICER:
            if m.department_id:
                departments.add(m.department_id)
                key_departments.add(m.department_id)
        elif m.role == RoleChoices.ENTERPRISE and m.enterprise_id:
            enterprises.add(m.enterprise_id)
        elif m.role == RoleChoices.CITY and not m.district_id:
            # The city desk of a city-wide deployment serves every district (its reference data); which demands
            # it reaches is decided by `demands.queries` (those transferred to the city).
            districts.update(city_district_ids())
    scope = Scope(
        roles=frozenset(roles),
        full_district_ids=frozenset(full_districts),
        district_ids=frozenset(districts),
        area_ids=frozenset(areas),
        locality_ids=frozenset(localities),
        department_ids=frozenset(departments),
        key_department_ids=frozenset(key_departments),
        enterprise_ids=frozenset(enterprises),
        is_global_admin=global_admin,
        unmasked_roles=frozenset(unmasked),
    )
    user._demandloop_scope = scope
    return scope


def city_district_ids() -> set[int]:
    """Every active district of the deployment: what a city desk without a district of its own serves."""
    from demandloop.org.models import District

    return set(District.objects.filter(is_active=True).values_list("pk", flat=True))


def forget_scope(user: Any) -> None:
    """Drop the cached scope, e.g. after the user's memberships changed."""
    if hasattr(user, "_demandloop_scope"):
        del user._demandloop_scope

"""Who is told: the people behind a department, an area, a leader post or a district hub, read from memberships."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from demandloop.org.choices import AREA_ROLES, RoleChoices
from demandloop.org.models import User


def _active(memberships: Q) -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(memberships__in=_memberships(memberships)).distinct()


def _memberships(condition: Q) -> Any:
    from demandloop.org.models import Membership

    return Membership.objects.filter(condition, is_active=True)


def department_people(
    departments: Iterable[Any], roles: Iterable[str] = (RoleChoices.COORDINATOR,)
) -> list[User]:
    ids = [department.pk for department in departments]
    if not ids:
        return []
    return list(_active(Q(department_id__in=ids, role__in=list(roles))).order_by("pk"))


def department_leads(departments: Iterable[Any]) -> list[User]:
    return department_people(departments, roles=(RoleChoices.DEPT_LEAD,))


def area_officers(area: Any) -> list[User]:
    if area is None:
        return []
    return list(_active(Q(role__in=list(AREA_ROLES), areas=area)).order_by("pk"))


def area_leaders(area: Any) -> list[User]:
    """The district leaders responsible for `area` (协调专员, 静海 §一(三)): by their post's areas or their own."""
    if area is None:
        return []
    condition = Q(role=RoleChoices.LEADER) & (Q(areas=area) | Q(leader_post__areas=area))
    return list(_active(condition).order_by("pk"))


def district_hub(district_id: int) -> list[User]:
    return list(_active(Q(role=RoleChoices.HUB, district_id=district_id)).order_by("pk"))


def city_desk(district_id: int) -> list[User]:
    """The city desk (市级专席) that receives the district's transfers in a city-wide deployment: desks of the
    whole city (no district in the membership) and desks of this district. Empty in a district deployment."""
    condition = Q(role=RoleChoices.CITY) & (Q(district_id=district_id) | Q(district__isnull=True))
    return list(_active(condition).order_by("pk"))


def handlers_of(demand: Any) -> list[User]:
    """Who works on the demand now: its lead department's coordinators, else the officers of its area."""
    if demand.lead_department_id:
        people = department_people([demand.lead_department])
        if people:
            return people
    if demand.tier_id and demand.tier.level >= 3 and not demand.lead_department_id:
        return district_hub(demand.district_id)
    return area_officers(demand.area)


def leads_of(demand: Any) -> list[User]:
    """The handler's lead (督办 goes to them): the lead department's 分管负责同志, else the area's leaders, else the hub."""
    if demand.lead_department_id:
        people = department_leads([demand.lead_department])
        if people:
            return people
    return area_leaders(demand.area) or district_hub(demand.district_id)


def enterprise_accounts(enterprise_id: Any) -> list[User]:
    """The enterprise's own accounts on the portal (经营主体)."""
    if enterprise_id is None:
        return []
    return list(_active(Q(role=RoleChoices.ENTERPRISE, enterprise_id=enterprise_id)).order_by("pk"))

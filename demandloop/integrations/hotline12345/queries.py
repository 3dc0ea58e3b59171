"""Who reaches which 12345 work order, in one place (DESIGN.md §1, STYLE.md rule 3).

The dispatcher (区网格中心) and the hub of a district see every order of that district — also the orders not yet
linked to a demand; everyone else sees the orders of the demands they may see (`Demand.objects.for_user`), so
the demands' scope rules are never restated here. Outside the scope is 404, the same as missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from demandloop.demands.models import Demand
from demandloop.demands.queries import demand_grants
from demandloop.lib.lookups import get_for_user_or_404

if TYPE_CHECKING:
    from demandloop.integrations.hotline12345.models import HotlineOrder, HotlineOrderQuerySet


def managed_district_ids(user: Any) -> frozenset[int]:
    """Districts whose 12345 orders `user` runs: imports, links, sees all (dispatcher and hub)."""
    grants = demand_grants(user)
    return grants.dispatcher_district_ids | grants.hub_district_ids


def running_role(user: Any, district_id: int) -> str:
    """The role in which `user` runs a district's orders (an audit row names it): its dispatcher, else its hub."""
    return "dispatcher" if district_id in demand_grants(user).dispatcher_district_ids else "hub"


def scope_orders(qs: HotlineOrderQuerySet, user: Any) -> HotlineOrderQuerySet:
    grants = demand_grants(user)
    cond = Q(pk__in=[])
    districts = grants.dispatcher_district_ids | grants.hub_district_ids
    if districts:
        cond |= Q(district_id__in=districts)
    if grants.roles - {"dispatcher", "hub"}:
        cond |= Q(demand__in=Demand.objects.filter(grants.q()).values("pk"))
    return qs.filter(cond)


def get_order_for_user(user: Any, pk: Any, *, queryset: HotlineOrderQuerySet | None = None) -> HotlineOrder:
    """The order `pk` if `user` reaches it; otherwise 404, exactly as if it did not exist."""
    from demandloop.integrations.hotline12345.models import HotlineOrder

    base = queryset if queryset is not None else HotlineOrder.objects.all()
    found: HotlineOrder = get_for_user_or_404(base, user, pk)
    return found

"""Reads of the city platform integration. A matter is read through its demand: whoever may see the demand
(`get_demand_for_user`, 404 outside the scope) sees its city reference and sync state on the demand's page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from demandloop.integrations.city_platform.models import CityMatter

if TYPE_CHECKING:
    from demandloop.demands.models import Demand


def matter_of(demand: Demand) -> CityMatter | None:
    """The demand's city matter with its latest outbound message, or None (one query)."""
    return CityMatter.objects.select_related("outbound_message").filter(demand_id=demand.pk).first()

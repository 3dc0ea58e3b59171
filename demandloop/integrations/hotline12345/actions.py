"""Writes of the 12345 work orders (STYLE.md rule 1). The import writes through `imports.apply_hotline_plan`; the
status-back is written by `statusback.on_demand_changed` inside the demand's own actions.

`do_link_enterprise` turns an order the import could not settle into a demand, once the dispatcher has chosen
its enterprise (registering it first in the ledger when it was missing).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from demandloop.core import audit
from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import ChannelChoices
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed, DemandConflict
from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices as Match
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.queries import managed_district_ids, running_role


def do_link_enterprise(order: HotlineOrder, by: Any, *, enterprise: Any) -> HotlineOrder:
    """Make the unlinked `order` a demand of `enterprise` (through `do_receive`); the dispatcher or hub acts."""
    if order.district_id not in managed_district_ids(by):
        raise ActionForbidden(
            _("Only the dispatcher or the hub of the district links its 12345 work orders.")
        )
    if order.demand_id is not None:
        raise ActionNotAllowed(_("This work order is a demand already."))
    if enterprise is None or enterprise.district_id != order.district_id:
        raise ActionInvalid(_("Choose an enterprise of the work order's district."), field="enterprise")
    with transaction.atomic():
        demand = demand_actions.do_receive(
            by,
            enterprise=enterprise,
            channel=ChannelChoices.HOTLINE,
            title=order.title,
            content=order.content,
            contact_name=order.caller_name,
            contact_phone=order.phone,
            hotline_number=order.number,
            received_at=order.received_at,
            note=_("Imported from 12345 work order %(number)s.") % {"number": order.number},
        )
        # Two dispatchers linking at once: only the first claim wins, the other's demand rolls back.
        claimed = HotlineOrder.objects.filter(pk=order.pk, demand__isnull=True).update(
            demand=demand, enterprise_match=Match.CHOSEN, match_note=""
        )
        if claimed != 1:
            raise DemandConflict(_("Someone else linked this work order a moment ago. Reload it."))
        audit.record(
            "hotline12345.link",
            user=by,
            role=running_role(by, order.district_id),
            obj=order,
            district_id=order.district_id,
            detail={"enterprise": enterprise.pk, "demand": demand.pk},
        )
    order.demand, order.enterprise_match, order.match_note = demand, Match.CHOSEN, ""
    return order

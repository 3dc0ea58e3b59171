"""Who reads a work order's caller and phone unmasked: the demands' rule (`demandloop.demands.privacy`), applied
to the order.

Unmasked for the dispatcher and the hub of the order's district (personal-data roles that reach every order),
for the user who imported it, and — once the order is a demand — for whoever reads that demand's contact
unmasked. Everyone else reads "张**" and "138****1234" (`lib/masking.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demandloop.demands.privacy import ContactView
from demandloop.demands.privacy import sees_contact_unmasked as sees_demand_contact_unmasked
from demandloop.integrations.hotline12345.queries import managed_district_ids
from demandloop.lib.masking import mask_name, mask_phone

if TYPE_CHECKING:
    from demandloop.integrations.hotline12345.models import HotlineOrder


def sees_caller_unmasked(order: HotlineOrder, user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if order.imported_by_id is not None and order.imported_by_id == user.pk:
        return True
    if order.district_id in managed_district_ids(user):
        return True
    return order.demand is not None and sees_demand_contact_unmasked(order.demand, user)


def caller_for(order: HotlineOrder, user: Any) -> ContactView:
    """The order's caller as `user` may read it."""
    if sees_caller_unmasked(order, user):
        return ContactView(name=order.caller_name, phone=order.phone, masked=False)
    return ContactView(name=mask_name(order.caller_name), phone=mask_phone(order.phone), masked=True)

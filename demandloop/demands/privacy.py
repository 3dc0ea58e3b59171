"""Who reads a demand's contact person unmasked — the one decision for the API, the pages and the exports.

The same rule as the ledger's (`demandloop.enterprises.privacy`), applied to the demand: unmasked for the user who
registered the demand, and for a user who reaches the demand in a role of `PERSONAL_DATA_ROLES` (officer of its
area, industry officer of its key enterprise, hub, dispatcher of its district). Everyone else — coordinators,
department leads, leaders, 双重服务员 for what they did not register, other accounts of the enterprise — reads
"张**" and "138****1234" (`lib/masking.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from demandloop.demands.queries import DemandFacts, demand_grants
from demandloop.lib.masking import mask_name, mask_phone
from demandloop.org.choices import PERSONAL_DATA_ROLES

if TYPE_CHECKING:
    from demandloop.demands.models import Demand


@dataclass(frozen=True)
class ContactView:
    name: str
    phone: str
    masked: bool


def sees_contact_unmasked(demand: Demand, user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if demand.created_by_id is not None and demand.created_by_id == user.pk:
        return True
    grants = demand_grants(user)
    # Personal-data roles reach through areas, key enterprises and districts, never through co-departments,
    # so the facts need no query for them.
    facts = DemandFacts.of(demand, co_department_ids=frozenset(), whistled_department_ids=frozenset())
    return any(role in PERSONAL_DATA_ROLES for role in grants.roles_reaching(facts))


def contact_for(demand: Demand, user: Any) -> ContactView:
    """The demand's contact person as `user` may read it."""
    if sees_contact_unmasked(demand, user):
        return ContactView(name=demand.contact_name, phone=demand.contact_phone, masked=False)
    return ContactView(
        name=mask_name(demand.contact_name), phone=mask_phone(demand.contact_phone), masked=True
    )

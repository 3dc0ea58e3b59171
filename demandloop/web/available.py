"""Which action forms a person sees on a demand: the FLOW edges from its status that one of their roles may
take at the demand's tier (`demands.permissions.acting_role`), less those whose own preconditions plainly fail.

This only decides what to offer. The action functions check everything again when the form is submitted, so a
form shown a moment too long gets a clear refusal, never a wrong change.
"""

from __future__ import annotations

from typing import Any

from demandloop.demands.actions import needs_redo
from demandloop.demands.choices import ComplexityChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.flow import allowed_actions
from demandloop.demands.permissions import TierContext, acting_role
from demandloop.demands.queries import DemandFacts, demand_grants


def _plainly_refused(action: str, demand: Any, level: int | None, facts: DemandFacts, grants: Any) -> bool:
    """The action's own rules that can be read off the demand without asking the database."""
    if action == A.ANSWER:
        return level != 1 or demand.complexity != ComplexityChoices.SIMPLE
    if action == A.DISPATCH:
        return level != 2
    if action == A.ACCEPT and demand.status == S.TRIAGED:
        return (level or 0) >= 3 or (level == 2 and demand.lead_department_id is None)
    if action == A.DECIDE:
        return (level or 0) < 3
    if action == A.TRANSFER:
        return level != 4
    if action == A.ESCALATE:
        return (level or 1) >= 4
    if action in (A.APPROVE_EXTENSION, A.REJECT_EXTENSION):
        return demand.extension_requested_until is None
    if action == A.REQUEST_EXTENSION:
        return demand.extension_requested_until is not None
    if action == A.REOPEN:
        return not needs_redo(demand)
    if action == A.REPORT_PART:
        mine = facts.co_department_ids & (grants.coordinator_department_ids | grants.dept_lead_department_ids)
        return not mine
    return False


def available_actions(user: Any, demand: Any, co_department_ids: frozenset[int]) -> list[tuple[str, str]]:
    """(action, role) pairs `user` may take on `demand` now, in the order of `DemandActionChoices` (at tier 4, the
    transfer first)."""
    grants = demand_grants(user)
    facts = DemandFacts.of(demand, co_department_ids)
    tier = demand.tier if demand.tier_id else None
    ctx = TierContext.of(demand.status, tier)
    result = []
    for action in allowed_actions(demand.status):
        role = acting_role(action, grants, facts, ctx)
        if role is None or _plainly_refused(action, demand, ctx.tier_level, facts, grants):
            continue
        result.append((action, role))
    if ctx.tier_level == 4:
        # At tier 4 the transfer to the city leads (the first form is the one opened): it is what a matter is
        # escalated there for; a district lead of its own stays offered, after it. At the city desk, the
        # matter's acceptance and progress lead, before its answer.
        result.sort(key=lambda pair: pair[0] not in (A.TRANSFER, A.CITY_PROGRESS))
    return result

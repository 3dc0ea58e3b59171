"""Which role may take which action on a demand at which tier (DESIGN.md §1, the seeds' ladders).

Pure: it reads the user's `DemandGrants`, the demand's `DemandFacts` and its tier, never the database.

* Intake and screening belong to the first line (officers of every kind) and the two hubs.
* Handling at a tier belongs to the tier's `handler_roles` from the district's preset (静海 tier 2: officer and
  专业专员; 南开 tier 4: hub and 助企服务员 …). A department role handles only its own department's demands: as
  lead department for handling, as co-department for reporting its part. A department lead (分管领导) may do what
  its coordinators do.
* Tier 3 and 4 decisions are the hub's (the joint meeting it convenes); at a tier whose handlers include district
  leaders (静海 tier 4: 分管副区长、区长、书记), the leader of the demand's area may decide too, and so may the
  tier's `decider_roles` of the demand's area (南开 tier 3: the street's 助企服务员, whose 协调会 called by
  吹哨报到 decides — 南开 §三(三)).
* Extensions (延期) are approved by the hub or by the lead department's lead.
* The enterprise rates, reopens and withdraws its own demands; the first line and the hubs may do so on its
  behalf (回访).
* In a city-wide deployment the city desk (市级专席) takes what the city platform's integration reports otherwise —
  受理 and progress, the answer (办结), the return (退回) — on a matter while it awaits the city, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from demandloop.demands.choices import ChannelChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.queries import ROLE_PRIORITY, DemandFacts, DemandGrants
from demandloop.org.choices import FIRST_LINE
from demandloop.org.choices import RoleChoices as R

INTAKE = FIRST_LINE | {R.HUB, R.DISPATCHER}
# Who speaks to the enterprise: its officers, and the hubs (12345 callbacks).
CONTACT = INTAKE
DEPARTMENT = frozenset({R.COORDINATOR, R.DEPT_LEAD})

# Who registers a demand through which channel (DESIGN.md §2, §6 intake); the role must also reach the
# enterprise's area, park, key department or district.
RECEIVE_CHANNEL_ROLES: dict[str, frozenset[str]] = {
    ChannelChoices.ONLINE: frozenset({R.ENTERPRISE}),
    ChannelChoices.OFFICER: FIRST_LINE,
    ChannelChoices.SOLICITATION: FIRST_LINE | {R.HUB},
    ChannelChoices.HOTLINE: frozenset({R.DISPATCHER, R.HUB}),
    ChannelChoices.CITY: frozenset({R.HUB}),
}


@dataclass(frozen=True)
class TierContext:
    """The demand's status and tier as the rules need them."""

    status: str
    tier_level: int | None
    handler_roles: frozenset[str]
    # Who decides departments at this tier besides the hub (南开 tier 3: the street's officer).
    decider_roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, status: str, tier: Any) -> TierContext:
        """The context of a demand in `status` at `tier` (a `Tier`, or None before triage)."""
        return cls(
            status=status,
            tier_level=tier.level if tier is not None else None,
            handler_roles=frozenset(tier.handler_roles if tier is not None else ()),
            decider_roles=frozenset(tier.decider_roles if tier is not None else ()),
        )


def _of_lead(grants: DemandGrants, facts: DemandFacts) -> set[str]:
    """Department roles the user holds in the demand's lead department."""
    lead = facts.lead_department_id
    roles: set[str] = set()
    if lead is not None and lead in grants.coordinator_department_ids:
        roles.add(R.COORDINATOR)
    if lead is not None and lead in grants.dept_lead_department_ids:
        roles.add(R.DEPT_LEAD)
    return roles


def _of_co(grants: DemandGrants, facts: DemandFacts) -> set[str]:
    roles: set[str] = set()
    if facts.co_department_ids & grants.coordinator_department_ids:
        roles.add(R.COORDINATOR)
    if facts.co_department_ids & grants.dept_lead_department_ids:
        roles.add(R.DEPT_LEAD)
    return roles


def _handlers(grants: DemandGrants, facts: DemandFacts, ctx: TierContext) -> set[str]:
    """The roles that work at the demand's tier, with department roles narrowed to the lead department."""
    roles = set(ctx.handler_roles) - DEPARTMENT
    if ctx.handler_roles & DEPARTMENT:
        roles |= _of_lead(grants, facts)
    return roles


def _accept(grants: DemandGrants, facts: DemandFacts, ctx: TierContext) -> set[str]:
    # A dispatched demand is taken on by the department it was dispatched to; a triaged one by the tier's handler.
    if ctx.status == S.DISPATCHED:
        return _of_lead(grants, facts)
    return _handlers(grants, facts, ctx)


def _decide(grants: DemandGrants, facts: DemandFacts, ctx: TierContext) -> set[str]:
    return {R.HUB} | (set(ctx.handler_roles) & {R.LEADER}) | set(ctx.decider_roles)


def _city(grants: DemandGrants, facts: DemandFacts, ctx: TierContext) -> set[str]:
    """The city desk of a city-wide deployment answers for a matter while it awaits the city."""
    return {R.CITY} if ctx.status == S.TRANSFERRED else set()


def _fixed(roles: Collection[str]) -> Callable[[DemandGrants, DemandFacts, TierContext], set[str]]:
    return lambda grants, facts, ctx: set(roles)


RULES: dict[str, Callable[[DemandGrants, DemandFacts, TierContext], set[str]]] = {
    A.SCREEN: _fixed(INTAKE),
    A.TRIAGE: _fixed(INTAKE),
    A.MERGE: _fixed(INTAKE),
    A.DISPATCH: _fixed(INTAKE),
    A.ANSWER: _handlers,
    A.ACCEPT: _accept,
    A.RETURN: lambda grants, facts, ctx: _of_lead(grants, facts),
    A.PLAN: _handlers,
    A.RESOLVE: lambda grants, facts, ctx: _handlers(grants, facts, ctx) | {R.HUB} | _city(grants, facts, ctx),
    A.REQUEST_EXTENSION: _handlers,
    A.APPROVE_EXTENSION: lambda grants, facts, ctx: {R.HUB} | (_of_lead(grants, facts) & {R.DEPT_LEAD}),
    A.REJECT_EXTENSION: lambda grants, facts, ctx: {R.HUB} | (_of_lead(grants, facts) & {R.DEPT_LEAD}),
    A.INFORM: _fixed(CONTACT),
    A.REPORT_PART: lambda grants, facts, ctx: _of_co(grants, facts),
    A.ESCALATE: lambda grants, facts, ctx: _handlers(grants, facts, ctx) | {R.HUB},
    A.DECIDE: _decide,
    A.TRANSFER: lambda grants, facts, ctx: _handlers(grants, facts, ctx) | {R.HUB},
    A.EVALUATE: _fixed(CONTACT | {R.ENTERPRISE}),
    A.REOPEN: _fixed(CONTACT | {R.ENTERPRISE}),
    A.WITHDRAW: _fixed(CONTACT | {R.ENTERPRISE}),
    A.CLOSE: _fixed(CONTACT),
    # Everyone who reaches the demand files papers on it; the city desk while the matter is the city's.
    A.ATTACH: lambda grants, facts, ctx: (set(ROLE_PRIORITY) - {R.CITY}) | _city(grants, facts, ctx),
    # The city speaks for itself: its desk in a city-wide deployment, or the city platform's integration acting as
    # the platform itself (`by=None`), which alone records reports on matters no longer awaiting the city.
    A.CITY_PROGRESS: _city,
    A.CITY_RETURN: _city,
    A.CITY_REPORT: _fixed(()),
}


def acting_role(action: str, grants: DemandGrants, facts: DemandFacts, ctx: TierContext) -> str | None:
    """The role in which the user may take `action` on this demand, or None when no role of theirs may."""
    permitted = RULES[action](grants, facts, ctx)
    for role in grants.roles_reaching(facts):
        if role in permitted:
            return role
    return None

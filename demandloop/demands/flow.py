"""The lifecycle of a demand as data (DESIGN.md §4, STYLE.md rule 2).

`FLOW[status][action]` is the set of statuses the action may lead to from `status`. An action missing from a
status's map is refused before anything is read or written. Some actions keep the status (extensions, a
co-department's report, an attachment): their edge points back at the same status, and the compare-and-swap on
the demand's `version` still serialises them. Which outcome an action with two targets takes (screening in or out)
is decided by its arguments, in `actions.py`.

Two actions are not edges: `receive` creates the demand, and `city_report` records a report of the city platform
on a demand that no longer awaits it (resolved by hand, withdrawn) without changing anything about the demand.

This module is pure: no database, no Django models.
"""

from __future__ import annotations

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S

# Demands in these statuses never change again.
TERMINAL_STATUSES = frozenset({S.OUT_OF_SCOPE, S.MERGED, S.WITHDRAWN, S.CLOSED})

# Before the matter is handled: it can still be merged into a duplicate.
_MERGEABLE = frozenset(
    {S.RECEIVED, S.SCREENED, S.TRIAGED, S.DISPATCHED, S.RETURNED, S.ESCALATED, S.IN_PROGRESS}
)
# Until a result is recorded the enterprise may withdraw its demand.
_WITHDRAWABLE = _MERGEABLE | {S.PLANNED, S.INFORMED, S.TRANSFERRED}
# While a department works on it, co-departments report their parts.
_BEING_HANDLED = frozenset({S.IN_PROGRESS, S.PLANNED, S.INFORMED})
# A committed ETA exists, so it can be extended (延期).
_HAS_ETA = frozenset({S.PLANNED, S.INFORMED})

FLOW: dict[str, dict[str, frozenset[str]]] = {
    S.RECEIVED: {A.SCREEN: frozenset({S.SCREENED, S.OUT_OF_SCOPE})},
    S.SCREENED: {A.TRIAGE: frozenset({S.TRIAGED})},
    S.TRIAGED: {
        A.ANSWER: frozenset({S.ANSWERED}),
        A.ACCEPT: frozenset({S.IN_PROGRESS}),
        A.DISPATCH: frozenset({S.DISPATCHED}),
        A.DECIDE: frozenset({S.IN_PROGRESS}),
        A.TRANSFER: frozenset({S.TRANSFERRED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
    },
    # A department that neither takes on nor returns a dispatched demand in time does not hold it back: the
    # overdue step (or the tier's handlers, or the hub) lifts it to the district's coordination (DESIGN.md §4).
    S.DISPATCHED: {
        A.ACCEPT: frozenset({S.IN_PROGRESS}),
        A.RETURN: frozenset({S.RETURNED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
    },
    S.RETURNED: {
        A.DISPATCH: frozenset({S.DISPATCHED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
    },
    S.ESCALATED: {
        A.DISPATCH: frozenset({S.DISPATCHED}),
        A.DECIDE: frozenset({S.IN_PROGRESS}),
        A.TRANSFER: frozenset({S.TRANSFERRED}),
    },
    S.IN_PROGRESS: {
        A.PLAN: frozenset({S.PLANNED}),
        A.ANSWER: frozenset({S.ANSWERED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
        A.RETURN: frozenset({S.RETURNED}),
        A.TRANSFER: frozenset({S.TRANSFERRED}),
    },
    S.PLANNED: {
        A.INFORM: frozenset({S.INFORMED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
    },
    S.INFORMED: {
        A.RESOLVE: frozenset({S.RESOLVED}),
        A.ESCALATE: frozenset({S.ESCALATED}),
    },
    # Tracked until the city answers; its answer is recorded as the result (南开 §三(四)). On the way the city
    # platform reports its progress (受理, 办理中), or returns the matter (退回): it is then the district's again,
    # at tier 4, for the hub to decide a lead department or transfer it anew.
    S.TRANSFERRED: {
        A.RESOLVE: frozenset({S.RESOLVED}),
        A.CITY_PROGRESS: frozenset({S.TRANSFERRED}),
        A.CITY_RETURN: frozenset({S.ESCALATED}),
    },
    S.ANSWERED: {
        A.EVALUATE: frozenset({S.EVALUATED}),
        A.CLOSE: frozenset({S.CLOSED}),
    },
    S.RESOLVED: {
        A.EVALUATE: frozenset({S.EVALUATED}),
        A.CLOSE: frozenset({S.CLOSED}),
    },
    S.EVALUATED: {
        A.CLOSE: frozenset({S.CLOSED}),
        A.REOPEN: frozenset({S.IN_PROGRESS}),
    },
    S.OUT_OF_SCOPE: {},
    S.MERGED: {},
    S.WITHDRAWN: {},
    S.CLOSED: {},
}

for _status in _MERGEABLE:
    FLOW[_status][A.MERGE] = frozenset({S.MERGED})
for _status in _WITHDRAWABLE:
    FLOW[_status][A.WITHDRAW] = frozenset({S.WITHDRAWN})
for _status in _BEING_HANDLED:
    FLOW[_status][A.REPORT_PART] = frozenset({_status})
for _status in _HAS_ETA:
    for _action in (A.REQUEST_EXTENSION, A.APPROVE_EXTENSION, A.REJECT_EXTENSION):
        FLOW[_status][_action] = frozenset({_status})
for _value in S.values:
    if _value not in TERMINAL_STATUSES:
        FLOW[_value][A.ATTACH] = frozenset({_value})

# Statuses in which the matter is open for the figures: received but neither answered, resolved nor ended.
OPEN_STATUSES = frozenset(
    {
        S.RECEIVED,
        S.SCREENED,
        S.TRIAGED,
        S.DISPATCHED,
        S.RETURNED,
        S.ESCALATED,
        S.IN_PROGRESS,
        S.PLANNED,
        S.INFORMED,
        S.TRANSFERRED,
    }
)
# Statuses whose response clock (plan + ETA owed) still runs.
AWAITING_RESPONSE_STATUSES = frozenset({S.TRIAGED, S.DISPATCHED, S.RETURNED, S.ESCALATED, S.IN_PROGRESS})


def targets(status: str, action: str) -> frozenset[str]:
    """The statuses `action` may lead to from `status`; empty when it is not an edge."""
    return FLOW.get(status, {}).get(action, frozenset())


def allowed_actions(status: str) -> list[str]:
    """The actions FLOW allows from `status`, in the order of `DemandActionChoices`."""
    edges = FLOW.get(status, {})
    return [action for action in A.values if action in edges]


def edges() -> list[tuple[str, str, str]]:
    """Every (from, action, to) edge, for tests and documentation."""
    return sorted(
        (status, action, target)
        for status, actions in FLOW.items()
        for action, tos in actions.items()
        for target in tos
    )

"""The deadline a person is working against, and how urgent it is — pure, no database.

A demand carries two clocks (DESIGN.md §4): the tier's response deadline, owed while nobody has given a plan,
and the completion deadline the handler committed to. The work lists show the one in force as "剩余 N 个工作日"
and sort by it: overdue first, then due today, then due within one working day, then the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import IntEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES
from demandloop.sla.calendar import WorkCalendar, to_shanghai

# The step an officer owes a demand that has no tier yet, hence no clock.
OWED_BEFORE_A_TIER = {S.RECEIVED: "screen", S.SCREENED: "triage"}
# Being handled: once a plan or a decision committed a date, that date is the clock that matters.
HANDLED_STATUSES = frozenset({S.IN_PROGRESS, S.PLANNED, S.INFORMED})


class Urgency(IntEnum):
    """Buckets of the work lists, in the order they are shown."""

    OVERDUE = 0
    DUE_TODAY = 1
    DUE_NEXT_WORKING_DAY = 2
    LATER = 3
    NO_DEADLINE = 4


@dataclass(frozen=True)
class Deadline:
    """The deadline in force for one demand, as a person reads it."""

    due: datetime | None
    urgency: Urgency
    # Working days left after today: 0 on the due day, negative once passed; None without a deadline.
    working_days_left: int | None
    is_response: bool
    # Received and not yet screened, or screened and not yet triaged: no tier, so no clock yet, but the officer
    # owes that step ("screen" or "triage").
    owed: str = ""
    # A response deadline counted over a year whose holiday arrangement is not yet published (DESIGN.md §5):
    # it may move when the State Council publishes it.
    provisional: bool = False

    @property
    def css_class(self) -> str:
        if self.owed:
            return "text-warning-emphasis"
        return {
            Urgency.OVERDUE: "text-danger fw-semibold",
            Urgency.DUE_TODAY: "text-danger",
            Urgency.DUE_NEXT_WORKING_DAY: "text-warning-emphasis",
        }.get(self.urgency, "text-body-secondary")

    @property
    def text(self) -> str:
        if self.due is None or self.working_days_left is None:
            if self.owed == "screen":
                return _("To be screened")
            return _("To be triaged") if self.owed == "triage" else _("No deadline")
        if self.urgency == Urgency.OVERDUE:
            late = max(-self.working_days_left, 0)
            if late == 0:
                return _("Overdue")
            return ngettext("Overdue by %(n)d working day", "Overdue by %(n)d working days", late) % {
                "n": late
            }
        if self.urgency == Urgency.DUE_TODAY:
            return _("Due today")
        n = self.working_days_left
        return ngettext("%(n)d working day left", "%(n)d working days left", n) % {"n": n}


def deadline_in_force(
    status: str,
    response_due: datetime | None,
    completion_due: datetime | None,
    responded_at: datetime | None = None,
) -> datetime | None:
    """The response deadline while a plan is owed, the committed ETA (or decided deadline) once there is one."""
    if status in AWAITING_RESPONSE_STATUSES and responded_at is None and response_due is not None:
        return response_due
    if status in HANDLED_STATUSES and completion_due is not None:
        return completion_due
    if status in AWAITING_RESPONSE_STATUSES:
        return response_due
    return None


def is_response_clock(status: str, response_due: datetime | None, responded_at: datetime | None) -> bool:
    return status in AWAITING_RESPONSE_STATUSES and responded_at is None and response_due is not None


def classify(
    due: datetime | None, now: datetime, calendar: WorkCalendar, *, is_response: bool = True
) -> Deadline:
    """How urgent `due` is at `now`, counted in working days of `calendar` (Asia/Shanghai dates)."""
    if due is None:
        return Deadline(None, Urgency.NO_DEADLINE, None, is_response)
    today: date = to_shanghai(now).date()
    due_day: date = to_shanghai(due).date()
    left = calendar.working_days_between(today, due_day)
    if due < now:
        urgency = Urgency.OVERDUE
    elif due_day <= today:
        urgency = Urgency.DUE_TODAY
    elif left <= 1:
        urgency = Urgency.DUE_NEXT_WORKING_DAY
    else:
        urgency = Urgency.LATER
    return Deadline(due, urgency, left, is_response)


def deadline_of(demand: object, now: datetime, calendar: WorkCalendar) -> Deadline:
    """`classify` for a demand-like object with status, response_due and completion_due."""
    status, responded_at = demand.status, demand.responded_at  # type: ignore[attr-defined]
    response_due, completion_due = demand.response_due, demand.completion_due  # type: ignore[attr-defined]
    due = deadline_in_force(status, response_due, completion_due, responded_at)
    is_response = is_response_clock(status, response_due, responded_at)
    found = classify(due, now, calendar, is_response=is_response)
    owed = OWED_BEFORE_A_TIER.get(status, "")
    if due is None and owed:
        return replace(found, owed=owed)
    if is_response and getattr(demand, "response_due_provisional", False):
        return replace(found, provisional=True)
    return found

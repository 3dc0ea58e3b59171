"""The supervision sweep (DESIGN.md §4): reminder before a deadline, 督办 at it, the district's step past it.

For each clock of a demand (the tier's response deadline; the committed completion deadline) the steps are:

1. **reminder** to the handler — at the start of the last N working days before the deadline, or once a share of
   the time has passed (`SupervisionPolicy`);
2. **supervision** (督办) to the handler's lead — as soon as the deadline has passed;
3. **overdue step** — N working days past the deadline: escalate one tier (through `do_escalate`, as the
   platform) or notify the responsible district leader; where escalation is impossible (highest tier, a state
   without an escalate edge) the leader is notified instead.

Idempotent: each step is a `Supervision` row, unique per demand, clock, deadline and step; a second sweep at the
same moment finds it and does nothing, and a new deadline (a new tier, an extension) starts a new set. Cheap: the
sweep reads only `DeadlineWatch` rows whose `next_at` has come, through a partial index; `demand_changed`
keeps the watches in step with the demands (`sync_watches`). The schedule arithmetic is pure (`plan_steps`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.choices import EscalationReasonChoices
from demandloop.demands.errors import DemandActionError
from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES
from demandloop.demands.models import Demand, DemandEvent
from demandloop.integrations.choices import TopicChoices
from demandloop.meetings.choices import (
    STEP_ORDER,
    ClockChoices,
    OverdueActionChoices,
    ReminderModeChoices,
    SupervisionStepChoices,
)
from demandloop.meetings.choices import SupervisionOutcomeChoices as Outcome
from demandloop.meetings.models import DeadlineWatch, Supervision, SupervisionPolicy
from demandloop.meetings.recipients import area_leaders, district_hub, handlers_of, leads_of
from demandloop.meetings.supervision import escalation_note, tell
from demandloop.sla.calendar import SHANGHAI, WorkCalendar
from demandloop.sla.services import compute_due, get_calendar

logger = logging.getLogger(__name__)

Step = SupervisionStepChoices
# The completion clock runs while the committed work is under way.
COMPLETION_STATUSES = frozenset({S.IN_PROGRESS, S.PLANNED, S.INFORMED})
# A deadline is met up to its last microsecond (23:59:59.999999); the next instant is past it.
JUST_AFTER = timedelta(microseconds=1)


# --- Pure arithmetic ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The district's settings as plain values (see `SupervisionPolicy`)."""

    reminder_mode: str = ReminderModeChoices.WORKING_DAYS
    reminder_working_days: int = 1
    reminder_share_percent: int = 80
    overdue_action: str = OverdueActionChoices.ESCALATE
    overdue_after_working_days: int = 1

    @classmethod
    def of(cls, row: SupervisionPolicy | None) -> Policy:
        if row is None:
            return cls()
        return cls(
            reminder_mode=row.reminder_mode,
            reminder_working_days=row.reminder_working_days,
            reminder_share_percent=row.reminder_share_percent,
            overdue_action=row.overdue_action,
            overdue_after_working_days=row.overdue_after_working_days,
        )


def working_day_back(calendar: WorkCalendar, day: date, n: int) -> date:
    """The working day `n` working days before `day` (a working day itself); `day` for n = 0."""
    current = day
    for _i in range(n):
        current -= timedelta(days=1)
        # A holiday lasts at most a few weeks: this walks back over it day by day.
        while not calendar.is_working_day(current):
            current -= timedelta(days=1)
    return current


def reminder_at(started: datetime, due: datetime, policy: Policy, calendar: WorkCalendar) -> datetime:
    """When the handler is reminded: the start of the last N working days, or a share of the time; never
    before the clock started."""
    if policy.reminder_mode == ReminderModeChoices.SHARE:
        moment = started + (due - started) * policy.reminder_share_percent / 100
    else:
        due_day = due.astimezone(SHANGHAI).date()
        first_day = working_day_back(calendar, due_day, max(policy.reminder_working_days, 1) - 1)
        moment = datetime.combine(first_day, time.min, tzinfo=SHANGHAI)
    return max(moment, started)


def plan_steps(
    started: datetime, due: datetime, overdue_due: datetime, policy: Policy, calendar: WorkCalendar
) -> list[tuple[str, datetime]]:
    """The three steps and their moments, in order. `overdue_due` is the end of the grace period past `due`
    (the same instant as `due` when the policy allows none)."""
    return [
        (Step.REMINDER, min(reminder_at(started, due, policy, calendar), due)),
        (Step.SUPERVISION, due + JUST_AFTER),
        (Step.OVERDUE, max(overdue_due, due) + JUST_AFTER),
    ]


# --- The clocks of a demand -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    started: datetime
    due: datetime


def current_clock(demand: Demand, clock: str) -> Clock | None:
    """The running clock of `demand`, or None when it does not run (answered, decided, finished …)."""
    if clock == ClockChoices.RESPONSE:
        if (
            demand.status in AWAITING_RESPONSE_STATUSES
            and demand.response_due
            and demand.responded_at is None
        ):
            return Clock(demand.tier_entered_at or demand.received_at, demand.response_due)
        return None
    if demand.status in COMPLETION_STATUSES and demand.completion_due:
        return Clock(demand.planned_at or demand.tier_entered_at or demand.received_at, demand.completion_due)
    return None


def policy_for(district_id: int) -> Policy:
    return Policy.of(SupervisionPolicy.objects.filter(district_id=district_id).first())


def overdue_moment(due: datetime, policy: Policy, district: Any) -> datetime:
    if policy.overdue_after_working_days == 0:
        return due
    return compute_due(due, policy.overdue_after_working_days, district).due


def steps_for(demand: Demand, clock: Clock, policy: Policy) -> list[tuple[str, datetime]]:
    overdue_due = overdue_moment(clock.due, policy, demand.district)
    return plan_steps(clock.started, clock.due, overdue_due, policy, get_calendar())


def sync_watch(
    demand: Demand,
    clock_name: str,
    policy: Policy | None = None,
    *,
    done: set[str] | None = None,
    watch: DeadlineWatch | None = None,
) -> None:
    """Make the watch of one clock say when its next step is due (or remove it when the clock stopped).

    `done` (the steps already recorded for the current deadline) and `watch` (the row, when the caller holds it)
    spare the queries the sweep has already made.
    """
    clock = current_clock(demand, clock_name)
    if clock is None:
        DeadlineWatch.objects.filter(demand_id=demand.pk, clock=clock_name).delete()
        return
    policy = policy or policy_for(demand.district_id)
    if done is None:
        done = set(
            Supervision.objects.filter(demand_id=demand.pk, clock=clock_name, due=clock.due).values_list(
                "step", flat=True
            )
        )
    pending = [(step, at) for step, at in steps_for(demand, clock, policy) if step not in done]
    next_step, next_at = pending[0] if pending else ("", None)
    values = {
        "district_id": demand.district_id,
        "started_at": clock.started,
        "due": clock.due,
        "next_step": next_step,
        "next_at": next_at,
    }
    if watch is not None:
        DeadlineWatch.objects.filter(pk=watch.pk).update(**values)
    else:
        DeadlineWatch.objects.update_or_create(demand_id=demand.pk, clock=clock_name, defaults=values)


def sync_watches(demand: Demand) -> None:
    policy = policy_for(demand.district_id)
    for clock_name in ClockChoices.values:
        sync_watch(demand, clock_name, policy)


def on_demand_changed(sender: Any, demand: Demand, **kwargs: Any) -> None:
    """`demand_changed` receiver: the action's transaction also moves the demand's watches."""
    sync_watches(demand)


# --- The sweep ------------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    watches: int = 0
    steps: dict[str, int] | None = None

    def count(self, step: str) -> None:
        self.steps = self.steps or {}
        self.steps[step] = self.steps.get(step, 0) + 1


def run_sweep(now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Take every supervision step whose time has come; the periodic task of the worker and of the runner."""
    now = now or timezone.now()
    result = SweepResult()
    # One read of each district's policy per sweep, not one per demand.
    policies: dict[int, Policy] = {}
    ids = list(
        DeadlineWatch.objects.filter(next_at__lte=now)
        .order_by("next_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        try:
            taken = process_watch(pk, now, policies)
        except Exception:  # one broken demand must not stop the sweep of the others
            logger.exception("supervision sweep: watch %s failed", pk)
            continue
        result.watches += 1
        for step in taken:
            result.count(step)
    return result


def process_watch(pk: int, now: datetime, policies: dict[int, Policy] | None = None) -> list[str]:
    """Take the due steps of one watch in one transaction; the steps taken (skipped reminders excluded)."""
    with transaction.atomic():
        # Two sweeps at once (two beat nodes, a slow run): the second skips the row the first holds.
        watch = (
            DeadlineWatch.objects.select_for_update(skip_locked=True).filter(pk=pk, next_at__lte=now).first()
        )
        if watch is None:
            return []
        demand = Demand.objects.select_related(
            "district", "tier", "area", "lead_department", "enterprise"
        ).get(pk=watch.demand_id)
        clock = current_clock(demand, watch.clock)
        policies = {} if policies is None else policies
        if demand.district_id not in policies:
            policies[demand.district_id] = policy_for(demand.district_id)
        policy = policies[demand.district_id]
        if clock is None or clock.due != watch.due:
            sync_watch(demand, watch.clock, policy)
            return []
        done = set(
            Supervision.objects.filter(demand=demand, clock=watch.clock, due=clock.due).values_list(
                "step", flat=True
            )
        )
        due_steps = [step for step, at in steps_for(demand, clock, policy) if at <= now and step not in done]
        taken = []
        version = demand.version
        for step in sorted(due_steps, key=STEP_ORDER.index):
            # A reminder overtaken by the 督办 (the sweep was down) is recorded as skipped, not sent late.
            skip = step == Step.REMINDER and Step.SUPERVISION in due_steps
            if _take_step(demand, watch.clock, clock.due, step, policy, now, skip=skip):
                taken.append(step)
        if demand.version == version:
            sync_watch(demand, watch.clock, policy, done=done | set(due_steps), watch=watch)
        # Otherwise the escalation moved the demand, and its own `demand_changed` has synced both watches.
    return taken


def _take_step(
    demand: Demand, clock: str, due: datetime, step: str, policy: Policy, now: datetime, *, skip: bool
) -> bool:
    # Whom a reminder or a 督办 goes to is known before the row is written, so one INSERT records it all; the
    # overdue step's outcome depends on the escalation, recorded after it.
    people: list[Any] = []
    outcome = Outcome.SKIPPED if skip else ""
    if not skip and step == Step.REMINDER:
        people, outcome = handlers_of(demand), Outcome.REMINDED
    elif not skip and step == Step.SUPERVISION:
        people, outcome = leads_of(demand), Outcome.SUPERVISED
    try:
        with transaction.atomic():
            record = Supervision.objects.create(
                demand=demand,
                district_id=demand.district_id,
                clock=clock,
                due=due,
                step=step,
                at=now,
                department=demand.lead_department,
                tier=demand.tier.level if demand.tier is not None else None,
                outcome=outcome,
                recipients=len(set(people)),
            )
    except IntegrityError:
        return False  # already taken by another sweep
    if skip:
        return False
    if step == Step.REMINDER:
        tell(record, demand, people, TopicChoices.REMINDER)
    elif step == Step.SUPERVISION:
        tell(record, demand, people, TopicChoices.SUPERVISION)
    else:
        outcome, recipients = _overdue_step(record, demand, due, policy, now)
        Supervision.objects.filter(pk=record.pk).update(outcome=outcome, recipients=recipients)
    return True


def _overdue_step(
    record: Supervision, demand: Demand, due: datetime, policy: Policy, now: datetime
) -> tuple[str, int]:
    if policy.overdue_action == OverdueActionChoices.ESCALATE:
        from demandloop.demands.actions import do_escalate

        try:
            do_escalate(
                demand, None, reason=EscalationReasonChoices.OVERDUE, note=escalation_note(due), at=now
            )
        except DemandActionError as error:
            logger.info("demand %s cannot be escalated (%s); notifying the leader", demand.pk, error.message)
        else:
            people = [*district_hub(demand.district_id), *leads_of(demand)]
            return Outcome.ESCALATED, tell(record, demand, people, TopicChoices.OVERDUE)
    people = area_leaders(demand.area) or district_hub(demand.district_id)
    return Outcome.LEADER_NOTIFIED, tell(record, demand, people, TopicChoices.OVERDUE)


def rebuild_watches(queryset: Any = None, batch_size: int = 2000) -> int:
    """Recompute the watches of every open demand (after bulk inserts that sent no signal: demo data, imports)."""
    from demandloop.demands.flow import OPEN_STATUSES

    demands = (queryset if queryset is not None else Demand.objects.all()).filter(
        status__in=list(OPEN_STATUSES)
    )
    count = 0
    for demand in demands.select_related("district").iterator(chunk_size=batch_size):
        with transaction.atomic():
            sync_watches(demand)
        count += 1
    return count


def catch_up(until: datetime, queryset: Any = None, *, limit: int = 100_000) -> int:
    """Take, each at its own moment, every supervision step that fell due before `until`, oldest first; the
    number of steps taken.

    For demands written in bulk with a past (the demo): without it the first sweep takes weeks of steps in one
    go, at the moment the platform starts — dozens of escalations stamped the same minute, reminders recorded
    as overtaken. A step is taken at its time, or just after the demand's latest event when that came later, so
    a demand's history stays in order; what a step changes (an escalation starts the next tier's clock) is
    caught up in turn."""
    watches = DeadlineWatch.objects.filter(next_at__lte=until)
    if queryset is not None:
        watches = watches.filter(demand__in=queryset)
    taken = 0
    policies: dict[int, Policy] = {}
    for _round in range(limit):
        watch = watches.order_by("next_at", "pk").values_list("pk", "next_at", "demand_id").first()
        if watch is None:
            break
        pk, next_at, demand_id = watch
        assert next_at is not None  # the filter's `next_at__lte`
        latest: datetime | None = DemandEvent.objects.filter(demand_id=demand_id).aggregate(at=Max("at"))[
            "at"
        ]
        moment: datetime = min(max(next_at, latest + timedelta(seconds=1)) if latest else next_at, until)
        taken += len(process_watch(pk, moment, policies))
        after = DeadlineWatch.objects.filter(pk=pk).values_list("next_at", flat=True).first()
        if after is not None and after == next_at:
            # Nothing moved (a step that cannot be taken at this moment): let the periodic sweep have it.
            DeadlineWatch.objects.filter(pk=pk).update(next_at=until + timedelta(seconds=1))
    return taken

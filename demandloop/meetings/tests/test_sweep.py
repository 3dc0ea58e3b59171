"""Supervision over time: an untouched demand is reminded, supervised (督办) and escalated at the right
working-day moments across the 2026 Spring Festival and its make-up working days, once per step."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.integrations.models import Notification
from demandloop.meetings.choices import (
    ClockChoices,
    OverdueActionChoices,
    ReminderModeChoices,
    SupervisionOutcomeChoices,
)
from demandloop.meetings.models import DeadlineWatch, Supervision, SupervisionPolicy
from demandloop.org.models import User
from demandloop.sla.calendar import END_OF_DAY, SHANGHAI, WorkCalendar
from demandloop.sla.sweep import Policy, plan_steps, reminder_at, run_sweep, working_day_back

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(month: int, day: int) -> datetime:
    return datetime.combine(datetime(2026, month, day).date(), END_OF_DAY, tzinfo=SHANGHAI)


def untouched_tier2_demand(w: Any, received: datetime, *, accepted: bool = True) -> Any:
    """Received, triaged to tier 2, dispatched to scjgj and accepted — and then nobody gives a plan. Not
    `accepted`: the department never even takes it on."""
    demand = actions.do_receive(
        w.officer_a,
        enterprise=w.ent_a,
        channel="officer",
        source="visit",
        title="厂区门前道路积水",
        content="雨后厂区门前道路积水严重，影响货车进出。",
        received_at=received,
        at=received,
    )
    actions.do_screen(demand, w.officer_a, in_scope=True, at=received)
    actions.do_triage(
        demand, w.hub, domain=w.domain("public"), complexity="complex", tier=w.tier(2), at=received
    )
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"), at=received)
    return actions.do_accept(demand, w.coord_lead, at=received) if accepted else demand


def inbox(user: Any, topic: str) -> list[str]:
    return list(Notification.objects.filter(user=user, topic=topic).values_list("subject", flat=True))


def steps(demand: Any) -> list[tuple[str, str, str]]:
    return list(
        Supervision.objects.filter(demand=demand).order_by("at", "pk").values_list("clock", "step", "outcome")
    )


def test_an_untouched_demand_is_reminded_supervised_and_escalated_across_the_spring_festival(
    world: Any,
) -> None:
    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10))
    # 3 working days after Friday 13 February: Saturday 14 (a make-up working day), then — past the nine days of
    # the Spring Festival — Tuesday 24 and Wednesday 25.
    assert demand.response_due == end_of(2, 25)

    for quiet in (at(2, 14, 12), at(2, 20), at(2, 24, 23, 59)):
        run_sweep(now=quiet)
        assert steps(demand) == []

    # The last working day begins: the handler (the lead department's coordinator) is reminded, once.
    run_sweep(now=at(2, 25, 0, 0))
    run_sweep(now=at(2, 25, 15))
    assert steps(demand) == [(ClockChoices.RESPONSE, "reminder", "reminded")]
    assert len(inbox(w.coord_lead, "reminder")) == 1
    assert inbox(w.lead, "supervision") == []

    run_sweep(now=end_of(2, 25))
    assert len(steps(demand)) == 1

    # The deadline has passed: 督办 to the department's lead, once.
    run_sweep(now=at(2, 26, 0, 0))
    run_sweep(now=at(2, 26, 18))
    assert [s[1] for s in steps(demand)] == ["reminder", "supervision"]
    assert len(inbox(w.lead, "supervision")) == 1

    # One working day past the deadline (end of Thursday 26): the district's step, escalation to tier 3.
    run_sweep(now=at(2, 26, 23, 59))
    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS
    run_sweep(now=at(2, 27, 0, 0))
    run_sweep(now=at(2, 27, 8))
    demand.refresh_from_db()
    assert demand.status == S.ESCALATED
    assert demand.tier.level == 3
    assert [s[1:] for s in steps(demand)] == [
        ("reminder", "reminded"),
        ("supervision", "supervised"),
        ("overdue", "escalated"),
    ]
    event = demand.events.order_by("-at", "-pk").first()
    assert (event.action, event.actor, event.actor_role, event.data["reason"]) == (
        "escalate",
        None,
        "system",
        "overdue",
    )
    assert len(inbox(w.hub, "overdue")) == 1
    # The system administrator's list of supervision steps reads them in words, the filter too.
    admin = User.objects.create_superuser("root", password="pw-root")
    client = Client()
    client.force_login(admin)
    with translation.override("zh-hans"):
        page = client.get("/admin/meetings/supervision/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for outcome in ("reminded", "supervised", "escalated"):
            label = str(SupervisionOutcomeChoices(outcome).label)
            assert f">{label}<" in page and f">{outcome}<" not in page, outcome

    # Tier 3 gives 7 working days from Friday 27: Saturday 28 February (make-up) counts, Sunday 1 March does not.
    assert demand.response_due == end_of(3, 9)
    watch = DeadlineWatch.objects.get(demand=demand, clock=ClockChoices.RESPONSE)
    assert (watch.due, watch.next_step, watch.next_at) == (end_of(3, 9), "reminder", at(3, 9, 0, 0))
    run_sweep(now=at(3, 8, 23))
    assert len(steps(demand)) == 3


def test_a_plan_stops_the_response_clock_and_starts_the_completion_clock(world: Any) -> None:
    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10))
    actions.do_plan(
        demand, w.coord_lead, plan="协调城管委清淤", eta=datetime(2026, 3, 20).date(), at=at(2, 24)
    )

    assert not DeadlineWatch.objects.filter(demand=demand, clock=ClockChoices.RESPONSE).exists()
    completion = DeadlineWatch.objects.get(demand=demand, clock=ClockChoices.COMPLETION)
    assert completion.due == end_of(3, 20)
    run_sweep(now=at(2, 27))
    assert steps(demand) == []
    run_sweep(now=at(3, 20, 8))
    assert steps(demand) == [(ClockChoices.COMPLETION, "reminder", "reminded")]


def test_a_district_that_notifies_the_leader_does_not_escalate(world: Any) -> None:
    w = world.jinghai
    SupervisionPolicy.objects.create(
        district=w.district, overdue_action=OverdueActionChoices.NOTIFY_LEADER, overdue_after_working_days=0
    )
    demand = untouched_tier2_demand(w, at(2, 13, 10))

    run_sweep(now=at(2, 26, 0, 0))

    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS
    # The reminder was overtaken by the deadline while the sweep was not running: recorded, not sent late.
    assert [s[1:] for s in steps(demand)] == [
        ("reminder", "skipped"),
        ("supervision", "supervised"),
        ("overdue", "leader_notified"),
    ]
    assert inbox(w.coord_lead, "reminder") == []
    assert len(inbox(w.leader, "overdue")) == 1
    assert not DeadlineWatch.objects.filter(demand=demand, next_at__isnull=False).exists()


def test_a_dispatched_demand_the_department_never_takes_on_is_escalated(world: Any) -> None:
    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10), accepted=False)
    assert demand.status == S.DISPATCHED and demand.response_due == end_of(2, 25)

    run_sweep(now=at(2, 25, 8))
    assert len(inbox(w.coord_lead, "reminder")) == 1, "the department it was dispatched to is reminded"
    run_sweep(now=at(2, 27, 8))

    demand.refresh_from_db()
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 3)
    assert [s[1:] for s in steps(demand)] == [
        ("reminder", "reminded"),
        ("supervision", "supervised"),
        ("overdue", "escalated"),
    ]
    assert demand.events.order_by("-at", "-pk").first().data["reason"] == "overdue"
    assert len(inbox(w.hub, "overdue")) == 1


def test_a_demand_that_cannot_be_escalated_goes_to_the_leader(world: Any) -> None:
    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10))
    actions.do_escalate(demand, w.hub, reason="not_solvable", at=at(2, 24))
    # Escalated and awaiting a decision: there is no escalate edge from here, so the leader is told instead.
    run_sweep(now=at(3, 20))

    assert [s[1:] for s in steps(demand) if s[0] == ClockChoices.RESPONSE][-1] == (
        "overdue",
        "leader_notified",
    )
    assert len(inbox(w.leader, "overdue")) == 1


def test_the_sweep_reads_nothing_but_the_due_watches(world: Any, django_assert_num_queries: Any) -> None:
    w = world.jinghai
    for _ in range(5):
        untouched_tier2_demand(w, at(2, 13, 10))
    assert DeadlineWatch.objects.count() == 5

    with django_assert_num_queries(1):
        result = run_sweep(now=at(2, 24))
    assert result.watches == 0


def test_a_second_sweep_at_the_same_moment_does_nothing(world: Any) -> None:
    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10))
    # A watch moved back by hand (as if two sweeps had read it at once) still yields one step.
    run_sweep(now=at(2, 25, 8))
    DeadlineWatch.objects.filter(demand=demand).update(next_step="reminder", next_at=at(2, 25, 0))
    run_sweep(now=at(2, 25, 8))

    assert steps(demand) == [(ClockChoices.RESPONSE, "reminder", "reminded")]
    assert len(inbox(w.coord_lead, "reminder")) == 1


calendar_2026 = WorkCalendar(
    official={
        **{datetime(2026, 2, d).date(): False for d in range(15, 24)},
        datetime(2026, 2, 14).date(): True,
        datetime(2026, 2, 28).date(): True,
    },
    published_years=frozenset({2026}),
)


def test_the_reminder_comes_at_the_start_of_the_last_working_days() -> None:
    due = end_of(2, 25)
    started = at(2, 13, 10)

    assert reminder_at(started, due, Policy(), calendar_2026) == at(2, 25, 0, 0)
    # Two working days before: Tuesday 24, right after the holiday.
    assert reminder_at(started, due, Policy(reminder_working_days=2), calendar_2026) == at(2, 24, 0, 0)
    # Three: back over the nine days of the holiday to the make-up Saturday.
    assert reminder_at(started, due, Policy(reminder_working_days=3), calendar_2026) == at(2, 14, 0, 0)
    # Never before the clock started.
    assert reminder_at(started, due, Policy(reminder_working_days=5), calendar_2026) == started


def test_the_reminder_can_come_after_a_share_of_the_time() -> None:
    started, due = at(3, 2, 0, 0), at(3, 12, 0, 0)

    policy = Policy(reminder_mode=ReminderModeChoices.SHARE, reminder_share_percent=80)

    assert reminder_at(started, due, policy, calendar_2026) == at(3, 10, 0, 0)


def test_working_day_back_skips_the_holiday() -> None:
    assert working_day_back(calendar_2026, datetime(2026, 2, 24).date(), 1) == datetime(2026, 2, 14).date()
    assert working_day_back(calendar_2026, datetime(2026, 3, 2).date(), 1) == datetime(2026, 2, 28).date()


def test_the_steps_come_in_order_just_after_the_deadline() -> None:
    due = end_of(2, 25)
    plan = plan_steps(at(2, 13), due, end_of(2, 26), Policy(), calendar_2026)

    assert plan == [
        ("reminder", at(2, 25, 0, 0)),
        ("supervision", due + timedelta(microseconds=1)),
        ("overdue", end_of(2, 26) + timedelta(microseconds=1)),
    ]


def test_the_supervise_command_rebuilds_watches_and_sweeps_as_of_a_moment(world: Any, capsys: Any) -> None:
    from django.core.management import call_command

    w = world.jinghai
    demand = untouched_tier2_demand(w, at(2, 13, 10))
    DeadlineWatch.objects.all().delete()  # as after a bulk insert that sent no signal

    call_command("supervise", "--rebuild", "--at", "2026-02-25T08:00:00+08:00")

    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 2
    assert steps(demand) == [(ClockChoices.RESPONSE, "reminder", "reminded")]

"""`init --demo` made at awkward moments: a Sunday night, the first morning after the National Day week, the last
evening of the year (whose next year's holidays are not published). The demo is built from the clock; whatever the
hour it is made, nothing in it has happened after it was made, the district's people act in office hours, and the
printed logins open on work.

The platform's clock is moved with time-machine, which moves every reading of it (model defaults included), and
keeps ticking from there, as a real `init` would."""

from __future__ import annotations

from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from demandloop.core.audit import SYSTEM_ROLE
from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.demo import COVERAGE, ROUND_THE_CLOCK, busiest_logins
from demandloop.demands.flow import OPEN_STATUSES
from demandloop.demands.models import Demand, DemandEvent
from demandloop.org.choices import RoleChoices as R
from demandloop.org.demo import OFFICE_CLOSES, OFFICE_OPENS
from demandloop.org.models import District, User
from demandloop.sla.calendar import SHANGHAI
from demandloop.sla.services import get_calendar
from demandloop.solicitation.queries import waiting_targets

pytestmark = pytest.mark.django_db

MOMENTS = {
    "sunday-night": datetime(2026, 11, 29, 3, 0, tzinfo=SHANGHAI),
    "after-national-day": datetime(2026, 10, 8, 8, 40, tzinfo=SHANGHAI),
    "new-year-s-eve": datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI),
}

# Moments a record is about (deadlines, plans, the next attempt of a delivery): they may lie ahead.
AHEAD = {
    "response_due",
    "completion_due",
    "planned_at",
    "extension_requested_until",
    "report_due",
    "scheduled_at",
    "due",
    "next_at",
    "reply_due",
    "next_attempt_at",
    "locked_until",
    "hotline_due",
    "expire_date",  # a session's end
}


# When the district's people did something, beside the steps of the demands.
PEOPLE_S_MOMENTS = [
    ("meetings.Whistle", "blown_at"),
    ("meetings.WhistleResponse", "reported_at"),
    ("meetings.Meeting", "created_at"),
    ("meetings.Meeting", "held_at"),
    ("meetings.Meeting", "concluded_at"),
    ("solicitation.Campaign", "created_at"),
    ("solicitation.Campaign", "launched_at"),
    ("solicitation.Campaign", "closed_at"),
    ("solicitation.Reply", "submitted_at"),
    ("solicitation.Reply", "accepted_at"),
    ("solicitation.CampaignReminder", "sent_at"),
    ("knowledge.TypicalCaseEvent", "at"),
    ("knowledge.CaseSelectionEvent", "at"),
    ("knowledge.TypicalProblem", "recorded_at"),
    ("reports.IssuedReport", "issued_at"),
]


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_a_demo_made_at_any_hour_keeps_the_district_s_hours_and_opens_on_work(moment: datetime) -> None:
    # One demo per moment, all the checks on it: a demo is the expensive part.
    with time_machine.travel(moment, tick=True):
        call_command("init", "--preset", "all", "--demo", "70", "--no-migrate", stdout=StringIO())
        done = timezone.now()
    check_nothing_happened_after(done)
    check_the_district_s_people_act_in_office_hours()
    check_the_printed_logins_open_on_work()
    check_a_duplicate_is_merged_while_its_original_is_open()
    check_every_status_at_every_tier_outlives_the_catch_up()


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%a %Y-%m-%d %H:%M")


def check_nothing_happened_after(done: datetime) -> None:
    late = []
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("demandloop"):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.DateTimeField) or field.name in AHEAD:
                continue
            last = model.objects.aggregate(last=models.Max(field.name))["last"]
            if last is None:
                continue
            checked += 1
            if last > done:
                late.append((model._meta.label, field.name, timezone.localtime(last)))
    assert not late, late
    assert checked > 40


def check_the_district_s_people_act_in_office_hours() -> None:
    """Only 12345 and the portal take a matter in at any hour; every other step of the district's people on a
    demand, and every moment of the rest of their work, falls on a working day between 08:30 and 18:00. The
    sweep's own steps, taken at their moments when the demo is made, come when the clock says; they are
    checked to lie in the past with the rest."""
    calendar = get_calendar()

    def in_office(at: datetime) -> bool:
        local = timezone.localtime(at)
        return calendar.is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES

    # The platform's own steps (the supervision sweep's escalations, actor "system") come when the clock says.
    steps = DemandEvent.objects.exclude(actor_role=SYSTEM_ROLE).select_related("demand")
    outside = [
        (e.demand.channel, e.action, _local(e.at))
        for e in steps
        if not in_office(e.at) and not (e.action == A.RECEIVE and e.demand.channel in ROUND_THE_CLOCK)
    ]
    assert not outside, sorted(set(outside))[:40]
    assert steps.count() > 300
    # Whistles, meetings, campaigns, cases, reports: the moments the rest of the district's work happened at.
    # (Not the audit trail: outside the demands' batch an audit row holds when it was written, the real moment.)
    outside = []
    for label, name in PEOPLE_S_MOMENTS:
        model = apps.get_model(label)
        moments = model.objects.exclude(**{name: None}).values_list(name, flat=True)
        assert moments, (label, name, "the demo has such moments to check")
        outside += [(label, name, _local(at)) for at in moments if not in_office(at)]
    assert not outside, sorted(set(outside))[:40]


def check_the_printed_logins_open_on_work() -> None:
    for district in District.objects.all():
        logins = busiest_logins(district)
        for role in (R.OFFICER, R.COORDINATOR):
            user = User.objects.get(username=logins[role])
            assert Demand.objects.for_user(user).filter(status__in=OPEN_STATUSES).exists(), (district, role)
            assert waiting_targets(user), (district, role, "the current campaign waits for them")
    assert AuditEvent.objects.exists()


def check_a_duplicate_is_merged_while_its_original_is_open() -> None:
    for duplicate in Demand.objects.filter(status="merged").select_related("duplicate_of"):
        original = duplicate.duplicate_of
        assert original.received_at < duplicate.received_at <= duplicate.closed_at, duplicate.pk
        assert original.closed_at is None or duplicate.closed_at < original.closed_at, "merged while open"


def check_every_status_at_every_tier_outlives_the_catch_up() -> None:
    """`init` takes the supervision steps that fell due before it was made (`sla.sweep.catch_up`): a story whose
    clock ran out was escalated by the platform. The open stories of the coverage round stop where their clocks
    still run, so a demo as the hub first opens it still shows every status at every tier."""
    for district in District.objects.all():
        pairs = set(Demand.objects.filter(district=district).values_list("status", "tier__level"))
        assert pairs >= set(COVERAGE), (district.code, set(COVERAGE) - pairs)

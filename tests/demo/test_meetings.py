"""The demo's whistles and meetings: blown and held through the actions, at moments that fit each demand's story."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from demandloop.core.models import AuditEvent
from demandloop.demands.actions import end_of_day
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand, DemandEvent
from demandloop.integrations.models import Notification
from demandloop.knowledge.models import TypicalProblem
from demandloop.meetings.choices import MeetingKindChoices as K
from demandloop.meetings.choices import MeetingStatusChoices as M
from demandloop.meetings.models import Meeting, MeetingDecision, Whistle, WhistleResponse
from demandloop.meetings.queries import agenda_candidates, whistle_figures
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Membership, User

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


def _state_at(demand: Demand, moment: Any) -> DemandEvent:
    """The demand's last event at or before `moment`: what it was then."""
    event = demand.events.filter(at__lte=moment).order_by("-at", "-pk").first()
    assert event is not None, (demand.pk, moment)
    return event


def test_it_blows_whistles_at_tier_two_and_departments_report_in_on_time_late_or_never(
    demo: list[Any],
) -> None:
    now = timezone.now()
    for district in demo:
        whistles = list(Whistle.objects.filter(district=district).select_related("demand", "blown_by"))
        assert len(whistles) >= 5, district.code
        for whistle in whistles:
            then = _state_at(whistle.demand, whistle.blown_at)
            # Blown while the lead department handled the demand at tier 2, never in the future.
            assert (then.to_tier, then.to_status) == (2, S.IN_PROGRESS), whistle.pk
            assert whistle.blown_at < now
            assert Membership.objects.filter(
                user=whistle.blown_by, district=district, role=R.OFFICER, areas=whistle.demand.area_id
            ).exists(), "the officer of the demand's area blows the whistle"
            responses = list(whistle.responses.all())
            assert 2 <= len(responses) <= 3
            assert whistle.demand.lead_department_id in {r.department_id for r in responses}
            for response in responses:
                if response.reported_at is not None:
                    assert whistle.blown_at < response.reported_at < now
                    assert Membership.objects.filter(
                        user=response.reported_by, role=R.COORDINATOR, department=response.department_id
                    ).exists()
                    assert response.note
        # Not only the live queue: finished matters were whistled for too, months back (the monthly figures).
        assert any(w.demand.status == S.CLOSED for w in whistles), district.code
        assert sum(w.blown_at < now - timedelta(days=45) for w in whistles) >= 2, district.code
        figures = whistle_figures(WhistleResponse.objects.filter(whistle__district=district), now=now)
        assert sum(f.on_time for f in figures) > sum(f.late for f in figures) > 0, district.code
        assert sum(f.not_reported for f in figures) > 0, district.code
        # Every whistle and report-in left its audit row.
        assert AuditEvent.objects.filter(action="meetings.whistle", district_id=district.pk).count() == len(
            whistles
        )
        reported = WhistleResponse.objects.filter(
            whistle__district=district, reported_at__isnull=False
        ).count()
        assert (
            AuditEvent.objects.filter(action="meetings.report_in", district_id=district.pk).count()
            == reported
        )


def test_past_joint_meetings_decide_tier_three_demands_which_then_proceed(demo: list[Any]) -> None:
    now = timezone.now()
    for district in demo:
        held = list(
            Meeting.objects.filter(district=district, kind=K.JOINT, status=M.CONCLUDED).order_by(
                "scheduled_at"
            )
        )
        assert len(held) >= 2, district.code
        for meeting in held:
            assert meeting.scheduled_at < meeting.held_at <= meeting.concluded_at < now
            assert meeting.minutes and meeting.chair and meeting.attendees.exists()
            agenda = set(meeting.agenda.values_list("demand_id", flat=True))
            decisions = list(
                meeting.decisions.select_related(
                    "demand", "demand__tier", "lead_department"
                ).prefetch_related("co_departments")
            )
            assert agenda == {d.demand_id for d in decisions}, "a decision on every demand of the agenda"
            for decision in decisions:
                demand = decision.demand
                assert decision.applied_at == meeting.concluded_at
                assert f"#{demand.pk}" in meeting.minutes
                # Escalated before the meeting, decided at its conclusion, handled after it.
                escalated = demand.events.filter(action=A.ESCALATE, to_tier=3).get()
                assert escalated.at < meeting.scheduled_at
                decided = demand.events.get(action=A.DECIDE)
                assert decided.at == meeting.concluded_at and decided.data["meeting"] == meeting.pk
                assert not demand.events.filter(at__gt=escalated.at, at__lt=decided.at).exists()
                # Then the story went on: handled at tier 3 (and closed, for the older ones) or sent to the city.
                assert demand.tier.level in (3, 4)
                assert decided.to_status == S.IN_PROGRESS
                assert decided.data["lead_department"] == decision.lead_department.code
                assert set(decided.data["co_departments"]) == {d.code for d in decision.co_departments.all()}
                assert decided.completion_due == end_of_day(decision.deadline, district)
                assert decision.deadline >= timezone.localdate(meeting.concluded_at)
            # Called the morning it sat, not the day the demo was written; its decisions told then.
            assert meeting.created_at <= meeting.scheduled_at
            assert not Notification.objects.filter(
                district=district, link=f"/meetings/{meeting.pk}/", created_at__gt=meeting.scheduled_at
            ).exists()
        assert MeetingDecision.objects.filter(meeting__in=held).count() >= 4, district.code
        # The meetings reach back over the whole demo: closed matters were decided there too, months ago.
        assert held[0].scheduled_at < now - timedelta(days=120), district.code
        assert MeetingDecision.objects.filter(meeting__in=held, demand__status=S.CLOSED).exists(), (
            district.code
        )
        # Every tier-3 decision is a meeting's, but for a demand escalated after the last meeting held.
        for decided in DemandEvent.objects.filter(demand__district=district, action=A.DECIDE):
            if "meeting" not in decided.data:
                escalated = decided.demand.events.filter(action=A.ESCALATE, to_tier=3).get()
                assert escalated.at > held[-1].scheduled_at - timedelta(hours=4), decided.demand_id


def test_an_upcoming_joint_meeting_and_demands_still_awaiting_a_decision(demo: list[Any]) -> None:
    now = timezone.now()
    for district in demo:
        waiting = Demand.objects.filter(district=district, status=S.ESCALATED, tier__level=3)
        assert waiting.exists(), "some tier-3 demands still await a decision"
        assert not MeetingDecision.objects.filter(demand__in=waiting).exists()
        upcoming = Meeting.objects.get(district=district, kind=K.JOINT, status=M.PLANNED)
        assert upcoming.scheduled_at > now
        on_agenda = set(upcoming.agenda.values_list("demand_id", flat=True))
        assert on_agenda and on_agenda <= set(waiting.values_list("pk", flat=True))
        # What is not on the agenda yet is offered to the hub on the meetings page.
        assert (
            set(agenda_candidates(district).values_list("pk", flat=True))
            == set(waiting.values_list("pk", flat=True)) - on_agenda
        )


def test_an_officer_holds_a_coordination_meeting_and_the_hub_tables_a_typical_problem(
    demo: list[Any],
) -> None:
    now = timezone.now()
    for district in demo:
        coordination = Meeting.objects.select_related("whistle").get(district=district, kind=K.COORDINATION)
        whistle = coordination.whistle
        assert whistle is not None and coordination.called_by_id == whistle.blown_by_id
        assert coordination.scheduled_at > whistle.blown_at
        assert set(coordination.attendees.values_list("department_id", flat=True)) == set(
            whistle.responses.values_list("department_id", flat=True)
        )
        if coordination.status == M.CONCLUDED:
            assert coordination.minutes and coordination.concluded_at < now
        else:
            assert coordination.status == M.PLANNED and coordination.scheduled_at > now
        topic = Meeting.objects.get(district=district, kind=K.TOPIC)
        problem = TypicalProblem.objects.get(district=district, agenda_item__meeting=topic)
        assert problem.demands.count() >= 2 and problem.recorded_at < topic.scheduled_at
        assert topic.agenda.get().topic.startswith("典型问题")


def test_the_hub_sees_the_demo_meetings_and_the_report_in_table(demo: list[Any]) -> None:
    district = demo[0]
    client = Client()
    client.force_login(User.objects.get(username=f"{district.code}-hub"))
    page = client.get("/meetings/").content.decode()
    for meeting in Meeting.objects.filter(district=district):
        assert meeting.title in page
    for row in whistle_figures(
        WhistleResponse.objects.filter(whistle__district=district), now=timezone.now()
    ):
        assert row.department in page

"""The demo campaigns show every state the hub's page knows, through the real actions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demandloop.demands.demo import Matter, busiest_logins, raises
from demandloop.demands.models import Demand
from demandloop.org.models import User
from demandloop.solicitation.demo import create_demo_campaigns
from demandloop.solicitation.models import Campaign
from demandloop.solicitation.queries import campaign_figures, problems_of, targets_of, waiting_targets

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


def test_the_demo_has_a_closed_a_launched_and_a_draft_campaign_per_district(demo):
    district = demo[1]
    assert create_demo_campaigns(district) == 3
    assert create_demo_campaigns(district) == 0  # once
    closed, launched, draft = Campaign.objects.filter(district=district).order_by("pk")
    assert (closed.status, launched.status, draft.status) == ("closed", "launched", "draft")
    figures = campaign_figures(launched, list(targets_of(launched)), list(problems_of(launched)))
    assert figures.states["on_time"] and figures.states["no_problems"]
    assert figures.states["overdue"] + figures.states["not_yet"] > 0
    assert figures.demands and figures.awaiting_acceptance and figures.general
    assert launched.reminders.count() == 1
    assert (
        Demand.objects.filter(channel="solicitation", solicitation_problem__isnull=False).count()
        >= figures.demands
    )
    # What the replies became is taken up by the tiers: last month's handled to its close; this month's planned,
    # the enterprise told, the date promised still ahead (nothing for the first sweep to escalate).
    became = Demand.objects.filter(solicitation_problem__reply__target__campaign=closed)
    assert became and set(became.values_list("status", flat=True)) == {"closed"}
    now = timezone.now()
    current = Demand.objects.filter(solicitation_problem__reply__target__campaign=launched)
    taken_up = current.exclude(status__in=("received", "screened"))
    assert taken_up and set(taken_up.values_list("status", flat=True)) <= {"answered", "informed"}
    assert all(d.completion_due > now for d in taken_up if d.status == "informed")
    # Each problem is one its enterprise would raise (no barber's shop with a new production line).
    named = [p for c in (closed, launched) for p in problems_of(c) if p.enterprise_id]
    assert named and all(raises(p.enterprise, Matter("", "", p.content)) for p in named)
    # The logins `init` prints find the campaign waiting on their pages.
    logins = busiest_logins(district)
    for role in ("officer", "coordinator"):
        assert waiting_targets(User.objects.get(username=logins[role])), role

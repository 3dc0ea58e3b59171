"""The demo shows the quality module at work: cases written up by the people who handled the demands, some
returned, some waiting, the rest accepted and the latest year's top ten published — all through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.knowledge.cases import nominating_role
from demandloop.knowledge.demo import CASES, create_demo_cases
from demandloop.knowledge.models import CaseSelection, TypicalCase

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture
def district(demo: list[Any]) -> Any:
    """静海 of the package's demo (conftest.py)."""
    return demo[0]


def test_it_writes_up_reviews_and_publishes_the_demo_cases(district):
    assert create_demo_cases(district) == CASES
    cases = list(TypicalCase.objects.filter(district=district).select_related("demand__enterprise", "author"))
    states = sorted(case.status for case in cases)
    assert states.count("returned") == 2 and states.count("submitted") == 2 and states.count("accepted") == 12
    for case in cases:
        assert case.is_demo and case.demand.evaluation_solved == "solved"
        # The author reached the demand in a nominating role: the case went through the same rule as anyone's.
        assert nominating_role(case.author, case.demand) == case.author_role
        if case.anonymous:
            assert case.demand.enterprise.name not in case.background
        assert case.events.first().action == "nominate"
    assert {case.demand.tier_level for case in cases} >= {1, 2, 3}
    selection = CaseSelection.objects.get(district=district)
    assert selection.is_published and selection.entries.count() == 10
    assert all(e.case.status == "accepted" and e.case.year == selection.year for e in selection.entries.all())


def test_it_adds_nothing_for_a_district_without_its_hub(district):
    from demandloop.org.models import Membership

    Membership.objects.filter(district=district, role="hub").delete()
    assert create_demo_cases(district) == 0

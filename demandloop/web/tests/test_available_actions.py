"""The order of the action forms on a demand page: the first one is opened, so it should be the likely step."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.tests.world import build_world, drive
from demandloop.web.available import available_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def jinghai(db: Any) -> Any:
    return build_world().jinghai


def test_at_tier_four_the_transfer_to_the_city_comes_first_and_the_district_lead_stays(jinghai: Any) -> None:
    demand = drive(jinghai, S.ESCALATED, level=3)
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 4)
    actions = [action for action, _role in available_actions(jinghai.hub, demand, frozenset())]
    assert actions[0] == A.TRANSFER and A.DECIDE in actions


def test_at_tier_three_the_decision_comes_first(jinghai: Any) -> None:
    demand = drive(jinghai, S.ESCALATED, level=2)
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 3)
    actions = [action for action, _role in available_actions(jinghai.hub, demand, frozenset())]
    assert actions[0] == A.DECIDE and A.TRANSFER not in actions

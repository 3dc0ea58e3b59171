"""Fixtures of the report tests: the demands app's small known world, its clock, and a known November."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.tests.conftest import Clock
from demandloop.demands.tests.world import World, build_world, drive, receive
from demandloop.meetings import actions as meeting_actions
from demandloop.org.models import LeaderPost


@pytest.fixture(autouse=True)
def empty_cache() -> Any:
    """Reports are shared through the cache for two minutes; each test starts without another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from django.utils import timezone

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def november(world: Any, clock: Any) -> Any:
    """静海: two demands in October 2025, five in November (one evaluated, one answered on the spot, one out of
    scope, one dispatched and left to run past its deadline, one of area b), a whistle in November; the report
    is made on 2025-12-10."""
    w = world.jinghai
    clock.set(2025, 10, 14)
    drive(w, S.RECEIVED)
    drive(w, S.EVALUATED)
    clock.set(2025, 11, 3)
    drive(w, S.EVALUATED)
    clock.set(2025, 11, 4)
    drive(w, S.ANSWERED)
    clock.set(2025, 11, 5)
    drive(w, S.OUT_OF_SCOPE)
    clock.set(2025, 11, 6)
    late = drive(w, S.DISPATCHED)
    meeting_actions.do_blow_whistle(
        late, w.hub, departments=[w.dep("scjgj"), w.dep("swj")], reason="联合会商"
    )
    clock.set(2025, 11, 20)
    receive(w, enterprise=w.ent_b, by=w.officer_b)
    post = LeaderPost.objects.create(district=w.district, code="test-post", title="测试包联领导", order=0)
    post.areas.set([w.a, w.b])
    clock.set(2025, 12, 10, 15)
    return w

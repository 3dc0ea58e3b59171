"""Fixtures of the report tests: the demands app's small known world and its clock."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.demands.tests.conftest import Clock
from demandloop.demands.tests.world import World, build_world


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

"""Fixtures of the whistle, meeting and supervision tests: the demands app's small known world."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.demands.tests.world import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    return build_world()

"""Fixtures of the demand tests: the small known world, a clock the test sets, API clients per person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from demandloop.demands.tests.world import World, build_world
from demandloop.sla.calendar import SHANGHAI


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


class Clock:
    """The platform's `timezone.now()`, held where the test puts it."""

    def __init__(self) -> None:
        self.now = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)

    def set(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
        self.now = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def api_as() -> Callable[[Any], APIClient]:
    def client_for(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for

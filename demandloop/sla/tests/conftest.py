"""Fixtures of the calendar tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demandloop.sla.calendar import WorkCalendar
from demandloop.sla.tests.helpers import OFFICIAL


@pytest.fixture
def calendar() -> WorkCalendar:
    return OFFICIAL


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    # Each test's database is rolled back; a calendar cached by an earlier test must not leak into the next.
    from demandloop.sla.services import invalidate_calendar_cache

    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()

"""The demo of both presets, built once for every test of this package: each module reads what one part of the
platform made of it (the demands' stories, the whistles and meetings played over them, the 12345 ledger behind
them). A demo takes a few seconds to build, more than twenty on a loaded machine; each module building its own, on
each test worker, was two minutes of the suite. Each module marks its tests as the xdist group "demo", so that one
worker runs them one after another and builds the demo once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="package")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[list[Any]]:
    """Both presets' demo (`demands.tests.world.demo_districts`), in a transaction rolled back after the package.
    What a test adds over it (the campaigns, the reports, the cases of the demo) rolls back with the test."""
    from django.db import transaction

    from demandloop.demands.tests.world import demo_districts

    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_districts()
        transaction.set_rollback(True)

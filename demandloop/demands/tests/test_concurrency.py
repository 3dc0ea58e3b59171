"""Fifty people try the same transition on one demand at the same moment: exactly one wins, the others get a clear
409, nothing is lost and nothing fails (STYLE.md rule 2: the compare-and-swap claim)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import DemandEvent
from demandloop.demands.tests.world import build_world, drive
from demandloop.org.models import User

ATTEMPTS = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
]


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_fifty_simultaneous_accepts_win() -> None:
    w = build_world().jinghai
    demand = drive(w, S.DISPATCHED)
    coordinator_id = w.coord_lead.pk
    start = threading.Barrier(ATTEMPTS)

    def attempt(_: int) -> tuple[int, dict[str, Any]]:
        try:
            client = APIClient()
            # Each thread has its own connection and its own copy of the user (and of its cached grants).
            client.force_authenticate(User.objects.get(pk=coordinator_id))
            start.wait(timeout=60)
            response = client.post(
                f"/api/v1/demands/{demand.pk}/actions/accept/", {"note": "接单"}, format="json"
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))

    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (ATTEMPTS - 1)
    losers = [body for code, body in results if code == 409]
    # A loser either saw the winner's commit (not an edge any more) or lost the claim itself.
    assert {body["code"] for body in losers} <= {"conflict", "not_allowed"}
    assert all(body["detail"] for body in losers)

    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS
    # Every action after the intake bumped the version once: nothing was applied twice.
    assert demand.version == demand.events.count() - 1
    accepts = DemandEvent.objects.filter(demand=demand, action="accept")
    assert accepts.count() == 1
    audit = AuditEvent.objects.filter(
        object_type="demands.demand", object_id=str(demand.pk), action="demand.accept"
    )
    assert audit.filter(success=True).count() == 1
    assert audit.filter(success=False).count() == ATTEMPTS - 1

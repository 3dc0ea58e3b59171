"""Fixtures of the city platform tests: the demands' small known world, the city platform on a local HTTP
server with the integration configured against it, and the city's signed requests to the district."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from demandloop.demands.tests.world import World, build_world
from demandloop.integrations.city_platform.tests.simulator import CityPlatformSimulator
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.delivery import deliver_due


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def city(settings: Any) -> Iterator[CityPlatformSimulator]:
    simulator = CityPlatformSimulator().start()
    settings.DEMANDLOOP_CITY_PLATFORM_URL = simulator.url
    settings.DEMANDLOOP_CITY_PLATFORM_APP_ID = simulator.app_id
    settings.DEMANDLOOP_CITY_PLATFORM_SECRET = simulator.secret
    yield simulator
    simulator.stop()


@pytest.fixture
def city_posts(city: CityPlatformSimulator) -> Callable[..., Any]:
    """POST a body to one of the district's city endpoints, signed as the city (or as told)."""
    client = Client()

    def post(path: str, body: Any, key: str | None = None, **signing: Any) -> Any:
        event_id = key if key is not None else str(body.get("event_id", "")) if isinstance(body, dict) else ""
        raw, headers = city.sign(body, event_id, **signing)
        return client.post(
            f"/api/v1/integrations/city/{path}/", raw, content_type="application/json", headers=headers
        )

    return post


def deliver_everything_due() -> None:
    # Backoff waits are the delivery's business; the test moves every pending message to now.
    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    deliver_due()

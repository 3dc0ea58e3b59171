"""Fixtures of the 12345 tests: the demands' small known world (two districts, one person per role), a 12345
system on a local HTTP server, and API clients per person."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from demandloop.demands.tests.world import World, build_world
from demandloop.integrations.hotline12345.tests.simulator import Hotline12345Simulator


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def hotline(settings: Any) -> Iterator[Hotline12345Simulator]:
    simulator = Hotline12345Simulator().start()
    settings.DEMANDLOOP_HOTLINE12345_URL = simulator.url
    settings.DEMANDLOOP_HOTLINE12345_APP_ID = simulator.app_id
    settings.DEMANDLOOP_HOTLINE12345_SECRET = simulator.secret
    yield simulator
    simulator.stop()


@pytest.fixture
def api_as() -> Callable[[Any], APIClient]:
    def client_for(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield

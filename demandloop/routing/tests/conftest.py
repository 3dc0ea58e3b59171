"""Fixtures of the routing tests: a model folder of their own, and the caches of the process cleared."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_router_state(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from demandloop.routing import queries, store

    # Default models are trained once per test session in a shared folder (four seconds each), never in var/.
    settings.DEMANDLOOP_MODELS_DIR = tmp_path_factory.getbasetemp() / "routing-models"
    store.forget_loaded()
    queries.forget_contexts()
    queries.duplicate_registry.clear()
    yield
    # A test that retrained a router must not leave it active for the next test.
    for pointer in settings.DEMANDLOOP_MODELS_DIR.glob(f"*/{store.ACTIVE_FILE}"):
        pointer.unlink()
    store.forget_loaded()
    queries.forget_contexts()
    queries.duplicate_registry.clear()

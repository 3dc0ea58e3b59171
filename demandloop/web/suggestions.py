"""The routing suggestions and FAQ answers shown while a demand is typed (issue 6), as plain data for a partial.

The router lives in `demandloop.routing` (another app); its public entry point is
`suggest(district_code, text, *, enterprise_id=None, area_id=None)`, returning a JSON-serialisable decision. When
the router is not installed the partial shows nothing rather than guessing.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from typing import Any

logger = logging.getLogger(__name__)

# Where the router's public function may live, the package first.
ROUTER_MODULES = ("demandloop.routing", "demandloop.routing.api", "demandloop.routing.service")
MIN_TEXT = 6


def _router() -> Any:
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        function = getattr(module, "suggest", None)
        if callable(function):
            return function
    return None


def _as_data(decision: Any) -> dict[str, Any]:
    if decision is None:
        return {}
    if dataclasses.is_dataclass(decision) and not isinstance(decision, type):
        return dataclasses.asdict(decision)
    for name in ("to_dict", "as_dict", "model_dump"):
        method = getattr(decision, name, None)
        if callable(method):
            return dict(method())
    return dict(decision) if isinstance(decision, dict) else {}


def suggest_for(district_code: str | None, text: str) -> dict[str, Any] | None:
    """The router's decision for `text` as a dict, or None (no router, no district, too little text)."""
    function = _router()
    if function is None or not district_code or len(text.strip()) < MIN_TEXT:
        return None
    try:
        return _as_data(function(district_code, text))
    except Exception:
        # A suggestion is a help, never a requirement: the form must keep working when the router fails.
        logger.exception("routing suggestion failed")
        return None

"""Reading the platform's own YAML files (presets, handbooks, the routing lexicon): safe, and fast.

PyYAML's pure-Python loader takes about 50 ms for a district's preset; its libyaml loader, bundled with PyYAML's
wheels, reads the same data eight times faster. Both are safe loaders (plain data, no Python objects).
"""

from __future__ import annotations

from typing import IO, Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]


def load_yaml(stream: str | IO[str]) -> Any:
    """The data of a YAML document; `yaml.YAMLError` (with its `problem_mark`) when it is not valid YAML."""
    return yaml.load(stream, Loader=SafeLoader)

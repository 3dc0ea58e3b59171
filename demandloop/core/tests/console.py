"""The console script `demandloop` run as its own process on a SQLite database of its own (tests of commands,
of the deployment files, of the workers): see the `migrated_sqlite` fixture of the root conftest."""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONSOLE_SCRIPT = Path(sys.executable).parent / "demandloop"


def console_env(database: Path, var: Path) -> dict[str, str]:
    """The environment of a console-script process on `database` with `var` as its var folder: no PostgreSQL,
    no Redis of the test run's."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    return env | {"SQLITE_PATH": str(database), "DEMANDLOOP_VAR_DIR": str(var), "LANG": "C.UTF-8"}

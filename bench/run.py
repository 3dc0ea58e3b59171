"""Run every benchmark of bench/ (`make bench`): each `bench_*.py` module's `main()`, one after another.

`python -m bench.run routing sweep` runs only the named ones, each in a process of its own (a benchmark sets
up Django with the database it measures). Each benchmark writes its own section of bench/RESULTS.md with the
date, commit, machine and data size (bench/results.py).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    if len(names) > 1:
        # One process per benchmark: each sets up Django with its own database (the sweep needs PostgreSQL,
        # pages measure SQLite and PostgreSQL in turn), and Django is set up once per process.
        failed = [
            name for name in names if subprocess.run([sys.executable, "-m", "bench.run", name]).returncode
        ]
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    [name] = names
    started = time.monotonic()
    print(f"== bench {name}", flush=True)
    module = importlib.import_module(f"bench.bench_{name}")
    module.main()
    print(f"== bench {name} done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Write one benchmark's figures into bench/RESULTS.md, in its own marked section, with date, commit and machine.

Each benchmark owns one section (`<!-- section:NAME -->` … `<!-- /section:NAME -->`), so benchmarks can be rerun
one at a time without touching the others' figures.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n\nWritten by `make bench` (or one benchmark at a time); each section says when, where and on what.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}"


def reference_seconds(steps: int = 5_000_000, repeat: int = 3) -> float:
    """Seconds a fixed pure-Python loop takes on one core here, best of `repeat`.

    Machines of the same kind are not equally fast from day to day (the same commit's decision benchmark read
    4.95 ms at the median one day and 11.9 ms the next): this figure, written beside every section, says how fast
    the machine was when the section's figures were taken, so two runs can be compared.
    """
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for i in range(steps):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


# Taken when a benchmark imports this module, i.e. before it measures anything; compared with the figure taken
# when its section is written, it shows whether the machine's speed changed during the run.
REFERENCE_BEFORE = reference_seconds()


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        # The figures file itself does not count: the benchmark before this one has just written to it.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":(exclude)bench/RESULTS.md"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_section(name: str, title: str, body: str, data_size: str) -> None:
    stamp = dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    block = (
        f"<!-- section:{name} -->\n## {title}\n\n"
        f"- date: {stamp}\n- commit: {commit()}\n- machine: {machine()}; reference loop (5 million Python "
        f"additions, best of 3): {REFERENCE_BEFORE:.2f} s before the run, {reference_seconds():.2f} s after\n"
        f"- data size: {data_size}\n\n"
        f"{body.strip()}\n<!-- /section:{name} -->\n"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(rf"<!-- section:{re.escape(name)} -->.*?<!-- /section:{re.escape(name)} -->\n", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")

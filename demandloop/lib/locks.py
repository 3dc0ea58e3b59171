"""A lock that several processes of one machine take in turn: an exclusive `flock` on a file.

For work that must be done once however many processes reach it together (web workers, the task worker, test
workers): the first takes the lock and does it; the others wait, then find it done.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if need be; its folder must exist) until the block ends."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

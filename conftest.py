"""Fixtures shared by every test: the two districts and a factory for named people in given scopes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # argon2 is deliberately slow; tests create hundreds of users. The production hasher is asserted separately.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # With the Redis cache (CI), the xdist workers share one server. Each gets a database of its own: a test's
    # cache.clear() is a FLUSHDB, and emptied another worker's cache in the middle of its test (a page then
    # recomputed its cached figures and counted one query more).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    cache = settings.CACHES["default"]
    if worker.startswith("gw") and cache["BACKEND"].endswith("RedisCache"):
        server = cache["LOCATION"].rsplit("/", 1)[0]
        settings.CACHES = {"default": {**cache, "LOCATION": f"{server}/{1 + int(worker[2:])}"}}


def pytest_collection_finish(session: pytest.Session) -> None:
    """`--dist loadgroup` (the Makefile's) sends each `xdist_group` to one worker by renaming its tests' node ids
    to end in "@group"; a pytest that ignores the renaming spreads the groups silently (tests/demo would build
    its demo on both workers). Say so instead."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [
        item.nodeid
        for item in session.items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid.rsplit("::", 1)[-1]
    ]
    if lost:
        message = (
            f"--dist loadgroup did not group {len(lost)} tests (first: {lost[0]}); "
            "check the pytest and pytest-xdist versions pinned in pyproject.toml"
        )
        # A worker's exception reaches the terminal as xdist's own internal error: the reason goes out first.
        print(message, file=sys.__stderr__, flush=True)
        raise pytest.UsageError(message)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated by the console script, for tests that start the platform's own processes (the
    test database lives in memory). Migrating takes over ten seconds: the test workers of a run migrate once,
    into the folder of the run they share; each test copies it (`shutil.copyfile`) before writing."""
    from demandloop.core.tests.console import CONSOLE_SCRIPT, console_env
    from demandloop.lib.locks import file_lock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    template = shared / "cli-migrated.sqlite3"
    with file_lock(shared / "cli-migrated.lock"):
        if not template.exists():
            migrating = shared / f"cli-migrating-{os.getpid()}.sqlite3"
            subprocess.run(
                [str(CONSOLE_SCRIPT), "migrate", "-v0"],
                env=console_env(migrating, shared),
                check=True,
                capture_output=True,
                timeout=300,
            )
            migrating.replace(template)
    return template


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium for the browser tests, one per test module (contexts keep the people apart)."""
    from playwright.sync_api import sync_playwright

    from demandloop.web.tests.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Every browser test is also a test of the Content Security Policy: the pages it walked through must not
    have made the browser refuse anything (`demandloop.web.tests.browser.CSP_VIOLATIONS`)."""
    browser = sys.modules.get("demandloop.web.tests.browser")
    if browser is not None:
        browser.CSP_VIOLATIONS.clear()
    yield
    browser = sys.modules.get("demandloop.web.tests.browser")
    if browser is not None and browser.CSP_VIOLATIONS:
        found = "\n".join(browser.CSP_VIOLATIONS)
        browser.CSP_VIOLATIONS.clear()
        pytest.fail(f"the browser refused under the Content Security Policy:\n{found}")


@pytest.fixture
def settled_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that count queries: the process's working-day calendar checks its revision token every few
    seconds (`sla.services.REFRESH_SECONDS`), so a count could depend on how long the test took. Pinned here:
    the calendar is read once, by the first request."""
    from demandloop.sla import services

    monkeypatch.setattr(services, "REFRESH_SECONDS", float("inf"))


@pytest.fixture
def jinghai(db: Any) -> Any:
    from demandloop.org.presets import load_preset

    return load_preset("jinghai").district


@pytest.fixture
def nankai(db: Any) -> Any:
    from demandloop.org.presets import load_preset

    return load_preset("nankai").district


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """make_user("alice", "officer", district, areas=[a1]) → a user holding that role (password "pw-alice")."""
    from demandloop.org.models import Membership, User

    def factory(
        username: str,
        role: str,
        district: Any = None,
        *,
        areas: Iterable[Any] = (),
        department: Any = None,
        leader_post: Any = None,
        enterprise: Any = None,
        locality: Any = None,
        is_staff: bool = False,
        full_name: str = "",
    ) -> Any:
        user = User.objects.create_user(
            username=username, password=f"pw-{username}", full_name=full_name or username, is_staff=is_staff
        )
        membership = Membership.objects.create(
            user=user,
            role=role,
            district=district,
            department=department,
            leader_post=leader_post,
            enterprise=enterprise,
            locality=locality,
        )
        membership.areas.set(list(areas))
        return user

    return factory

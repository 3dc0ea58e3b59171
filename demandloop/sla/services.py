"""The database-facing side of the working-day calendar: build it, cache it, compute deadlines, seed it.

`get_calendar()` builds the pure `WorkCalendar` from the database once per process and keeps it; every
`REFRESH_SECONDS` it reads the one-row `CalendarRevision` token and rebuilds when another process has
changed the calendar. A write in this process (through `actions.py`) drops the cache at once. So a deadline
costs no query at all in the common case, and a correction made by an administrator reaches every web and
worker process within a few seconds, with no shared memory between them.
"""

from __future__ import annotations

import threading
import time as monotonic_time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from demandloop.sla.calendar import Due, WorkCalendar, add_working_days
from demandloop.sla.models import (
    CalendarOverride,
    CalendarRevision,
    DayKindChoices,
    OfficialDay,
    PublishedYear,
    PublishedYearSourceChoices,
)
from demandloop.sla.official import SOURCE as PACKAGE_SOURCE
from demandloop.sla.official import package_entries, package_years

if TYPE_CHECKING:
    from demandloop.org.models import District

# How stale another process's change may be seen here: one single-row read per process per interval.
REFRESH_SECONDS = 5.0
_REVISION_PK = 1


@dataclass
class _CachedCalendar:
    calendar: WorkCalendar | None = None
    token: str | None = None
    checked_at: float = float("-inf")


_cache = _CachedCalendar()
_cache_lock = threading.Lock()


def _current_token() -> str | None:
    return CalendarRevision.objects.filter(pk=_REVISION_PK).values_list("token", flat=True).first()


def build_calendar() -> WorkCalendar:
    """A fresh `WorkCalendar` from the database (four queries); `get_calendar()` is the cached way in.

    When no official day has been seeded yet, the package's data is read directly, so deadlines are right even
    before `demandloop init` has run the seed.
    """
    replaced_years = set(PublishedYear.objects.filter(replaces_official=True).values_list("year", flat=True))
    published_years = set(PublishedYear.objects.values_list("year", flat=True))
    official: dict[date, bool] = {}
    labels: dict[date, str] = {}
    official_rows = list(OfficialDay.objects.values_list("date", "kind", "holiday"))
    if official_rows:
        for day, kind, holiday in official_rows:
            if day.year not in replaced_years:
                official[day] = kind == DayKindChoices.WORK
                labels[day] = holiday
    else:
        for entry in package_entries():
            if entry.date.year not in replaced_years:
                official[entry.date] = entry.is_working_day
                labels[entry.date] = entry.holiday
        published_years.update(package_years())
    overrides: dict[date, bool] = {}
    for day, kind, note in CalendarOverride.objects.values_list("date", "kind", "note"):
        overrides[day] = kind == DayKindChoices.WORK
        if note:
            labels[day] = note
    return WorkCalendar(
        official=official, overrides=overrides, published_years=frozenset(published_years), labels=labels
    )


def get_calendar() -> WorkCalendar:
    """The process's calendar, rebuilt when the revision token has changed (checked every few seconds)."""
    now = monotonic_time.monotonic()
    cached = _cache.calendar
    if cached is not None and now - _cache.checked_at < REFRESH_SECONDS:
        return cached
    with _cache_lock:
        # Read the token before the data: a change committed in between makes the next check rebuild again,
        # never keeps new data under an old token or old data under a new one.
        token = _current_token()
        if _cache.calendar is None or token != _cache.token:
            _cache.calendar = build_calendar()
            _cache.token = token
        _cache.checked_at = monotonic_time.monotonic()
        return _cache.calendar


def invalidate_calendar_cache() -> None:
    """Forget this process's calendar; the next `get_calendar()` reads the database."""
    with _cache_lock:
        _cache.calendar = None
        _cache.token = None
        _cache.checked_at = float("-inf")


def bump_calendar_revision() -> None:
    """Tell every process that the calendar changed. Call inside the writing transaction."""
    CalendarRevision.objects.update_or_create(
        pk=_REVISION_PK, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )
    invalidate_calendar_cache()
    # Again after commit: a rebuild inside the transaction may have cached rows that were then rolled back
    # or, in this process, seen before other rows of the same transaction were written.
    transaction.on_commit(invalidate_calendar_cache)


def compute_due(start: datetime, days: int, district: District | None = None) -> Due:
    """The deadline of `days` working days from `start`, ending at the district's closing time if set."""
    closing_time = district.office_closing_time if district is not None else None
    return add_working_days(start, days, get_calendar(), closing_time)


def due_payload(due: Due) -> dict[str, Any]:
    """The deadline as JSON-ready data for the API and the command line (DESIGN.md §8)."""
    return {
        "due": due.due.isoformat(),
        "due_date": due.due_date.isoformat(),
        "closes_at": due.closes_at,
        "provisional": due.provisional,
        "counted": [day.isoformat() for day in due.counted],
    }


def describe_due(due: Due) -> str:
    """The deadline in words for pages and messages, saying when it rests on an unpublished arrangement."""
    if due.provisional:
        return _(
            "%(label)s (provisional: the holiday arrangement of a year involved has not been published, "
            "Monday to Friday were counted)"
        ) % {"label": due.label}
    return due.label


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What `seed_official_calendar` changed; all zero when the database already matched the package."""

    created: int
    updated: int
    deleted: int
    years_published: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.years_published)


@transaction.atomic
def seed_official_calendar() -> SeedResult:
    """Make the official days mirror the installed chinesecalendar package and publish its years.

    Idempotent: a second call finds nothing to change, writes nothing and does not bump the revision. A
    year an administrator has already published (by import) keeps its own record.
    """
    existing = {row.date: row for row in OfficialDay.objects.select_for_update()}
    to_create: list[OfficialDay] = []
    to_update: list[OfficialDay] = []
    for entry in package_entries():
        kind = DayKindChoices.WORK if entry.is_working_day else DayKindChoices.OFF
        row = existing.pop(entry.date, None)
        if row is None:
            to_create.append(
                OfficialDay(date=entry.date, kind=kind, holiday=entry.holiday, source=PACKAGE_SOURCE)
            )
        elif (row.kind, row.holiday, row.source) != (kind, entry.holiday, PACKAGE_SOURCE):
            row.kind, row.holiday, row.source = kind, entry.holiday, PACKAGE_SOURCE
            to_update.append(row)
    # What is left was removed from the package by a correction in a newer release.
    stale = [row.pk for row in existing.values()]

    known_years = set(PublishedYear.objects.values_list("year", flat=True))
    new_years = [
        PublishedYear(year=year, source=PublishedYearSourceChoices.PACKAGE, note=PACKAGE_SOURCE)
        for year in package_years()
        if year not in known_years
    ]

    OfficialDay.objects.bulk_create(to_create)
    OfficialDay.objects.bulk_update(to_update, ["kind", "holiday", "source"])
    OfficialDay.objects.filter(pk__in=stale).delete()
    if new_years:
        bulk_create_with_history(new_years, PublishedYear, default_change_reason=PACKAGE_SOURCE)
    result = SeedResult(
        created=len(to_create), updated=len(to_update), deleted=len(stale), years_published=len(new_years)
    )
    if result.changed:
        bump_calendar_revision()
    return result

"""Writes to the working-day calendar: one transaction each, recording who acted, bumping the revision.

The admin pages, the `calendar import` command and any future page call these; none of them saves calendar
rows itself, so the history (who and when) and the cache invalidation of every process cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from demandloop.sla.imports import Arrangement
from demandloop.sla.models import (
    CalendarOverride,
    OverrideSourceChoices,
    PublishedYear,
    PublishedYearSourceChoices,
)
from demandloop.sla.services import bump_calendar_revision

if TYPE_CHECKING:
    from demandloop.org.models import User


def _attribute(instance: CalendarOverride | PublishedYear, user: User | None, reason: str = "") -> None:
    # simple_history reads these attributes to fill history_user and history_change_reason, also outside a
    # request (commands, background jobs) where its middleware has no user to offer.
    instance._history_user = user  # type: ignore[union-attr]
    if reason:
        instance._change_reason = reason  # type: ignore[union-attr]


@transaction.atomic
def do_set_override(
    *, day: date, kind: str, note: str = "", user: User | None, source: str = OverrideSourceChoices.MANUAL
) -> CalendarOverride:
    """Declare `day` a working day or a day off, replacing any earlier override of that date."""
    override = CalendarOverride.objects.select_for_update().filter(date=day).first()
    if override is None:
        override = CalendarOverride(date=day, created_by=user)
    override.kind = kind
    override.note = note
    override.source = source
    override.updated_by = user
    _attribute(override, user)
    override.save()
    bump_calendar_revision()
    return override


@transaction.atomic
def do_delete_override(override: CalendarOverride, *, user: User | None) -> None:
    """Remove an override: the date follows the official arrangement (or the week) again."""
    _attribute(override, user)
    override.delete()
    bump_calendar_revision()


@transaction.atomic
def do_publish_year(
    *,
    year: int,
    user: User | None,
    source: str = PublishedYearSourceChoices.MANUAL,
    replaces_official: bool = False,
    note: str = "",
) -> PublishedYear:
    """Mark `year`'s arrangement as published: its deadlines stop being provisional."""
    published = PublishedYear.objects.select_for_update().filter(year=year).first()
    if published is None:
        published = PublishedYear(year=year, created_by=user)
    published.source = source
    published.replaces_official = replaces_official
    published.note = note
    published.updated_by = user
    _attribute(published, user)
    published.save()
    bump_calendar_revision()
    return published


@transaction.atomic
def do_unpublish_year(published: PublishedYear, *, user: User | None) -> None:
    """Withdraw a year's publication: its deadlines become provisional (Monday–Friday where unknown)."""
    _attribute(published, user)
    published.delete()
    bump_calendar_revision()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the year published, overrides written, and earlier overrides it replaced."""

    year: int
    created: int
    replaced: int


@transaction.atomic
def do_import_arrangement(arrangement: Arrangement, *, user: User | None) -> ImportResult:
    """Make `arrangement` the whole of its year: replace the year's overrides and publish the year.

    All or nothing: the arrangement has been validated row by row already, and the writes share one
    transaction. Earlier overrides of the year (and of the dates in the file) are deleted one by one so
    that the history records who removed them.
    """
    reason = f"import {arrangement.file_name}"[:100]
    file_dates = {row.date for row in arrangement.rows}
    earlier = list(
        CalendarOverride.objects.select_for_update().filter(
            Q(date__year=arrangement.year) | Q(date__in=file_dates)
        )
    )
    for override in earlier:
        _attribute(override, user, reason)
        override.delete()
    overrides = [
        CalendarOverride(
            date=row.date,
            kind=row.kind,
            note=row.note,
            source=OverrideSourceChoices.IMPORT,
            created_by=user,
            updated_by=user,
        )
        for row in arrangement.rows
    ]
    bulk_create_with_history(overrides, CalendarOverride, default_user=user, default_change_reason=reason)
    do_publish_year(
        year=arrangement.year,
        user=user,
        source=PublishedYearSourceChoices.IMPORT,
        replaces_official=True,
        note=arrangement.file_name[:200],
    )
    return ImportResult(year=arrangement.year, created=len(overrides), replaced=len(earlier))

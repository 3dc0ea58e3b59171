"""Helpers of the calendar tests: moments in Beijing time and the calendar the package ships."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import chinese_calendar

from demandloop.sla.calendar import SHANGHAI, WorkCalendar
from demandloop.sla.official import package_entries, package_years


def official_calendar(**extra: Any) -> WorkCalendar:
    """The calendar the platform runs on before any administrator's change: the package's years published."""
    return WorkCalendar(
        official={entry.date: entry.is_working_day for entry in package_entries()},
        published_years=frozenset(package_years()),
        **extra,
    )


OFFICIAL = official_calendar()


def at(day: str, clock: str = "10:00") -> datetime:
    """A moment in Beijing time: at("2026-02-13", "20:00")."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=SHANGHAI)


def d(day: str) -> date:
    return date.fromisoformat(day)


def days(*isos: str) -> tuple[date, ...]:
    return tuple(date.fromisoformat(iso) for iso in isos)


def reference_is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    """An independent oracle: chinesecalendar's own answer, Monday–Friday where it has no data."""
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5

"""The State Council's holiday arrangements as shipped by the `chinesecalendar` package.

The package is pure data (one dictionary of days off, one of make-up working days); this module turns it into
plain entries for the seed and for the database-less fallback of `services.get_calendar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import chinese_calendar

PACKAGE_VERSION: str = chinese_calendar.__version__
SOURCE = f"chinesecalendar {PACKAGE_VERSION}"


@dataclass(frozen=True, slots=True)
class OfficialEntry:
    """One date of an arrangement: a day off, or a weekend day worked in lieu; and its holiday."""

    date: date
    is_working_day: bool
    holiday: str


def _chinese_name(english_name: str) -> str:
    # The package keys its Holiday enum by the English name and carries the Chinese one as an attribute.
    try:
        return str(chinese_calendar.Holiday(english_name).chinese)
    except ValueError:
        return english_name


def package_entries() -> list[OfficialEntry]:
    """Every date the package declares, sorted by date."""
    entries = [
        OfficialEntry(day, False, _chinese_name(name)) for day, name in chinese_calendar.holidays.items()
    ]
    entries += [
        OfficialEntry(day, True, _chinese_name(name)) for day, name in chinese_calendar.workdays.items()
    ]
    return sorted(entries, key=lambda entry: entry.date)


def package_years() -> range:
    """The years the package covers (the range its own `_validate_date` accepts)."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)

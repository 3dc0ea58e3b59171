"""The working-day calendar: pure arithmetic of legal deadlines (DESIGN.md §5).

No Django and no database here: `demandloop.sla.services` builds a `WorkCalendar` from the database once per
process and every deadline of the platform is computed by `add_working_days` against it.

The rule, from the Civil Code (民法典):

* 第二百零一条 — "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算":
  the day of receipt is never counted; counting starts on the next day.
* 第二百零三条 — "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
  期间的最后一日的截止时间为二十四时；有业务时间的，停止业务活动的时间为截止时间":
  the deadline is 24:00 of the N-th working day, or the office closing time where the district has one.

Choices this module makes, and why:

* **Receipt after the office closing time** changes nothing for N >= 1: the receipt day is not
  counted anyway (第二百零一条), so a demand received at 23:00 and one received at 09:00 the same day
  share the same deadline. Treating late receipt as "received the next working day" would exclude a
  second day and lengthen the enterprise's wait beyond what the law allows; the business-hours
  clause of 第二百零三条 speaks only of the period's end.
* **N = 0** means "within the day" (即时办理): no day is counted, so the period ends on the day of
  receipt itself, at 24:00 or the closing time. If that day is not a working day, or the demand
  arrived after the closing time, nothing of the day is left and - as 第二百零三条 moves a period
  ending on a day off to the next day - the deadline is the end of the next working day.
  `counted` is then empty.
* **The end of a day** is represented as 23:59:59.999999 in Asia/Shanghai, not as 00:00 of the
  next day: the deadline's `.date()` is then the N-th working day itself (00:00 of the next day
  would print and group as the wrong day), and `finished_at <= due` is exact at the microsecond
  precision both SQLite and PostgreSQL store. People see it as "2026-02-25 24:00" (`Due.label`).
* **Provisional**: a year whose holiday arrangement has not been published falls back to
  Monday-Friday. A deadline is provisional when any day whose status decided it - every day after
  the receipt day up to the due day (for N = 0, from the receipt day) - lies in such a year. This
  includes skipped days: a weekend at the end of an unpublished year could yet be declared a
  make-up working day.

Speed: the calendar precomputes, for its span of years, a prefix count of working days and the
ordinals of the working days, and uses the closed-form Monday-Friday count outside it, so a deadline
costs O(1) plus O(N) to list the counted days, whatever the distance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The last representable instant of a day: see the module docstring ("The end of a day").
END_OF_DAY = time(23, 59, 59, 999999)

_MAX_ORDINAL = date.max.toordinal()


class CalendarError(ValueError):
    """Invalid input to the calendar arithmetic; the caller turns it into a message for people."""


class NaiveDatetimeError(CalendarError):
    """A datetime without a UTC offset: the moment of receipt would be ambiguous."""


class NegativeDaysError(CalendarError):
    """A negative number of working days."""


class InvalidClosingTimeError(CalendarError):
    """An office closing time that is not a plain local time after 00:00."""


class DateOutOfRangeError(CalendarError):
    """The deadline would fall beyond the last date Python can represent."""


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline: the instant it expires, whether it rests on a guessed calendar, and the days counted."""

    due: datetime
    provisional: bool
    counted: tuple[date, ...]

    @property
    def due_date(self) -> date:
        """The (working) day on which the deadline falls."""
        return self.due.date()

    @property
    def ends_at_midnight(self) -> bool:
        """True when the deadline is 24:00 rather than an office closing time."""
        return self.due.timetz().replace(tzinfo=None) == END_OF_DAY

    @property
    def closes_at(self) -> str:
        """The time of day as people write it: "24:00" or the closing time, e.g. "17:30"."""
        return "24:00" if self.ends_at_midnight else self.due.strftime("%H:%M")

    @property
    def label(self) -> str:
        """The deadline as people read it, e.g. "2026-02-25 24:00"."""
        return f"{self.due_date.isoformat()} {self.closes_at}"


def _weekday_rank(ordinal: int) -> int:
    """The number of Mondays–Fridays among ordinals 1..`ordinal` (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _weekday_select(rank: int) -> int:
    """The ordinal of the `rank`-th Monday–Friday (rank >= 1): the inverse of `_weekday_rank`."""
    weeks, rest = divmod(rank - 1, 5)
    return 7 * weeks + rest + 1


def to_shanghai(moment: datetime) -> datetime:
    """`moment` in Asia/Shanghai; naive datetimes are refused because their instant is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{moment.isoformat()} has no UTC offset; "
            "pass an aware datetime such as 2026-02-13T09:00:00+08:00"
        )
    return moment.astimezone(SHANGHAI)


def _local_date(value: date) -> date:
    """A plain date as is; an aware datetime as its date in Asia/Shanghai."""
    if isinstance(value, datetime):
        return to_shanghai(value).date()
    return value


@dataclass(frozen=True, eq=False, repr=False)
class WorkCalendar:
    """Which days are working days: official entries, overridden per date, Monday–Friday elsewhere.

    `official` and `overrides` map a date to True (working day) or False (day off); an override wins
    over the official entry for its date. Dates in neither follow the week: Monday-Friday work,
    Saturday and Sunday off.
    `published_years` are the years whose arrangement is known; any other year is provisional. `labels` are
    optional notes per date (the holiday's name) for displays.
    """

    official: Mapping[date, bool] = field(default_factory=dict)
    overrides: Mapping[date, bool] = field(default_factory=dict)
    published_years: frozenset[int] = frozenset()
    labels: Mapping[date, str] = field(default_factory=dict)

    # Derived in __post_init__; excluded from the constructor.
    _status: Mapping[date, bool] = field(init=False, repr=False)
    _first_ordinal: int = field(init=False, repr=False)
    _last_ordinal: int = field(init=False, repr=False)
    _prefix: tuple[int, ...] = field(init=False, repr=False)
    _working_ordinals: tuple[int, ...] = field(init=False, repr=False)
    _rank_before: int = field(init=False, repr=False)
    _rank_at_last: int = field(init=False, repr=False)
    _days_off: Mapping[int, tuple[date, ...]] = field(init=False, repr=False)
    _makeup_days: Mapping[int, tuple[date, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Copies behind read-only views: the calendar cannot change under a caller that keeps the inputs.
        set_ = object.__setattr__
        status = {**self.official, **self.overrides}
        set_(self, "official", MappingProxyType(dict(self.official)))
        set_(self, "overrides", MappingProxyType(dict(self.overrides)))
        set_(self, "published_years", frozenset(self.published_years))
        set_(self, "labels", MappingProxyType(dict(self.labels)))
        set_(self, "_status", MappingProxyType(status))

        years = {d.year for d in status} | set(self.published_years)
        if years:
            first = date(min(years), 1, 1).toordinal()
            last = date(max(years), 12, 31).toordinal()
        else:
            # No data at all: an empty span, so every date takes the Monday–Friday path.
            first, last = 1, 0
        prefix = [0]
        working: list[int] = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            is_working = status.get(day, day.weekday() < 5)
            if is_working:
                working.append(ordinal)
            prefix.append(len(working))
        rank_before = _weekday_rank(first - 1)
        set_(self, "_first_ordinal", first)
        set_(self, "_last_ordinal", last)
        set_(self, "_prefix", tuple(prefix))
        set_(self, "_working_ordinals", tuple(working))
        set_(self, "_rank_before", rank_before)
        set_(self, "_rank_at_last", rank_before + len(working))

        days_off: dict[int, list[date]] = {}
        makeup: dict[int, list[date]] = {}
        for day, is_working in sorted(status.items()):
            if not is_working:
                days_off.setdefault(day.year, []).append(day)
            elif day.weekday() >= 5:
                makeup.setdefault(day.year, []).append(day)
        set_(self, "_days_off", MappingProxyType({y: tuple(ds) for y, ds in days_off.items()}))
        set_(self, "_makeup_days", MappingProxyType({y: tuple(ds) for y, ds in makeup.items()}))

    def __repr__(self) -> str:
        years = sorted(self.published_years)
        published = f"{years[0]}..{years[-1]} ({len(years)})" if years else "none"
        return (
            f"WorkCalendar(official={len(self.official)} days, overrides={len(self.overrides)} days, "
            f"published_years={published})"
        )

    # --- ranks: the number of working days from the beginning of time up to a date ----------------------

    def _rank(self, ordinal: int) -> int:
        if ordinal < self._first_ordinal:
            return _weekday_rank(ordinal)
        if ordinal <= self._last_ordinal:
            return self._rank_before + self._prefix[ordinal - self._first_ordinal + 1]
        return self._rank_at_last + _weekday_rank(ordinal) - _weekday_rank(self._last_ordinal)

    def _select(self, rank: int) -> int:
        """The ordinal of the working day whose rank is `rank` (the inverse of `_rank` on working days)."""
        if rank <= self._rank_before:
            return _weekday_select(rank)
        if rank <= self._rank_at_last:
            return self._working_ordinals[rank - self._rank_before - 1]
        return _weekday_select(rank - self._rank_at_last + _weekday_rank(self._last_ordinal))

    def _select_date(self, rank: int) -> date:
        ordinal = self._select(rank)
        if ordinal > _MAX_ORDINAL:
            raise DateOutOfRangeError("the deadline would fall after 9999-12-31")
        return date.fromordinal(ordinal)

    # --- questions about days -----------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether `day` (a date, or an aware datetime taken in Asia/Shanghai) is a working day."""
        local = _local_date(day)
        return self._status.get(local, local.weekday() < 5)

    def is_published(self, year: int) -> bool:
        """Whether `year`'s holiday arrangement is known (otherwise Monday–Friday is a guess)."""
        return year in self.published_years

    def any_unpublished(self, first: date, last: date) -> bool:
        """Whether any year from `first`'s to `last`'s lacks a published arrangement."""
        return any(year not in self.published_years for year in range(first.year, last.year + 1))

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days d with start < d <= end; negative, counted the same way, if end < start.

        The receipt day is not counted (第二百零一条), so `working_days_between(receipt, due.due_date)`
        is N for a deadline of N working days, and `working_days_between(today, due.due_date)` is what
        "剩余 N 个工作日" shows: 0 on the due day itself, negative once it has passed.
        """
        return self._rank(_local_date(end).toordinal()) - self._rank(_local_date(start).toordinal())

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self._select_date(self._rank(_local_date(day).toordinal()) + 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day before `day`."""
        return self._select_date(self._rank(_local_date(day).toordinal() - 1))

    def working_days_after(self, day: date, n: int) -> tuple[date, ...]:
        """The first `n` working days after `day`, in order."""
        if n < 0:
            raise NegativeDaysError(f"the number of working days must not be negative (got {n})")
        rank = self._rank(_local_date(day).toordinal())
        last = self._select_date(rank + n) if n else None
        if last is not None and rank >= self._rank_before and rank + n <= self._rank_at_last:
            # Entirely inside the precomputed span: one slice.
            start = rank - self._rank_before
            return tuple(date.fromordinal(o) for o in self._working_ordinals[start : start + n])
        return tuple(date.fromordinal(self._select(r)) for r in range(rank + 1, rank + n + 1))

    def year_days_off(self, year: int) -> tuple[date, ...]:
        """The days off the arrangement declares in `year` (holidays, including weekend days inside them).

        Ordinary weekends are not listed; for an unpublished year with no entries the answer is empty.
        """
        return self._days_off.get(year, ())

    def year_makeup_days(self, year: int) -> tuple[date, ...]:
        """The Saturdays and Sundays of `year` that are working days (调休上班)."""
        return self._makeup_days.get(year, ())

    def year_working_day_count(self, year: int) -> int:
        """The number of working days in `year`."""
        return self._rank(date(year, 12, 31).toordinal()) - self._rank(date(year, 1, 1).toordinal() - 1)

    def label(self, day: date) -> str:
        """The note for `day` (for example the holiday's name), or an empty string."""
        return self.labels.get(day, "")


def _check_closing_time(closing_time: time | None) -> None:
    if closing_time is None:
        return
    if closing_time.tzinfo is not None:
        raise InvalidClosingTimeError(
            "the office closing time is a local time in Asia/Shanghai, without tzinfo"
        )
    if closing_time == time(0, 0):
        raise InvalidClosingTimeError("an office closing time of 00:00 would leave no office hours")


def _end_of(day: date, closing_time: time | None) -> datetime:
    return datetime.combine(day, closing_time or END_OF_DAY, tzinfo=SHANGHAI)


def add_working_days(
    start: datetime, n: int, calendar: WorkCalendar, closing_time: time | None = None
) -> Due:
    """The deadline of `n` working days for something received at `start` (see the module docstring).

    `start` must be aware; it is converted to Asia/Shanghai first. `closing_time` is the district's office
    closing time (local, naive), or None for 24:00.
    """
    if n < 0:
        raise NegativeDaysError(f"the number of working days must not be negative (got {n})")
    _check_closing_time(closing_time)
    received = to_shanghai(start)
    receipt_day = received.date()

    if n == 0:
        still_open = closing_time is None or received.time() < closing_time
        if calendar.is_working_day(receipt_day) and still_open:
            due_day = receipt_day
        else:
            due_day = calendar.next_working_day(receipt_day)
        return Due(
            due=_end_of(due_day, closing_time),
            provisional=calendar.any_unpublished(receipt_day, due_day),
            counted=(),
        )

    counted = calendar.working_days_after(receipt_day, n)
    due_day = counted[-1]
    first_examined = date.fromordinal(receipt_day.toordinal() + 1)
    return Due(
        due=_end_of(due_day, closing_time),
        provisional=calendar.any_unpublished(first_examined, due_day),
        counted=counted,
    )

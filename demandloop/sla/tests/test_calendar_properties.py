"""Properties of every deadline, checked by hypothesis against an independent day-by-day oracle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from demandloop.sla.calendar import SHANGHAI, WorkCalendar, add_working_days, to_shanghai
from demandloop.sla.tests.helpers import OFFICIAL, reference_is_working_day

# Offsets from UTC-12 to UTC+14 in quarter hours, so that receipt moments fall on every side of midnight.
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
moments = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2029, 12, 31)),
    offsets,
)
day_counts = st.integers(min_value=0, max_value=40)
# The oracle walks day by day through chinesecalendar: slow on a busy machine, so no per-example deadline.
ORACLE_SETTINGS = settings(deadline=None, max_examples=80)

closing_times = st.one_of(st.none(), st.times(min_value=time(8, 0), max_value=time(20, 0)))


def reference_counted(start: datetime, n: int, overrides: dict[date, bool] | None = None) -> tuple[date, ...]:
    """Walk day by day from the day after receipt, asking chinesecalendar (the slow, obvious way)."""
    day = to_shanghai(start).date()
    counted: list[date] = []
    while len(counted) < n:
        day += timedelta(days=1)
        if reference_is_working_day(day, overrides):
            counted.append(day)
    return tuple(counted)


@ORACLE_SETTINGS
@given(moments, st.integers(min_value=1, max_value=40))
def test_it_counts_exactly_the_days_a_day_by_day_walk_finds(start, n):
    assert add_working_days(start, n, OFFICIAL).counted == reference_counted(start, n)


@ORACLE_SETTINGS
@given(moments, day_counts, closing_times)
def test_the_due_day_is_always_a_working_day(start, n, closing):
    due = add_working_days(start, n, OFFICIAL, closing)
    assert OFFICIAL.is_working_day(due.due_date)
    assert reference_is_working_day(due.due_date)


@ORACLE_SETTINGS
@given(moments, st.integers(min_value=1, max_value=40), closing_times)
def test_counted_has_n_distinct_working_days_after_the_receipt_day_ending_on_the_due_day(start, n, closing):
    due = add_working_days(start, n, OFFICIAL, closing)
    receipt_day = to_shanghai(start).date()
    assert len(due.counted) == len(set(due.counted)) == n
    assert list(due.counted) == sorted(due.counted)
    assert all(day > receipt_day for day in due.counted)
    assert all(OFFICIAL.is_working_day(day) for day in due.counted)
    assert due.counted[-1] == due.due_date
    assert OFFICIAL.working_days_between(receipt_day, due.due_date) == n


@ORACLE_SETTINGS
@given(moments, day_counts, closing_times)
def test_the_deadline_is_in_beijing_time_at_the_closing_time_or_the_end_of_the_day(start, n, closing):
    due = add_working_days(start, n, OFFICIAL, closing)
    assert due.due.tzinfo == SHANGHAI
    assert due.due >= start
    if closing is None:
        assert due.ends_at_midnight
    else:
        assert due.due.time() == closing


@ORACLE_SETTINGS
@given(moments, moments, day_counts, closing_times)
def test_a_later_receipt_never_has_an_earlier_deadline(first, second, n, closing):
    early, late = sorted((first, second))
    assert (
        add_working_days(early, n, OFFICIAL, closing).due <= add_working_days(late, n, OFFICIAL, closing).due
    )


@ORACLE_SETTINGS
@given(moments, day_counts, day_counts, closing_times)
def test_more_days_never_give_an_earlier_deadline(start, n, m, closing):
    fewer, more = sorted((n, m))
    fewer_due = add_working_days(start, fewer, OFFICIAL, closing).due
    more_due = add_working_days(start, more, OFFICIAL, closing).due
    assert fewer_due <= more_due
    if fewer >= 1 and more > fewer:
        assert fewer_due < more_due


@ORACLE_SETTINGS
@given(moments, offsets, day_counts, closing_times)
def test_the_same_instant_written_in_another_zone_has_the_same_deadline(start, other_zone, n, closing):
    assert add_working_days(start.astimezone(other_zone), n, OFFICIAL, closing) == add_working_days(
        start, n, OFFICIAL, closing
    )


@ORACLE_SETTINGS
@given(moments, st.integers(min_value=1, max_value=40), st.sets(st.integers(min_value=2000, max_value=2031)))
def test_it_is_provisional_iff_a_day_after_receipt_up_to_the_due_day_lies_in_an_unpublished_year(
    start, n, published
):
    calendar = WorkCalendar(official=OFFICIAL.official, published_years=frozenset(published))
    due = add_working_days(start, n, calendar)
    receipt_day = to_shanghai(start).date()
    examined = [receipt_day + timedelta(days=i) for i in range(1, (due.due_date - receipt_day).days + 1)]
    assert due.provisional == any(day.year not in published for day in examined)
    if any(day.year not in published for day in due.counted):
        assert due.provisional


@ORACLE_SETTINGS
@given(
    moments,
    st.integers(min_value=1, max_value=40),
    st.dictionaries(
        st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)), st.booleans(), max_size=60
    ),
)
def test_overrides_win_over_the_official_days_everywhere(start, n, overrides):
    calendar = WorkCalendar(
        official=OFFICIAL.official, overrides=overrides, published_years=OFFICIAL.published_years
    )
    assert add_working_days(start, n, calendar).counted == reference_counted(start, n, overrides)


@ORACLE_SETTINGS
@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(min_value=0, max_value=800),
)
def test_working_days_between_agrees_with_a_day_by_day_count(first, length):
    last = first + timedelta(days=length)
    walked = sum(reference_is_working_day(first + timedelta(days=i)) for i in range(1, length + 1))
    assert OFFICIAL.working_days_between(first, last) == walked
    assert OFFICIAL.working_days_between(last, first) == -walked

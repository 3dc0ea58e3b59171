"""The pure working-day arithmetic: 民法典 第二百零一条 / 第二百零三条 on the State Council's arrangements."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from demandloop.sla.calendar import (
    END_OF_DAY,
    SHANGHAI,
    DateOutOfRangeError,
    Due,
    InvalidClosingTimeError,
    NaiveDatetimeError,
    NegativeDaysError,
    WorkCalendar,
    add_working_days,
    to_shanghai,
)
from demandloop.sla.tests.helpers import OFFICIAL, at, d, days, official_calendar

CLOSING = time(17, 30)

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), every day off and every make-up working day.
NOTICE_2026_DAYS_OFF = {
    "元旦": ("2026-01-01", "2026-01-03"),
    "春节": ("2026-02-15", "2026-02-23"),
    "清明": ("2026-04-04", "2026-04-06"),
    "劳动节": ("2026-05-01", "2026-05-05"),
    "端午": ("2026-06-19", "2026-06-21"),
    "中秋": ("2026-09-25", "2026-09-27"),
    "国庆节": ("2026-10-01", "2026-10-07"),
}
NOTICE_2026_MAKEUP = days("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")


def span(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def end_of(day: str) -> datetime:
    return datetime.combine(d(day), END_OF_DAY, tzinfo=SHANGHAI)


class TestThe2026Arrangement:
    def test_it_lists_exactly_the_days_off_of_the_state_council_notice(self, calendar):
        expected = sorted(day for first, last in NOTICE_2026_DAYS_OFF.values() for day in span(first, last))
        assert list(calendar.year_days_off(2026)) == expected

    def test_it_lists_exactly_the_make_up_working_days_of_the_notice(self, calendar):
        assert calendar.year_makeup_days(2026) == NOTICE_2026_MAKEUP
        assert all(day.weekday() >= 5 for day in NOTICE_2026_MAKEUP)
        assert all(calendar.is_working_day(day) for day in NOTICE_2026_MAKEUP)

    def test_it_counts_248_working_days_in_2026(self, calendar):
        # 261 weekdays, minus 19 holidays falling on weekdays, plus 6 make-up weekend days.
        assert calendar.year_working_day_count(2026) == 248

    def test_it_treats_every_day_of_the_spring_festival_as_a_day_off(self, calendar):
        assert not any(calendar.is_working_day(day) for day in span("2026-02-15", "2026-02-23"))
        assert calendar.is_working_day(d("2026-02-24"))

    def test_it_knows_2026_is_published_and_2027_is_not(self, calendar):
        assert calendar.is_published(2026)
        assert not calendar.is_published(2027)


class TestWeekends:
    def test_it_counts_from_the_next_day_and_skips_the_weekend(self, calendar):
        due = add_working_days(at("2026-03-06"), 1, calendar)  # a Friday
        assert due == Due(end_of("2026-03-09"), False, days("2026-03-09"))

    def test_it_counts_three_working_days_across_a_weekend(self, calendar):
        due = add_working_days(at("2026-03-05"), 3, calendar)  # a Thursday
        assert due.counted == days("2026-03-06", "2026-03-09", "2026-03-10")
        assert due.due == end_of("2026-03-10")

    def test_it_starts_counting_on_monday_for_a_demand_received_on_saturday(self, calendar):
        due = add_working_days(at("2026-03-07", "11:00"), 1, calendar)
        assert due.counted == days("2026-03-09")

    def test_it_does_not_count_the_day_of_receipt_even_at_one_minute_past_midnight(self, calendar):
        due = add_working_days(at("2026-03-10", "00:01"), 1, calendar)
        assert due.counted == days("2026-03-11")


class TestSpringFestival2026:
    def test_it_counts_the_saturday_before_the_festival_as_a_working_day(self, calendar):
        due = add_working_days(at("2026-02-13"), 1, calendar)
        assert due.counted == days("2026-02-14")
        assert due.due_date.weekday() == 5

    def test_it_jumps_over_the_nine_days_off(self, calendar):
        due = add_working_days(at("2026-02-13"), 3, calendar)
        assert due.counted == days("2026-02-14", "2026-02-24", "2026-02-25")
        assert due.due == end_of("2026-02-25")
        assert not due.provisional

    def test_it_counts_the_saturday_after_the_festival_as_a_working_day(self, calendar):
        due = add_working_days(at("2026-02-26"), 2, calendar)
        assert due.counted == days("2026-02-27", "2026-02-28")

    def test_a_demand_received_during_the_festival_starts_counting_after_it(self, calendar):
        due = add_working_days(at("2026-02-18"), 7, calendar)
        assert due.counted == days(
            "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-02", "2026-03-03"
        )


class TestNationalDay2026:
    def test_it_counts_the_sunday_before_as_a_working_day(self, calendar):
        due = add_working_days(at("2026-09-18"), 1, calendar)  # a Friday
        assert due.counted == days("2026-09-20")

    def test_it_skips_the_mid_autumn_festival(self, calendar):
        due = add_working_days(at("2026-09-24"), 1, calendar)
        assert due.counted == days("2026-09-28")

    def test_it_skips_the_golden_week_and_counts_the_saturday_after(self, calendar):
        due = add_working_days(at("2026-09-30"), 3, calendar)
        assert due.counted == days("2026-10-08", "2026-10-09", "2026-10-10")
        assert due.due == end_of("2026-10-10")


class TestYearEnds:
    def test_it_crosses_into_a_published_year_and_its_sunday_make_up_day(self, calendar):
        due = add_working_days(at("2025-12-31"), 1, calendar)
        assert due.counted == days("2026-01-04")
        assert not due.provisional

    def test_it_marks_a_deadline_in_a_year_without_an_arrangement_as_provisional(self, calendar):
        due = add_working_days(at("2026-12-31"), 1, calendar)
        assert due.counted == days("2027-01-01")  # Monday–Friday guess: New Year's Day is not yet known
        assert due.provisional

    def test_it_is_final_when_every_counted_day_is_still_in_the_published_year(self, calendar):
        due = add_working_days(at("2026-12-30"), 1, calendar)
        assert due.counted == days("2026-12-31")
        assert not due.provisional

    def test_it_spans_the_year_end_with_part_of_the_days_in_each_year(self, calendar):
        due = add_working_days(at("2026-12-25"), 5, calendar)
        assert due.counted == days("2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01")
        assert due.provisional

    def test_it_is_provisional_when_only_skipped_days_lie_in_an_unpublished_year(self):
        # 2023 unpublished, 2024 published: the weekend of 30–31 Dec 2023 was judged by the Monday–Friday guess.
        calendar = WorkCalendar(official=OFFICIAL.official, published_years=frozenset({2024}))
        due = add_working_days(at("2023-12-29"), 1, calendar)
        assert due.counted == days("2024-01-02")
        assert due.provisional

    def test_it_ignores_the_year_of_the_receipt_day_which_is_never_counted(self):
        calendar = WorkCalendar(official=OFFICIAL.official, published_years=frozenset({2026}))
        due = add_working_days(at("2025-12-31"), 1, calendar)
        assert not due.provisional


class TestTimeZones:
    def test_it_converts_a_new_york_evening_to_the_next_morning_in_beijing(self, calendar):
        received = datetime.fromisoformat("2026-02-13T20:00:00-05:00")  # 2026-02-14 09:00 in Beijing
        due = add_working_days(received, 3, calendar)
        assert due.counted == days("2026-02-24", "2026-02-25", "2026-02-26")
        assert due.due == end_of("2026-02-26")

    def test_the_same_evening_in_beijing_counts_from_the_saturday(self, calendar):
        due = add_working_days(datetime.fromisoformat("2026-02-13T20:00:00+08:00"), 3, calendar)
        assert due.counted == days("2026-02-14", "2026-02-24", "2026-02-25")

    def test_it_answers_in_beijing_time_whatever_the_input_zone(self, calendar):
        due = add_working_days(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 1, calendar)
        assert due.due.tzinfo == SHANGHAI
        assert due.due.utcoffset() == timedelta(hours=8)

    def test_midnight_in_beijing_is_the_boundary_between_receipt_days(self, calendar):
        before = add_working_days(datetime.fromisoformat("2026-03-02T15:59:59+00:00"), 1, calendar)
        after = add_working_days(datetime.fromisoformat("2026-03-02T16:00:00+00:00"), 1, calendar)
        assert before.counted == days("2026-03-03")
        assert after.counted == days("2026-03-04")

    def test_it_refuses_a_naive_datetime(self, calendar):
        with pytest.raises(NaiveDatetimeError, match="no UTC offset"):
            add_working_days(datetime(2026, 3, 2, 9, 0), 1, calendar)

    def test_to_shanghai_refuses_a_naive_datetime_and_converts_an_aware_one(self):
        with pytest.raises(NaiveDatetimeError):
            to_shanghai(datetime(2026, 3, 2, 9, 0))
        tokyo = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        assert to_shanghai(tokyo) == tokyo
        assert to_shanghai(tokyo).hour == 8


class TestOfficeClosingTime:
    def test_the_deadline_is_the_closing_time_of_the_nth_working_day(self, calendar):
        due = add_working_days(at("2026-03-05"), 3, calendar, CLOSING)
        assert due.due == datetime(2026, 3, 10, 17, 30, tzinfo=SHANGHAI)
        assert due.closes_at == "17:30"
        assert not due.ends_at_midnight

    def test_a_demand_received_after_closing_time_has_the_same_deadline_as_one_received_that_morning(
        self, calendar
    ):
        morning = add_working_days(at("2026-03-05", "09:00"), 2, calendar, CLOSING)
        evening = add_working_days(at("2026-03-05", "18:45"), 2, calendar, CLOSING)
        assert evening == morning

    def test_without_a_closing_time_the_day_ends_at_24_00(self, calendar):
        due = add_working_days(at("2026-03-05"), 1, calendar)
        assert due.due.time() == END_OF_DAY
        assert due.ends_at_midnight
        assert due.label == "2026-03-06 24:00"

    def test_it_refuses_a_closing_time_with_a_time_zone(self, calendar):
        with pytest.raises(InvalidClosingTimeError):
            add_working_days(at("2026-03-05"), 1, calendar, time(17, 30, tzinfo=UTC))

    def test_it_refuses_a_closing_time_of_midnight(self, calendar):
        with pytest.raises(InvalidClosingTimeError):
            add_working_days(at("2026-03-05"), 1, calendar, time(0, 0))


class TestZeroDays:
    def test_it_is_due_at_the_end_of_the_working_day_of_receipt(self, calendar):
        due = add_working_days(at("2026-03-05", "09:00"), 0, calendar)
        assert due == Due(end_of("2026-03-05"), False, ())

    def test_it_is_due_at_the_closing_time_of_the_day_of_receipt(self, calendar):
        due = add_working_days(at("2026-03-05", "09:00"), 0, calendar, CLOSING)
        assert due.due == datetime(2026, 3, 5, 17, 30, tzinfo=SHANGHAI)

    def test_it_moves_to_the_next_working_day_when_received_after_closing_time(self, calendar):
        due = add_working_days(at("2026-03-05", "17:30"), 0, calendar, CLOSING)
        assert due.due == datetime(2026, 3, 6, 17, 30, tzinfo=SHANGHAI)
        assert due.counted == ()

    def test_it_moves_to_the_next_working_day_when_received_on_a_day_off(self, calendar):
        due = add_working_days(at("2026-02-15"), 0, calendar)
        assert due.due == end_of("2026-02-24")

    def test_it_is_provisional_when_received_in_an_unpublished_year(self, calendar):
        assert add_working_days(at("2027-03-03"), 0, calendar).provisional
        assert not add_working_days(at("2026-03-03"), 0, calendar).provisional


class TestOverrides:
    def test_an_override_day_off_wins_over_the_official_working_day(self):
        calendar = official_calendar(overrides={d("2026-10-08"): False})
        due = add_working_days(at("2026-09-30"), 1, calendar)
        assert due.counted == days("2026-10-09")

    def test_an_override_working_day_wins_over_the_official_holiday(self):
        calendar = official_calendar(overrides={d("2026-02-16"): True})
        assert calendar.is_working_day(d("2026-02-16"))
        assert add_working_days(at("2026-02-13"), 2, calendar).counted == days("2026-02-14", "2026-02-16")

    def test_an_override_in_an_unpublished_year_does_not_publish_the_year(self):
        calendar = official_calendar(overrides={d("2027-01-01"): False})
        due = add_working_days(at("2026-12-31"), 1, calendar)
        assert due.counted == days("2027-01-04")
        assert due.provisional

    def test_an_override_shows_in_the_year_lists(self):
        calendar = official_calendar(overrides={d("2027-02-06"): True, d("2027-02-10"): False})
        assert calendar.year_makeup_days(2027) == days("2027-02-06")
        assert calendar.year_days_off(2027) == days("2027-02-10")


class TestYearsWithoutData:
    def test_an_empty_calendar_counts_monday_to_friday_and_everything_is_provisional(self):
        calendar = WorkCalendar()
        due = add_working_days(at("2026-02-13"), 3, calendar)
        assert due.counted == days("2026-02-16", "2026-02-17", "2026-02-18")
        assert due.provisional
        assert calendar.year_working_day_count(2026) == 261
        assert calendar.year_days_off(2026) == ()

    def test_it_falls_back_to_the_week_before_the_package_begins(self, calendar):
        due = add_working_days(at("1999-12-31"), 2, calendar)  # a Friday
        assert due.counted == days("2000-01-03", "2000-01-04")
        assert due.provisional

    def test_it_counts_across_unpublished_years_without_losing_a_day(self, calendar):
        due = add_working_days(at("2026-12-31"), 261 * 2, calendar)
        assert due.counted[0] == d("2027-01-01")
        assert len(set(due.counted)) == 522
        assert all(day.weekday() < 5 for day in due.counted)


class TestWorkingDaysBetween:
    def test_it_gives_n_from_the_receipt_day_to_the_due_day(self, calendar):
        due = add_working_days(at("2026-02-13"), 3, calendar)
        assert calendar.working_days_between(d("2026-02-13"), due.due_date) == 3

    def test_it_is_zero_on_the_due_day_and_negative_after(self, calendar):
        assert calendar.working_days_between(d("2026-02-25"), d("2026-02-25")) == 0
        assert calendar.working_days_between(d("2026-02-26"), d("2026-02-25")) == -1
        # 26, 27, 28 (the make-up Saturday) February and 2 March have passed since the due day.
        assert calendar.working_days_between(d("2026-03-02"), d("2026-02-25")) == -4

    def test_it_counts_no_working_day_across_the_festival(self, calendar):
        assert calendar.working_days_between(d("2026-02-14"), d("2026-02-23")) == 0

    def test_it_takes_aware_datetimes_as_beijing_dates(self, calendar):
        # 20:00 in New York is already Saturday 14 February in Beijing, a make-up working day not counted.
        evening_new_york = datetime.fromisoformat("2026-02-13T20:00:00-05:00")
        assert calendar.working_days_between(evening_new_york, d("2026-02-24")) == 1
        assert calendar.working_days_between(d("2026-02-13"), d("2026-02-24")) == 2

    def test_it_counts_a_whole_year(self, calendar):
        assert calendar.working_days_between(d("2025-12-31"), d("2026-12-31")) == 248


class TestCalendarObject:
    def test_it_cannot_be_changed_after_construction(self, calendar):
        with pytest.raises(dataclasses.FrozenInstanceError):
            calendar.published_years = frozenset()  # type: ignore[misc]
        with pytest.raises(TypeError):
            calendar.official[d("2026-03-03")] = False  # type: ignore[index]

    def test_it_does_not_follow_later_changes_to_the_dictionaries_it_was_built_from(self):
        overrides = {d("2026-03-03"): False}
        calendar = official_calendar(overrides=overrides)
        overrides[d("2026-03-03")] = True
        overrides[d("2026-03-04")] = False
        assert not calendar.is_working_day(d("2026-03-03"))
        assert calendar.is_working_day(d("2026-03-04"))

    def test_it_gives_the_note_of_a_day(self):
        calendar = official_calendar(labels={d("2026-02-14"): "春节"})
        assert calendar.label(d("2026-02-14")) == "春节"
        assert calendar.label(d("2026-02-13")) == ""

    def test_next_working_day_skips_the_festival(self, calendar):
        assert calendar.next_working_day(d("2026-02-14")) == d("2026-02-24")

    def test_previous_working_day_skips_the_festival_and_the_weekend(self, calendar):
        assert calendar.previous_working_day(d("2026-02-24")) == d("2026-02-14")  # the working Saturday
        assert calendar.previous_working_day(d("2026-10-08")) == d("2026-09-30")  # National Day week
        assert calendar.previous_working_day(d("2026-11-30")) == d("2026-11-27")  # Monday: the Friday
        # Outside the published years the week decides.
        assert calendar.previous_working_day(d("2040-01-09")) == d("2040-01-06")

    def test_the_previous_working_day_is_the_last_working_day_before_across_two_years(self, calendar):
        day = d("2025-12-01")
        while day < d("2027-02-01"):
            before = calendar.previous_working_day(day)
            assert before < day and calendar.is_working_day(before), day
            between = (before + timedelta(days=k) for k in range(1, (day - before).days))
            assert not any(calendar.is_working_day(other) for other in between), day
            assert calendar.next_working_day(before) >= day
            day += timedelta(days=1)


class TestBadInput:
    def test_it_refuses_a_negative_number_of_days(self, calendar):
        with pytest.raises(NegativeDaysError):
            add_working_days(at("2026-03-05"), -1, calendar)
        with pytest.raises(NegativeDaysError):
            calendar.working_days_after(d("2026-03-05"), -2)

    def test_it_refuses_a_deadline_beyond_the_year_9999(self, calendar):
        with pytest.raises(DateOutOfRangeError):
            add_working_days(datetime(9999, 12, 30, 9, 0, tzinfo=SHANGHAI), 5, calendar)

    def test_errors_are_value_errors_for_callers_that_catch_broadly(self):
        assert issubclass(NaiveDatetimeError, ValueError)
        assert issubclass(DateOutOfRangeError, ValueError)

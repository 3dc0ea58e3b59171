"""The calendar in the database: the seed, overrides and published years, the process cache, compute_due."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from demandloop.org.models import District
from demandloop.sla import services
from demandloop.sla.actions import do_delete_override, do_publish_year, do_set_override, do_unpublish_year
from demandloop.sla.calendar import SHANGHAI
from demandloop.sla.models import (
    CalendarOverride,
    CalendarRevision,
    DayKindChoices,
    OfficialDay,
    PublishedYear,
    PublishedYearSourceChoices,
)
from demandloop.sla.official import SOURCE, package_entries, package_years
from demandloop.sla.services import (
    compute_due,
    describe_due,
    due_payload,
    get_calendar,
    invalidate_calendar_cache,
    seed_official_calendar,
)
from demandloop.sla.tests.helpers import at, d, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    seed_official_calendar()


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user(username="calendar-admin", password="pw-calendar-admin")


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand, to cross REFRESH_SECONDS without sleeping."""

    class Clock:
        now = 1000.0

        def __call__(self) -> float:
            return self.now

    fake = Clock()
    monkeypatch.setattr(services.monotonic_time, "monotonic", fake)
    return fake


class TestSeed:
    def test_it_fills_every_day_of_the_package_and_publishes_its_years(self):
        result = seed_official_calendar()
        assert result.created == OfficialDay.objects.count() == len(package_entries())
        assert set(PublishedYear.objects.values_list("year", flat=True)) == set(package_years())
        assert OfficialDay.objects.get(date=d("2026-02-14")).kind == DayKindChoices.WORK
        spring = OfficialDay.objects.get(date=d("2026-02-16"))
        assert (spring.kind, spring.holiday, spring.source) == (DayKindChoices.OFF, "春节", SOURCE)

    def test_a_second_seed_changes_nothing(self):
        seed_official_calendar()
        token = CalendarRevision.objects.get().token
        history = PublishedYear.history.count()
        result = seed_official_calendar()
        assert not result.changed
        assert (result.created, result.updated, result.deleted, result.years_published) == (0, 0, 0, 0)
        assert CalendarRevision.objects.get().token == token
        assert PublishedYear.history.count() == history
        assert OfficialDay.objects.count() == len(package_entries())

    def test_it_repairs_rows_that_differ_from_the_package(self):
        seed_official_calendar()
        OfficialDay.objects.filter(date=d("2026-02-16")).update(kind=DayKindChoices.WORK)
        OfficialDay.objects.create(date=d("2026-03-03"), kind=DayKindChoices.OFF, holiday="?", source="old")
        result = seed_official_calendar()
        assert (result.created, result.updated, result.deleted) == (0, 1, 1)
        assert OfficialDay.objects.get(date=d("2026-02-16")).kind == DayKindChoices.OFF
        assert not OfficialDay.objects.filter(date=d("2026-03-03")).exists()

    def test_it_keeps_the_record_of_a_year_an_administrator_imported(self):
        PublishedYear.objects.create(
            year=2026, source=PublishedYearSourceChoices.IMPORT, replaces_official=True
        )
        seed_official_calendar()
        assert PublishedYear.objects.get(year=2026).source == PublishedYearSourceChoices.IMPORT


class TestGetCalendar:
    def test_it_reads_the_package_directly_when_the_database_has_no_calendar_rows(self):
        assert not OfficialDay.objects.exists()
        calendar = get_calendar()
        assert not calendar.is_working_day(d("2026-02-16"))
        assert calendar.is_working_day(d("2026-02-14"))
        assert calendar.is_published(2026)
        assert calendar.label(d("2026-02-16")) == "春节"

    def test_it_gives_the_same_answers_after_the_seed(self, seeded):
        calendar = get_calendar()
        assert calendar.year_days_off(2026) == services.build_calendar().year_days_off(2026)
        assert calendar.year_makeup_days(2026) == days(
            "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"
        )

    def test_it_costs_no_query_once_built(self, seeded, django_assert_num_queries, clock):
        get_calendar()
        with django_assert_num_queries(0):
            get_calendar()
            compute_due(at("2026-02-13"), 3)

    def test_it_checks_the_revision_with_one_query_after_the_refresh_interval(
        self, seeded, django_assert_num_queries, clock
    ):
        first = get_calendar()
        clock.now += services.REFRESH_SECONDS + 1
        with django_assert_num_queries(1):
            assert get_calendar() is first

    def test_it_sees_another_processs_change_within_the_refresh_interval(self, seeded, clock):
        assert get_calendar().is_working_day(d("2026-03-03"))
        # Another process: rows and token written directly, nothing invalidated in this process.
        CalendarOverride.objects.create(date=d("2026-03-03"), kind=DayKindChoices.OFF)
        CalendarRevision.objects.update(token="another-process")
        assert get_calendar().is_working_day(d("2026-03-03"))  # still the cached calendar
        clock.now += services.REFRESH_SECONDS + 1
        assert not get_calendar().is_working_day(d("2026-03-03"))

    def test_a_write_in_this_process_is_seen_at_once(self, seeded, clock):
        assert get_calendar().is_working_day(d("2026-03-03"))
        do_set_override(day=d("2026-03-03"), kind=DayKindChoices.OFF, note="停电", user=None)
        assert not get_calendar().is_working_day(d("2026-03-03"))
        assert get_calendar().label(d("2026-03-03")) == "停电"

    def test_invalidating_the_cache_rebuilds_it(self, seeded, clock):
        first = get_calendar()
        invalidate_calendar_cache()
        assert get_calendar() is not first


class TestOverridesAndYears:
    def test_an_override_wins_over_the_official_day(self, seeded):
        before = compute_due(at("2026-09-30"), 1)
        do_set_override(day=d("2026-10-08"), kind=DayKindChoices.OFF, user=None)
        after = compute_due(at("2026-09-30"), 1)
        assert (before.due_date, after.due_date) == (d("2026-10-08"), d("2026-10-09"))

    def test_setting_the_same_date_again_replaces_the_override(self, seeded, admin_user):
        do_set_override(day=d("2026-10-08"), kind=DayKindChoices.OFF, user=None)
        override = do_set_override(
            day=d("2026-10-08"), kind=DayKindChoices.WORK, note="更正", user=admin_user
        )
        assert CalendarOverride.objects.get() == override
        assert (override.kind, override.note, override.updated_by) == (
            DayKindChoices.WORK,
            "更正",
            admin_user,
        )
        assert override.created_by is None

    def test_the_history_records_who_changed_an_override_and_when(self, seeded, admin_user):
        override = do_set_override(day=d("2026-10-08"), kind=DayKindChoices.OFF, user=admin_user)
        do_set_override(day=d("2026-10-08"), kind=DayKindChoices.WORK, user=admin_user)
        do_delete_override(CalendarOverride.objects.get(pk=override.pk), user=admin_user)
        records = list(CalendarOverride.history.filter(date=d("2026-10-08")).order_by("history_date"))
        assert [r.history_type for r in records] == ["+", "~", "-"]
        assert [r.kind for r in records] == ["off", "work", "work"]
        assert all(r.history_user == admin_user for r in records)
        assert not CalendarOverride.objects.exists()

    def test_deleting_an_override_restores_the_official_day(self, seeded):
        override = do_set_override(day=d("2026-02-16"), kind=DayKindChoices.WORK, user=None)
        assert get_calendar().is_working_day(d("2026-02-16"))
        do_delete_override(override, user=None)
        assert not get_calendar().is_working_day(d("2026-02-16"))

    def test_publishing_a_year_makes_its_deadlines_final(self, seeded, admin_user):
        assert compute_due(at("2026-12-31"), 1).provisional
        published = do_publish_year(year=2027, user=admin_user, note="国办发明电〔2026〕X号")
        assert not compute_due(at("2026-12-31"), 1).provisional
        assert published.source == PublishedYearSourceChoices.MANUAL
        assert published.history.get().history_user == admin_user

    def test_unpublishing_a_year_makes_its_deadlines_provisional_again(self, seeded):
        do_unpublish_year(PublishedYear.objects.get(year=2026), user=None)
        assert compute_due(at("2026-03-02"), 1).provisional

    def test_a_year_that_replaces_the_official_days_ignores_the_package(self, seeded):
        do_publish_year(year=2026, user=None, replaces_official=True)
        calendar = get_calendar()
        assert calendar.is_working_day(d("2026-02-16"))  # the package's Spring Festival no longer applies
        assert calendar.year_days_off(2026) == ()
        assert calendar.year_days_off(2025) != ()  # other years keep the package's days


class TestComputeDue:
    def test_it_ends_at_24_00_without_a_district(self, seeded):
        due = compute_due(at("2026-02-13"), 3)
        assert due.due == datetime(2026, 2, 25, 23, 59, 59, 999999, tzinfo=SHANGHAI)

    def test_it_ends_at_the_districts_office_closing_time(self, seeded):
        district = District.objects.create(code="test", name="测试区", office_closing_time=time(17, 30))
        due = compute_due(at("2026-02-13"), 3, district)
        assert due.due == datetime(2026, 2, 25, 17, 30, tzinfo=SHANGHAI)

    def test_a_district_without_a_closing_time_ends_at_24_00(self, seeded):
        district = District.objects.create(code="test", name="测试区")
        assert compute_due(at("2026-02-13"), 3, district).ends_at_midnight

    def test_the_payload_carries_the_iso_deadline_whether_provisional_and_the_counted_days(self, seeded):
        payload = due_payload(compute_due(at("2026-02-13"), 3))
        assert payload == {
            "due": "2026-02-25T23:59:59.999999+08:00",
            "due_date": "2026-02-25",
            "closes_at": "24:00",
            "provisional": False,
            "counted": ["2026-02-14", "2026-02-24", "2026-02-25"],
        }

    def test_the_description_says_when_a_deadline_is_provisional(self, seeded):
        assert describe_due(compute_due(at("2026-02-13"), 3)) == "2026-02-25 24:00"
        text = describe_due(compute_due(at("2026-12-31"), 1))
        assert text.startswith("2027-01-01 24:00")
        assert "暂定" in text

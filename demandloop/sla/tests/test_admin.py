"""The admin pages of the calendar: in Chinese, and every save or delete goes through the actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demandloop.sla.models import CalendarOverride, CalendarRevision, DayKindChoices, PublishedYear
from demandloop.sla.services import compute_due, seed_official_calendar
from demandloop.sla.tests.helpers import at, d

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_as(client, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-admin")
    client.force_login(root)
    client.user = root
    return client


@pytest.mark.parametrize(
    ("model", "title"),
    [("calendaroverride", "工作日调整"), ("publishedyear", "已公布年份"), ("officialday", "官方放假安排")],
)
def test_it_lists_each_model_under_its_chinese_name(admin_client_as, model, title):
    seed_official_calendar()
    response = admin_client_as.get(reverse(f"admin:sla_{model}_changelist"))
    assert response.status_code == 200
    assert title in response.content.decode()


def test_adding_an_override_records_the_administrator_and_changes_deadlines_at_once(admin_client_as):
    seed_official_calendar()
    token = CalendarRevision.objects.get().token
    response = admin_client_as.post(
        reverse("admin:sla_calendaroverride_add"), {"date": "2026-10-08", "kind": "off", "note": "区里调整"}
    )
    assert response.status_code == 302, response.content.decode()
    override = CalendarOverride.objects.get()
    assert (override.date, override.kind, override.created_by) == (
        d("2026-10-08"),
        "off",
        admin_client_as.user,
    )
    assert override.history.get().history_user == admin_client_as.user
    assert CalendarRevision.objects.get().token != token
    assert compute_due(at("2026-09-30"), 1).counted == (d("2026-10-09"),)


def test_changing_an_override_keeps_its_date_and_records_who_changed_it(admin_client_as):
    override = CalendarOverride.objects.create(date=d("2026-10-08"), kind=DayKindChoices.OFF)
    response = admin_client_as.post(
        reverse("admin:sla_calendaroverride_change", args=[override.pk]),
        {"date": "2027-01-01", "kind": "work", "note": "更正"},
    )
    assert response.status_code == 302
    override.refresh_from_db()
    assert (override.date, override.kind, override.updated_by) == (
        d("2026-10-08"),
        "work",
        admin_client_as.user,
    )


def test_deleting_an_override_in_the_admin_is_recorded_in_the_history(admin_client_as):
    override = CalendarOverride.objects.create(date=d("2026-10-08"), kind=DayKindChoices.OFF)
    response = admin_client_as.post(
        reverse("admin:sla_calendaroverride_delete", args=[override.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert CalendarOverride.history.get(history_type="-").history_user == admin_client_as.user


def test_publishing_a_year_in_the_admin_makes_its_deadlines_final(admin_client_as):
    seed_official_calendar()
    assert compute_due(at("2026-12-31"), 1).provisional
    response = admin_client_as.post(
        reverse("admin:sla_publishedyear_add"), {"year": "2027", "note": "国务院办公厅通知"}
    )
    assert response.status_code == 302, response.content.decode()
    assert PublishedYear.objects.get(year=2027).created_by == admin_client_as.user
    assert not compute_due(at("2026-12-31"), 1).provisional


def test_the_history_page_of_an_override_opens(admin_client_as):
    override = CalendarOverride.objects.create(date=d("2026-10-08"), kind=DayKindChoices.OFF)
    response = admin_client_as.get(reverse("admin:sla_calendaroverride_history", args=[override.pk]))
    assert response.status_code == 200


def test_official_days_cannot_be_edited_in_the_admin(admin_client_as):
    seed_official_calendar()
    response = admin_client_as.get(reverse("admin:sla_officialday_add"))
    assert response.status_code == 403

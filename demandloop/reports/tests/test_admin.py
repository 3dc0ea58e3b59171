"""Issued reports in the Chinese admin: read-only, each hub sees its own district's, the administrator every one."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.core.tests.read_only_admin import assert_nobody_writes, staff_client
from demandloop.reports import actions
from demandloop.reports.models import IssuedReport
from demandloop.reports.monthly import Month

pytestmark = pytest.mark.django_db

NOVEMBER = Month(2025, 11)


@pytest.fixture
def issues(november: Any, world: Any) -> dict[str, IssuedReport]:
    """November issued by each district's hub; 静海 then corrects its issue."""
    jinghai = actions.do_issue_report(world.jinghai.district, world.jinghai.hub, NOVEMBER)
    nankai = actions.do_issue_report(world.nankai.district, world.nankai.hub, NOVEMBER)
    correction = actions.do_issue_report(
        world.jinghai.district, world.jinghai.hub, NOVEMBER, reason="更正超期诉求数"
    )
    return {"jinghai": jinghai, "nankai": nankai, "correction": correction}


def test_a_hub_lists_and_reads_only_its_districts_issues(world: Any, issues: Any) -> None:
    client = staff_client(world.jinghai.hub)
    listing = client.get("/admin/reports/issuedreport/")
    assert listing.status_code == 200
    assert {r.pk for r in listing.context["cl"].result_list} == {
        issues["jinghai"].pk,
        issues["correction"].pk,
    }
    table = listing.content.decode().split("<table")[-1]
    assert "2025年第1期" in table and "2025年第2期" in table and "南开" not in table
    page = client.get(f"/admin/reports/issuedreport/{issues['correction'].pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    # The correction's reason and the issue it corrects; a link to the issue's page instead of the files.
    assert "更正超期诉求数" in text and f'href="/reports/issued/{issues["correction"].pk}/"' in text
    # Nothing to change here: no field to type in, no save button.
    assert "<textarea" not in text and 'name="_save"' not in text
    other = client.get(f"/admin/reports/issuedreport/{issues['nankai'].pk}/change/")
    assert other.status_code == 302


def test_the_administrator_reads_every_district_and_nobody_writes_here(
    world: Any, issues: Any, django_user_model: Any
) -> None:
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-admin")
    client = staff_client(root)
    listing = client.get("/admin/reports/issuedreport/")
    assert {r.pk for r in listing.context["cl"].result_list} == {r.pk for r in issues.values()}
    issue = issues["nankai"]
    assert_nobody_writes(client, "/admin/reports/issuedreport/", issue.pk, {"reason": "改"})
    issue.refresh_from_db()
    assert issue.reason == "" and IssuedReport.objects.count() == 3
    assert client.get("/admin/reports/issuereminder/").status_code == 200


def test_people_without_an_admin_role_stay_out(world: Any, issues: Any) -> None:
    client = staff_client(world.jinghai.officer_a)
    assert client.get("/admin/reports/issuedreport/").status_code == 403

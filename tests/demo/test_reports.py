"""The demo archive: four months issued on their first working days, one corrected, the last month left to issue."""

from __future__ import annotations

import pytest

from demandloop.reports.actions import current_issue, first_working_day
from demandloop.reports.demo import create_demo_reports
from demandloop.reports.models import IssuedReport
from demandloop.reports.monthly import Month
from demandloop.reports.snapshot import from_snapshot

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


def test_the_demo_issues_the_months_before_the_last_and_corrects_one(demo):
    district = demo[1]
    assert create_demo_reports(district) == 5
    assert create_demo_reports(district) == 0  # once
    issues = list(IssuedReport.objects.filter(district=district).order_by("issued_at", "pk"))
    assert all(issue.is_demo for issue in issues)
    last = Month.last_complete()
    assert current_issue(district, last) is None, "the last complete month waits for the hub"
    current = IssuedReport.objects.filter(district=district, superseded_at__isnull=True)
    assert sorted(f"{issue.month:%Y-%m}" for issue in current) == [last.shifted(-n).iso for n in (4, 3, 2, 1)]
    corrected = IssuedReport.objects.get(district=district, superseded_at__isnull=False)
    assert corrected.correction.reason and corrected.month == last.shifted(-3).first_day
    for issue in current:
        month = Month(issue.month.year, issue.month.month)
        assert issue.issued_at.date() >= first_working_day(month.shifted(1)) and issue.recipients > 0
    assert sum(from_snapshot(issue.snapshot).totals.total for issue in current) > 0, (
        "the demo demands counted"
    )


def test_the_demo_announcements_arrived_when_issued_and_only_the_latest_is_unread(demo):
    from demandloop.integrations.models import Notification
    from demandloop.reports.actions import issue_link

    district = demo[1]
    create_demo_reports(district)
    issues = list(IssuedReport.objects.filter(district=district).order_by("issued_at", "pk"))
    for issue in issues:
        announced = Notification.objects.filter(district=district, link=issue_link(issue))
        assert announced.exists() and {n.created_at for n in announced} == {issue.issued_at}
        unread = announced.filter(read_at=None).count()
        assert unread == (announced.count() if issue == issues[-1] else 0), issue.number_label

"""Demo issues for `demandloop init --demo N`: the archive of a district whose service office has issued its
monthly report (月度通报) for a while.

Per district, through `reports.actions` (so every notification and audit row is the real one): the reports of the
four months before the last complete one, each issued by the demo hub on the first working day of the following
month at 10:00, and the oldest but one corrected two days later with its reason. The last complete month is left
for the hub to issue: its draft shows the 印发 button, as on a real first working day.

The figures are those of the demo demands as they stand when the demo is made, counted at each issue's moment
(the demo demands are written all at once, not lived through month by month). Everything is marked `is_demo`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from demandloop.integrations.models import Notification
from demandloop.org.models import District, User
from demandloop.reports.actions import do_issue_report, first_working_day, issue_link
from demandloop.reports.models import IssuedReport
from demandloop.reports.monthly import Month

ISSUED_MONTHS = 4
CORRECTION_REASON = "经核实，部分片区诉求的办结情况登记有误，现更正后重新印发，原通报作废。"


def issue_moment(month: Month) -> datetime:
    """10:00 on the first working day after `month`, where the district is."""
    day = first_working_day(month.shifted(1))
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def create_demo_reports(district: District) -> int:
    """The district's demo issues; returns how many were written (none when it has them already)."""
    if IssuedReport.objects.filter(district=district, is_demo=True).exists():
        return 0
    hub = User.objects.get(username=f"{district.code}-hub")
    last = Month.last_complete()
    months = [last.shifted(-n) for n in range(ISSUED_MONTHS, 0, -1)]
    issues = []
    for index, month in enumerate(months):
        at = issue_moment(month)
        issues.append(do_issue_report(district, hub, month, at=at, is_demo=True))
        if index == 1:
            issues.append(
                do_issue_report(
                    district, hub, month, reason=CORRECTION_REASON, at=at + timedelta(days=2), is_demo=True
                )
            )
    # The messages announcing them arrived when each was issued (the action dates them), and the district's
    # people read all but the latest (the inbox of a demo officer is not five unread announcements dated today).
    for report in issues:
        announced = Notification.objects.filter(district=district, link=issue_link(report))
        read_at = None if report is issues[-1] else report.issued_at + timedelta(days=1)
        announced.update(read_at=read_at)
    return len(issues)

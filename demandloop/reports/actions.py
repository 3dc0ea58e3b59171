"""Writes of the reports app (STYLE.md rule 1): issuing a month's report (印发), correcting it (更正重发), and the
first-working-day reminder to issue it.

Issuing freezes the report: its figures go into `IssuedReport.snapshot` and its Word and Excel files are rendered
once, numbered and dated, in the transaction that writes the issue, its audit row and the notifications to every
person of the district's areas, departments, leader posts, service office and 12345 centre (inbox and outbox, and
the district's group robots). A month is issued once; issuing it again is a correction, which needs a reason and
supersedes the earlier issue — that one stays readable, marked corrected.

Refusals are the demands app's errors: 400 names the field, 403 the missing role, 409 a lost race.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.core import audit
from demandloop.core.formats import document_date
from demandloop.demands.errors import ActionForbidden, ActionInvalid, DemandConflict
from demandloop.demands.queries import is_hub_of
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.models import WebhookEndpoint
from demandloop.integrations.notify.outbox import Note, notify_endpoints, notify_users
from demandloop.meetings.recipients import district_hub
from demandloop.org.choices import RoleChoices
from demandloop.org.models import District
from demandloop.reports import documents
from demandloop.reports.models import IssuedReport, IssueReminder
from demandloop.reports.monthly import Month, MonthlyReport, monthly_report
from demandloop.reports.queries import report_readers
from demandloop.reports.snapshot import to_snapshot
from demandloop.sla.services import get_calendar

# The reminder goes out from this hour of the first working day (Asia/Shanghai, the platform's time zone).
REMINDER_HOUR = 9
REASON_LENGTH = 500


def _require_hub(by: Any, district: District) -> None:
    if not is_hub_of(by, district.pk):
        raise ActionForbidden(_("Only the district's government service office issues the monthly report."))


def next_number(district: Any, year: int) -> int:
    """The number the district's next issue of `year` takes (第N期)."""
    last = IssuedReport.objects.filter(district=district, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def current_issue(district: Any, month: Month) -> IssuedReport | None:
    """The month's issue in force (not superseded by a correction), without its files."""
    return (
        IssuedReport.objects.without_files()
        .select_related("issued_by")
        .filter(district=district, month=month.first_day, superseded_at__isnull=True)
        .first()
    )


def issue_mark(report: IssuedReport) -> documents.IssueMark:
    corrected = report.corrects
    return documents.IssueMark(
        year=report.year,
        number=report.number,
        issued_at=report.issued_at,
        corrects=corrected.number_label if corrected is not None else "",
        reason=report.reason,
    )


def _check(district: District, by: Any, month: Month, reason: str, at: datetime) -> IssuedReport | None:
    """The issue a correction replaces (None for a first issue), or refuse naming the field."""
    _require_hub(by, district)
    if at < month.end:
        raise ActionInvalid(
            _("%(month)s is not over yet: only the report of a month that has ended can be issued.")
            % {"month": month.label},
            field="month",
        )
    current = current_issue(district, month)
    if current is not None and not reason:
        raise ActionInvalid(
            _(
                "The report of %(month)s was issued on %(date)s as %(issue)s; to issue it again as a "
                "correction, give the reason for the correction."
            )
            % {
                "month": month.label,
                "date": document_date(current.issued_at),
                "issue": current.number_label,
            },
            field="reason",
        )
    if current is None and reason:
        raise ActionInvalid(
            _("The report of %(month)s has not been issued yet: there is nothing to correct.")
            % {"month": month.label},
            field="reason",
        )
    if len(reason) > REASON_LENGTH:
        raise ActionInvalid(
            _("Keep the reason within %(n)d characters.") % {"n": REASON_LENGTH}, field="reason"
        )
    return current


def issue_link(report: IssuedReport) -> str:
    """Where the message announcing an issue leads: the issued report's page."""
    return f"/reports/issued/{report.pk}/"


def _note(report: IssuedReport, frozen: MonthlyReport) -> Note:
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": documents.title(frozen),
            "month": frozen.month.label,
            "issue": report.number_label,
        }
        if report.corrects is None:
            subject = _("Issued: %(title)s (%(month)s), %(issue)s") % values
            body = _("The government service office has issued the monthly report of %(month)s as %(issue)s.")
        else:
            subject = _("Corrected: %(title)s (%(month)s), %(issue)s") % values
            body = _(
                "The government service office has issued %(issue)s, correcting %(old)s. Reason: %(reason)s"
            )
            values.update(old=report.corrects.number_label, reason=report.reason)
        return Note(
            topic=TopicChoices.REPORT,
            subject=subject,
            body=body % values,
            link=issue_link(report),
        )


def do_issue_report(
    district: District,
    by: Any,
    month: Month,
    *,
    reason: str = "",
    at: datetime | None = None,
    is_demo: bool = False,
) -> IssuedReport:
    """Issue (印发) the district's report of `month`, or — with a reason — issue a correction of it."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    try:
        _check(district, by, month, reason, at)
    except ActionForbidden as error:
        audit.record_failure(
            "reports.issue",
            user=by,
            district_id=district.pk,
            message=error.message,
            detail={"month": month.iso},
        )
        raise
    # The figures first, outside the transaction: clustering a large district's common problems takes seconds,
    # and the district's language is the one the report is issued in, whoever asks.
    with translation.override(settings.LANGUAGE_CODE):
        report = monthly_report(district, month, now=at)
        snapshot = to_snapshot(report)
    with transaction.atomic():
        # Again inside: the issue a correction replaces is claimed by a compare-and-swap, so that of two hubs
        # issuing at once one wins and the other is told.
        replaced = _check(district, by, month, reason, at)
        if replaced is not None:
            claimed = IssuedReport.objects.filter(pk=replaced.pk, superseded_at__isnull=True).update(
                superseded_at=at
            )
            if claimed != 1:
                raise DemandConflict(_("Someone else issued this report first; reload the page."))
        year = timezone.localtime(at).year
        people = report_readers(district)
        issued = IssuedReport(
            district=district,
            month=month.first_day,
            year=year,
            number=next_number(district, year),
            issued_at=at,
            issued_by=by,
            reason=reason,
            corrects=replaced,
            snapshot=snapshot,
            recipients=len(people),
            is_demo=is_demo,
        )
        mark = issue_mark(issued)
        issued.docx = documents.monthly_report_docx(report, mark)
        issued.xlsx = documents.monthly_report_xlsx(report, mark)
        try:
            with transaction.atomic():
                issued.save()
        except IntegrityError:
            # The number or the month was taken by an issue committed since the checks above.
            raise DemandConflict(_("Someone else issued a report at the same moment; try again.")) from None
        note = _note(issued, report)
        cause = f"reports.issue:{issued.pk}"
        notify_users(people, note, cause=cause, district=district, at=at)
        notify_endpoints(WebhookEndpoint.objects.filter(district=district, is_active=True), note, cause=cause)
        audit.record(
            "reports.correct" if replaced is not None else "reports.issue",
            user=by,
            role=RoleChoices.HUB,
            obj=issued,
            detail={
                "month": month.iso,
                "issue": issued.number_label,
                "recipients": issued.recipients,
                **({"corrects": replaced.pk, "reason": reason} if replaced is not None else {}),
            },
        )
    return issued


# --- The reminder on the first working day -------------------------------------------------------------------


def first_working_day(month: Month) -> Any:
    """The first working day of `month` by the platform's calendar (调休 and administrators' corrections included):
    a make-up Sunday after the New Year holiday, when the arrangement says so."""
    return get_calendar().next_working_day(month.first_day - timedelta(days=1))


def remind_to_issue(now: datetime | None = None) -> int:
    """On the first working day of a month, from 09:00, remind each district's service office once that last
    month's report waits to be issued (if it has not been). The periodic task of `DEMANDLOOP_PERIODIC_TASKS`;
    returns how many districts were reminded this run.

    The `IssueReminder` row is the claim: every run after the first, on every worker, finds it and sends nothing.
    A district whose service office issued the report before 09:00 is not reminded."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    this_month = Month.of(local.date())
    if local.date() != first_working_day(this_month) or local.hour < REMINDER_HOUR:
        return 0
    month = this_month.shifted(-1)
    issued = IssuedReport.objects.filter(month=month.first_day).values_list("district_id", flat=True)
    reminded = IssueReminder.objects.filter(month=month.first_day).values_list("district_id", flat=True)
    districts = District.objects.filter(is_active=True).exclude(pk__in=issued).exclude(pk__in=reminded)
    told = 0
    for district in districts.order_by("code"):
        with transaction.atomic():
            people = district_hub(district.pk)
            try:
                with transaction.atomic():
                    reminder = IssueReminder.objects.create(
                        district=district, month=month.first_day, sent_at=now, recipients=len(people)
                    )
            except IntegrityError:
                continue  # another worker's run reminded it a moment ago
            with translation.override(settings.LANGUAGE_CODE):
                note = Note(
                    topic=TopicChoices.REPORT,
                    subject=_("The monthly report of %(month)s is ready to issue") % {"month": month.label},
                    body=_(
                        "Today is the first working day of %(this)s and the monthly report of %(month)s has not "
                        "been issued. Check it and issue it to the areas, departments and district leaders."
                    )
                    % {"this": this_month.label, "month": month.label},
                    link=f"/reports/monthly/?district={district.code}&month={month.iso}",
                )
            notify_users(
                people, note, cause=f"reports.remind:{district.pk}:{month.iso}", district=district, at=now
            )
            audit.record(
                "reports.remind",
                role=audit.SYSTEM_ROLE,
                obj=reminder,
                district_id=district.pk,
                detail={"month": month.iso, "recipients": len(people)},
            )
        told += 1
    return told

"""Models of the reports app: the issued monthly reports (月度通报) and the reminders to issue them.

The figures themselves are never stored: `reports.monthly` computes them from the demands whenever they are asked
for. Once a month the district's service office *issues* the report (印发): from then on the district reads the
figures as they stood at that moment, numbered and dated, whatever happens to the demands later.

* `IssuedReport` holds one issue: the report's figures as JSON (`reports.snapshot`, enough to draw the page again)
  and the Word and Excel files as they were sent, with the issue number (第N期, per district and year of issue).
  A correction (更正重发) is a new issue with its reason; the one it corrects stays readable, marked superseded.
* `IssueReminder` records that the hub was reminded, on the first working day of a month, to issue last month's
  report: once per district and month.

Writes go through `reports.actions`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def issue_label(year: int, number: int) -> str:
    """An issue's number as the office writes it: "2026年第3期"."""
    return str(_("%(year)d, no. %(number)d") % {"year": year, "number": number})


class IssuedReportQuerySet(models.QuerySet["IssuedReport"]):
    def for_user(self, user: Any) -> IssuedReportQuerySet:
        """The issued reports `user` may read; see `demandloop.reports.queries.scope_issued_reports`."""
        from demandloop.reports.queries import scope_issued_reports

        scoped: IssuedReportQuerySet = scope_issued_reports(self, user)
        return scoped

    def without_files(self) -> IssuedReportQuerySet:
        """For lists: the snapshot and the two files are tens of kilobytes each and only the detail reads them."""
        return self.defer("snapshot", "docx", "xlsx")


class IssuedReport(models.Model):
    """A monthly report as the service office issued it (印发): numbered, dated, frozen.

    The files live in the database, not under MEDIA_ROOT: they are the district's document of record, a few
    tens of kilobytes a month, and must commit or vanish with the issue row and its notifications (a file written
    to disk survives a rolled-back issue, and a web node's disk is not every node's)."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    # The first day of the month reported on.
    month = models.DateField(_("month reported on"))
    # 第N期: numbered per district and year of issue, as the office numbers its documents.
    year = models.PositiveSmallIntegerField(_("year of issue"))
    number = models.PositiveSmallIntegerField(_("issue number"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    # Why a correction was issued (empty for a month's first issue).
    reason = models.TextField(_("reason for the correction"), blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
    )
    # Set when a correction replaced this issue; the current issue of a month has none.
    superseded_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    snapshot = models.JSONField(_("figures as issued"))
    docx = models.BinaryField(_("Word document"))
    xlsx = models.BinaryField(_("Excel workbook"))
    recipients = models.PositiveIntegerField(_("people notified"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = IssuedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued monthly report")
        verbose_name_plural = _("issued monthly reports")
        ordering = ["-month", "-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "number"], name="issuedreport_number_uniq"),
            # One current issue per district and month: a second one is a correction, which supersedes the first
            # in the same transaction (two hubs issuing at once cannot both win).
            models.UniqueConstraint(
                fields=["district", "month"],
                condition=models.Q(superseded_at__isnull=True),
                name="issuedreport_current_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(reason=""),
                name="issuedreport_correction_has_reason",
            ),
        ]
        indexes = [
            # The archive: a district's issues, newest first.
            models.Index(fields=["district", "-month"], name="issuedreport_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} · {self.number_label}"

    @property
    def number_label(self) -> str:
        """ "2026年第3期"."""
        return issue_label(self.year, self.number)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class IssueReminder(models.Model):
    """The reminder to the hub, on the first working day of a month, that last month's report waits to be issued."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month reported on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("reminder to issue")
        verbose_name_plural = _("reminders to issue")
        ordering = ["-month", "district"]
        constraints = [
            # The periodic task runs every few minutes, on several workers: the row is the claim.
            models.UniqueConstraint(fields=["district", "month"], name="issuereminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} · {self.month:%Y-%m}"

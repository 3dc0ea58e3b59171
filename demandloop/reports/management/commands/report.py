"""`demandloop report monthly|issue|issued`: the district's monthly report (月度通报).

    report monthly --district CODE [--month YYYY-MM] --out FILE.docx|FILE.xlsx|FILE.json
        the live report as a Word document, an Excel workbook or JSON, chosen by the file's extension
        (see `demandloop.reports.monthly` and `.documents`); without --month, the last complete month
    report issue --district CODE --month YYYY-MM [--reason TEXT] [--by USERNAME]
        issue the month's report (印发), or with --reason a correction of it; --by names the service office's
        person who issues it (default: the district's only active hub account)
    report issued --district CODE
        the district's issued reports, newest first

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready, district_by_code, out_file, write_file

ACTIONS = ("monthly", "issue", "issued")
EXTENSIONS = ("docx", "xlsx", "json")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Write a district's monthly report as a Word document, an Excel workbook or JSON; issue it; list the "
            "issued ones."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to do: monthly, issue or issued."))
        parser.add_argument("--district", help=_("District code, e.g. jinghai."))
        parser.add_argument("--month", help=_("The month, as YYYY-MM (default: the last complete month)."))
        parser.add_argument("--out", help=_("The file to write: .docx, .xlsx or .json."))
        parser.add_argument(
            "--reason", default="", help=_("Why the issued report is corrected (issue again).")
        )
        parser.add_argument(
            "--by", help=_("The username of the service office's person who issues it (issue).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ACTIONS:
            raise CommandError(_("Say what to do: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        getattr(self, f"_{options['action']}")(options)

    def _month(self, options: dict[str, Any], *, required: bool = False) -> Any:
        from demandloop.reports.monthly import Month, MonthError

        if not options["month"]:
            if required:
                raise CommandError(_("--month is required: the month to issue, e.g. --month 2026-11."))
            return Month.last_complete()
        try:
            return Month.parse(options["month"])
        except MonthError as error:
            raise CommandError(f"--month: {error}") from None

    def _monthly(self, options: dict[str, Any]) -> None:
        from demandloop.reports import documents
        from demandloop.reports.api import report_dict
        from demandloop.reports.monthly import monthly_report

        out, extension = out_file(options["out"], EXTENSIONS, "月度通报.docx")
        district = district_by_code(options["district"])
        month = self._month(options)
        with database_ready():
            report = monthly_report(district, month)
            if extension == "json":
                content = json.dumps(report_dict(report), ensure_ascii=False, indent=2).encode()
            else:
                content = documents.report_file(report, extension).content
        write_file(out, content)
        self.stdout.write(
            _("Wrote the report of %(district)s for %(month)s to %(path)s.")
            % {"district": district.name, "month": month.label, "path": out}
        )

    def _issuer(self, district: Any, username: str | None) -> Any:
        from demandloop.org.choices import RoleChoices
        from demandloop.org.models import User

        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("--by: no active account is called “%(name)s”.") % {"name": username})
            return user
        hubs = list(
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role=RoleChoices.HUB,
                memberships__district=district,
            ).distinct()[:2]
        )
        if len(hubs) != 1:
            raise CommandError(
                _(
                    "--by is required: name the service office's person who issues the report, e.g. --by %(name)s."
                )
                % {"name": hubs[0].username if hubs else "zhoujing"}
            )
        return hubs[0]

    def _issue(self, options: dict[str, Any]) -> None:
        from demandloop.demands.errors import DemandActionError
        from demandloop.reports.actions import do_issue_report

        district = district_by_code(options["district"])
        month = self._month(options, required=True)
        with database_ready():
            by = self._issuer(district, options["by"])
            try:
                issued = do_issue_report(district, by, month, reason=options["reason"])
            except DemandActionError as error:
                raise CommandError(
                    f"--{error.field}: {error.message}" if error.field else error.message
                ) from None
        self.stdout.write(
            _("Issued the report of %(district)s for %(month)s as %(issue)s; %(n)d people were notified.")
            % {
                "district": district.name,
                "month": month.label,
                "issue": issued.number_label,
                "n": issued.recipients,
            }
        )

    def _issued(self, options: dict[str, Any]) -> None:
        from demandloop.reports.models import IssuedReport

        district = district_by_code(options["district"])
        with database_ready():
            issues = list(
                IssuedReport.objects.without_files()
                .filter(district=district)
                .select_related("issued_by", "correction")
                .order_by("-year", "-number")
            )
        if not issues:
            self.stdout.write(
                _("%(district)s has issued no monthly report yet.") % {"district": district.name}
            )
            return
        for issue in issues:
            state = _("in force")
            if not issue.is_current:
                state = _("corrected by %(issue)s") % {"issue": issue.correction.number_label}
            elif issue.corrects_id:
                state = _("in force, a correction")
            issued_at = timezone.localtime(issue.issued_at)
            by = issue.issued_by.get_full_name() or issue.issued_by.username
            self.stdout.write(
                f"{issue.number_label}\t{issue.month:%Y-%m}\t{issued_at:%Y-%m-%d %H:%M}\t{by}\t{state}"
            )

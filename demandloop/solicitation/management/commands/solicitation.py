"""`demandloop solicitation list --district CODE` and
`demandloop solicitation export --district CODE --campaign ID --out FILE.xlsx`: a district's campaigns (定期征询)
with their replies and non-responders, and one campaign's Excel workbook (the hub's export), for scripts and the
weekly round-up.

Bad arguments end with a Chinese message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demandloop.core.command_options import database_ready, district_by_code, out_file, write_file

ACTIONS = ("list", "export")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("List a district's solicitation campaigns, or write one as an Excel workbook.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", help=_("What to do: list or export."))
        parser.add_argument("--district", help=_("District code, e.g. jinghai."))
        parser.add_argument("--campaign", type=int, help=_("The campaign's number (export)."))
        parser.add_argument("--out", help=_("The file to write: .xlsx (export)."))

    def handle(self, *args: Any, **options: Any) -> None:
        from demandloop.solicitation.actions import due_label
        from demandloop.solicitation.export import campaign_file
        from demandloop.solicitation.models import Campaign
        from demandloop.solicitation.queries import campaign_figures, non_responders, problems_of, targets_of

        if options["action"] not in ACTIONS:
            raise CommandError(_("Say what to do: %(actions)s.") % {"actions": ", ".join(ACTIONS)})
        district = district_by_code(options["district"])
        if options["action"] == "export":
            out, _extension = out_file(options["out"], ("xlsx",), "征询.xlsx")
            with database_ready():
                campaign = Campaign.objects.filter(district=district, pk=options["campaign"] or 0).first()
                if campaign is None:
                    raise CommandError(
                        _("--campaign: %(district)s has no campaign numbered %(n)s.")
                        % {"district": district.name, "n": options["campaign"]}
                    )
                write_file(out, campaign_file(campaign).content)
            self.stdout.write(_("Wrote campaign %(n)d to %(path)s.") % {"n": campaign.pk, "path": out})
            return
        with database_ready():
            for campaign in Campaign.objects.filter(district=district).order_by("-created_at", "-pk"):
                targets = list(targets_of(campaign))
                figures = campaign_figures(campaign, targets, list(problems_of(campaign)))
                self.stdout.write(
                    _(
                        "#%(n)d %(title)s [%(status)s] reply by %(due)s: %(replied)d/%(targets)d units replied, "
                        "%(problems)d problems, %(demands)d demands"
                    )
                    % {
                        "n": campaign.pk,
                        "title": campaign.title,
                        "status": campaign.get_status_display(),
                        "due": due_label(campaign),
                        "replied": figures.replied,
                        "targets": figures.targets,
                        "problems": figures.problems,
                        "demands": figures.demands,
                    }
                )
                missing = non_responders(campaign, targets) if campaign.reply_due else []
                if missing:
                    names = "、".join(str(t.unit) for t in missing)
                    self.stdout.write("  " + _("Not replied: %(names)s") % {"names": names})

"""The campaign as an Excel workbook for the hub: the summary, every unit's reply, every problem with its demand.

Sheets: 汇总 (the figures of the page), 答复情况 (one row per unit asked: its state, when it replied, how many
problems, reminders), 问题清单 (one row per problem: the unit, enterprise, area, the text, the unit's view, the
demand's number, status, domain, tier and lead department). What people typed stays text (`cells_as_text`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from demandloop.demands.choices import ComplexityChoices
from demandloop.lib.downloads import (
    XLSX,
    DownloadFile,
    workbook_bytes,
    write_table,
)
from demandloop.solicitation.actions import due_label
from demandloop.solicitation.choices import ReplyStateChoices
from demandloop.solicitation.models import Campaign
from demandloop.solicitation.queries import campaign_figures, problems_of, reply_state, targets_of


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _sheet(
    workbook: Workbook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]
) -> None:
    write_table(workbook.create_sheet(title), header, rows, widths=widths)


def campaign_workbook(campaign: Campaign) -> tuple[bytes, str]:
    """The workbook's bytes and its file name (without extension) in the district's language."""
    with translation.override(settings.LANGUAGE_CODE):
        targets: list[Any] = list(targets_of(campaign).annotate(reminded=Count("reminders")))
        problems = list(problems_of(campaign))
        figures = campaign_figures(campaign, targets, problems)
        workbook = Workbook()
        first = workbook.active
        if first is not None:
            workbook.remove(first)
        summary: list[list[Any]] = [
            [_("Title"), campaign.title],
            [_("Question and instructions"), campaign.instructions],
            [_("Domain"), campaign.domain.name if campaign.domain else ""],
            [_("Status"), campaign.get_status_display()],
            [_("Launched at"), _when(campaign.launched_at)],
            [_("Reply deadline"), due_label(campaign)],
            [_("Units asked"), figures.targets],
            [_("Units replied"), figures.replied],
            *[[str(choice.label), figures.states[choice.value]] for choice in ReplyStateChoices],
            [_("Problems reported"), figures.problems],
            [_("General problems (no enterprise)"), figures.general],
            [_("Became demands"), figures.demands],
            [_("Awaiting acceptance"), figures.awaiting_acceptance],
            *[[str(c.label), figures.by_complexity[c.value]] for c in ComplexityChoices],
            [_("Demands open"), figures.open],
            [_("Demands resolved"), figures.resolved],
        ]
        _sheet(workbook, pgettext("sheet", "Summary"), [_("Item"), _("Value")], summary, [28, 80])
        rows = []
        for target in targets:
            reply = getattr(target, "reply", None)
            rows.append(
                [
                    str(target.unit),
                    target.get_kind_display(),
                    str(ReplyStateChoices(reply_state(target, campaign)).label),
                    reply.get_status_display() if reply else "",
                    _when(reply.submitted_at) if reply else "",
                    str(reply.submitted_by) if reply and reply.submitted_by else "",
                    _("yes") if reply and reply.is_late else "",
                    sum(1 for p in problems if p.reply_id == getattr(reply, "pk", None)),
                    target.reminded,
                ]
            )
        _sheet(
            workbook,
            pgettext("sheet", "Replies"),
            [
                _("Unit"),
                _("Kind"),
                _("Reply"),
                _("Status"),
                _("Submitted at"),
                _("Submitted by"),
                _("Late"),
                _("Problems"),
                _("Reminders"),
            ],
            rows,
            [22, 14, 18, 14, 18, 12, 8, 10, 10],
        )
        problem_rows = []
        for number, problem in enumerate(problems, start=1):
            unit = problem.reply.target.unit
            demand = problem.demand
            problem_rows.append(
                [
                    number,
                    str(unit),
                    problem.enterprise.name if problem.enterprise else _("(general problem)"),
                    problem.enterprise.uscc if problem.enterprise else "",
                    problem.area.name if problem.area else "",
                    problem.content,
                    problem.get_complexity_display(),
                    demand.pk if demand else "",
                    demand.get_status_display() if demand else "",
                    demand.domain.name if demand and demand.domain else "",
                    demand.get_complexity_display() if demand and demand.complexity else "",
                    demand.tier.name if demand and demand.tier else "",
                    demand.lead_department.name if demand and demand.lead_department else "",
                ]
            )
        _sheet(
            workbook,
            pgettext("sheet", "Problems"),
            [
                _("No."),
                _("Unit"),
                _("Enterprise"),
                _("Unified social credit code"),
                _("Area"),
                _("Problem"),
                _("Unit's view"),
                _("Demand number"),
                _("Demand status"),
                _("Domain"),
                _("Complexity (triage)"),
                _("Tier"),
                _("Lead department"),
            ],
            problem_rows,
            [6, 18, 28, 22, 16, 60, 10, 10, 14, 12, 12, 18, 16],
        )
        filename = _("Solicitation %(title)s") % {"title": campaign.title}
    return workbook_bytes(workbook), filename


def campaign_file(campaign: Campaign) -> DownloadFile:
    content, filename = campaign_workbook(campaign)
    return DownloadFile(
        content=content,
        content_type=XLSX,
        filename=f"{filename}.xlsx",
        ascii_filename=f"solicitation-{campaign.pk}.xlsx",
    )

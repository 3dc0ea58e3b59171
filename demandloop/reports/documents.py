"""The monthly report as the service office sends it: a Word document in the usual 通报 form, and an Excel
workbook with every table of it (one sheet each) for those who work the numbers further.

Both are drawn from one `MonthlyReport`, in the district's language (zh-hans), so the document, the workbook,
the page and the API never disagree.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from openpyxl import Workbook

from demandloop.core.formats import document_date
from demandloop.lib.docx_form import (
    BODY_FONT,
    HEADING_FONT,
    SUBHEADING_FONT,
    TITLE_FONT,
    a4_pages,
    add_paragraph,
    masthead_line,
    numeral,
    page_numbers,
    set_font,
)
from demandloop.lib.downloads import (
    OFFICE_FORMATS,
    DownloadFile,
    cells_as_text,
    clean_text,
    workbook_bytes,
    write_table,
)
from demandloop.reports.models import issue_label
from demandloop.reports.monthly import MonthlyReport, Ranked, overdue_entry
from demandloop.reports.queries import RATE_NAMES, Rates, rate_titles


@dataclass(frozen=True)
class IssueMark:
    """What the documents of an issued report carry besides its figures: the issue number (第N期) and the date
    it was issued, and, for a correction, the issue it corrects and why."""

    year: int
    number: int
    issued_at: datetime
    corrects: str = ""
    reason: str = ""

    @property
    def number_label(self) -> str:
        return issue_label(self.year, self.number)

    @property
    def date_label(self) -> str:
        return _("Issued %(date)s") % {"date": document_date(self.issued_at)}

    @property
    def correction_note(self) -> str:
        if not self.corrects:
            return ""
        return _("This issue corrects %(issue)s. Reason: %(reason)s") % {
            "issue": self.corrects,
            "reason": self.reason,
        }


# 小五 (9 pt), the usual size of a table in an official document: "52.9%" fits a figure's column.
TABLE_FONT_SIZE = 9


def rate(value: float | None) -> str:
    """A rate as the report prints it: "95.2%", or "—" where there is nothing to divide by."""
    return "—" if value is None else f"{value:g}%"


def _when(moment: Any) -> str:
    return f"{document_date(moment)} {timezone.localtime(moment):%H:%M}"


def rate_headers(ranked: bool, name: str) -> list[str]:
    """The heads of a table of rates: the rank (ranked tables), what each row is (`name`), counts and rates."""
    first = [_("Rank")] if ranked else []
    return [
        *first,
        name,
        _("Demands"),
        _("Open"),
        _("Overdue"),
        *rate_titles(),
    ]


def rate_texts(rates: Rates) -> list[str]:
    """The response, resolution, satisfaction and on-time rates, as the report prints them."""
    return [rate(getattr(rates, name)) for name in RATE_NAMES]


def rate_cells(rates: Rates) -> list[Any]:
    return [rates.label, rates.total, rates.open, rates.overdue, *rate_texts(rates)]


def ranked_rows(rows: Sequence[Ranked]) -> list[list[Any]]:
    return [[row.rank if row.rank is not None else "—", *rate_cells(row.rates)] for row in rows]


def whistle_headers() -> list[str]:
    return [
        _("Department"),
        _("Summoned"),
        _("Reported on time"),
        _("Reported late"),
        _("Not reported"),
        _("Of which past the limit"),
    ]


def whistle_rows(report: MonthlyReport) -> list[list[Any]]:
    return [
        [row.department, row.summoned, row.on_time, row.late, row.not_reported, row.overdue_unreported]
        for row in report.whistles
    ]


def overdue_headers() -> list[str]:
    return [
        _("Number"),
        _("Enterprise"),
        _("Title"),
        _("Area"),
        _("Lead department"),
        _("Status"),
        _("Deadline missed"),
    ]


def overdue_rows(report: MonthlyReport) -> list[list[Any]]:
    rows = []
    for entry in map(overdue_entry, report.overdue):
        deadline = entry.deadline_missed
        rows.append(
            [
                entry.pk,
                entry.enterprise,
                entry.title,
                entry.area,
                entry.lead_department,
                entry.status_label,
                timezone.localtime(deadline).date().isoformat() if deadline else "",
            ]
        )
    return rows


def trend_headers() -> list[str]:
    return [_("Month"), _("Demands"), *rate_titles()]


def trend_rows(report: MonthlyReport) -> list[list[Any]]:
    return [[point.label, point.total, *rate_texts(point)] for point in report.trend]


def _change(report: MonthlyReport) -> str:
    change = report.change
    if change is None:
        return ""
    if change > 0:
        return _(", up %(change)s%% on the previous month") % {"change": f"{change:g}"}
    if change < 0:
        return _(", down %(change)s%% on the previous month") % {"change": f"{-change:g}"}
    return _(", the same as the previous month")


def overview(report: MonthlyReport) -> list[str]:
    """The paragraphs of part one: the month, its channels, the year so far, what is still open."""
    t = report.totals
    month = _(
        "In %(month)s the district received %(total)d demands from enterprises (%(previous)d in the previous "
        "month%(change)s); %(taken_in)d were taken in. %(responded)d were responded to (response rate "
        "%(response)s) and %(done)d answered or resolved (resolution rate %(resolution)s); the enterprises rated "
        "%(evaluated)d, %(content)d of them satisfied or basically satisfied (satisfaction rate "
        "%(satisfaction)s); the on-time response rate was %(on_time)s. %(open)d are still being handled, "
        "%(overdue)d of them overdue."
    ) % {
        "month": report.month.label,
        "total": t.total,
        "previous": report.previous.total,
        "change": _change(report),
        "taken_in": t.taken_in,
        "responded": t.responded,
        "response": rate(t.response_rate),
        "done": t.done,
        "resolution": rate(t.resolution_rate),
        "evaluated": t.evaluated,
        "content": t.content,
        "satisfaction": rate(t.satisfaction_rate),
        "on_time": rate(t.on_time_rate),
        "open": t.open,
        "overdue": t.overdue,
    }
    paragraphs = [month]
    channels = [
        _("%(channel)s %(count)d") % {"channel": label, "count": n}
        for _value, label, n in report.by_channel
        if n
    ]
    if channels:
        paragraphs.append(_("By channel: %(channels)s.") % {"channels": _("、").join(channels)})
    y = report.year_to_date
    paragraphs.append(
        _(
            "Since the start of %(year)d the district has received %(total)d demands: response rate "
            "%(response)s, resolution rate %(resolution)s, satisfaction rate %(satisfaction)s, on-time response "
            "rate %(on_time)s."
        )
        % {
            "year": report.month.year,
            "total": y.total,
            "response": rate(y.response_rate),
            "resolution": rate(y.resolution_rate),
            "satisfaction": rate(y.satisfaction_rate),
            "on_time": rate(y.on_time_rate),
        }
    )
    return paragraphs


def problem_text(problem: Any, departments: dict[str, str]) -> str:
    handled = "、".join(departments.get(code, code) for code in problem.departments if code)
    text = _("%(keywords)s: %(count)d demands from %(enterprises)d enterprises") % {
        "keywords": "、".join(problem.keywords),
        "count": problem.count,
        "enterprises": problem.enterprise_count,
    }
    if handled:
        text += _(", led by %(departments)s") % {"departments": handled}
    return text + _(". For example: %(text)s") % {"text": problem.representative_text[:120]}


def title(report: MonthlyReport) -> str:
    # The presets' `mechanism_name` is the title of the district's implementing document, not the mechanism's.
    return _("%(district)s monthly report on the “every need answered” mechanism") % {
        "district": report.district.name
    }


def sections(report: MonthlyReport) -> list[tuple[str, str]]:
    """(key, heading) of the parts the report has, in order; parts with nothing to say are left out."""
    parts = [
        ("overview", _("Overview")),
        ("area", pgettext("monthly report", "By area")),
        ("department", pgettext("monthly report", "By lead department")),
    ]
    if report.by_leader:
        parts.append(("leader", pgettext("monthly report", "By district leader's post")))
    parts.append(("tier", pgettext("monthly report", "By tier")))
    if report.whistles:
        parts.append(("whistles", _("Whistles and report-ins")))
    if report.common_problems:
        parts.append(("problems", _("Common problems")))
    parts.extend([("overdue", _("Overdue demands")), ("trend", _("The last twelve months"))])
    return parts


# --- Word ---------------------------------------------------------------------------------------------------


# Column widths in millimetres, filling the 156 mm between A4's margins; the names get the room, the figures the
# rest. (Equal columns wrapped an area's name over three lines and left the figures half empty.)
FIGURE = 110 / 7
RANKED_WIDTHS = (12, 34, *(FIGURE,) * 7)
PLAIN_WIDTHS = (46, *(FIGURE,) * 7)
WHISTLE_WIDTHS = (46, 22, 22, 22, 22, 22)
OVERDUE_WIDTHS = (11, 34, 38, 18, 18, 14, 23)
TREND_WIDTHS = (26,) * 6


def _table(
    document: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    left: Sequence[int] = (),
) -> None:
    """A grid table; the columns in `left` (names, titles) are aligned left, the others centred."""
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    # Row by row: python-docx's `table.cell(r, c)` walks the whole grid on every call (5 s for a report's
    # tables); a row's own cells are found directly.
    for r, (row, values) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
        for c, (cell, value, width) in enumerate(zip(row.cells, values, widths, strict=True)):
            cell.width = Mm(width)
            run = cell.paragraphs[0].add_run("" if value is None else clean_text(str(value)))
            set_font(run, BODY_FONT, TABLE_FONT_SIZE, bold=r == 0)
            if r == 0 or c not in left:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def monthly_report_docx(report: MonthlyReport, issue: IssueMark | None = None) -> bytes:
    """The report as a Word document; an issued one carries its number and date above the title."""
    with translation.override(settings.LANGUAGE_CODE):
        return _docx(report, issue)


def _docx(report: MonthlyReport, issue: IssueMark | None) -> bytes:
    document = Document()
    a4_pages(document)
    page_numbers(document)
    if issue is not None:
        # The masthead of a numbered bulletin: the number, then who issues it and when over a red line.
        add_paragraph(document, issue.number_label, align=WD_ALIGN_PARAGRAPH.CENTER, font=SUBHEADING_FONT)
        masthead_line(document, report.office_name, issue.date_label)
    add_paragraph(
        document, title(report), size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT
    )
    add_paragraph(document, f"（{report.month.label}）", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    if issue is not None and issue.corrects:
        add_paragraph(document, clean_text(issue.correction_note), size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    as_of = _("Figures as of %(time)s.") % {"time": _when(report.generated_at)}
    if not report.complete:
        as_of += _(" The month is not over: the figures are those of the month so far.")
    add_paragraph(document, as_of, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)

    departments = report.department_names
    for number, (key, heading) in enumerate(sections(report), start=1):
        add_paragraph(document, numeral(number) + "、" + heading, font=HEADING_FONT, style="Heading 1")
        if key == "overview":
            for text in overview(report):
                add_paragraph(document, text, indent=True)
        elif key == "area":
            _table(document, rate_headers(True, _("Area")), ranked_rows(report.by_area), RANKED_WIDTHS, (1,))
        elif key == "department":
            _table(
                document,
                rate_headers(True, _("Lead department")),
                ranked_rows(report.by_department),
                RANKED_WIDTHS,
                (1,),
            )
        elif key == "leader":
            _table(
                document,
                rate_headers(True, _("Leader post")),
                ranked_rows(report.by_leader),
                RANKED_WIDTHS,
                (1,),
            )
        elif key == "tier":
            _table(
                document,
                rate_headers(False, _("Tier")),
                [rate_cells(r) for r in report.by_tier],
                PLAIN_WIDTHS,
                (0,),
            )
        elif key == "whistles":
            _table(document, whistle_headers(), whistle_rows(report), WHISTLE_WIDTHS, (0,))
        elif key == "problems":
            for n, problem in enumerate(report.common_problems, start=1):
                add_paragraph(
                    document, clean_text(f"（{numeral(n)}）{problem_text(problem, departments)}"), indent=True
                )
        elif key == "overdue":
            add_paragraph(document, overdue_sentence(report), indent=True)
            if report.overdue:
                _table(document, overdue_headers(), overdue_rows(report), OVERDUE_WIDTHS, (1, 2, 3, 4, 5))
        elif key == "trend":
            _table(document, trend_headers(), trend_rows(report), TREND_WIDTHS)

    add_paragraph(document, "")
    add_paragraph(document, report.office_name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    add_paragraph(document, document_date(report.generated_at), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def overdue_sentence(report: MonthlyReport) -> str:
    if not report.overdue_count:
        return _("No demand of the district was overdue when the report was made.")
    text = _("When the report was made, %(count)d demands of the district were overdue.") % {
        "count": report.overdue_count
    }
    if report.overdue_count > len(report.overdue):
        text += _(" The %(shown)d overdue longest are listed.") % {"shown": len(report.overdue)}
    return text


# --- Excel --------------------------------------------------------------------------------------------------


def monthly_report_xlsx(report: MonthlyReport, issue: IssueMark | None = None) -> bytes:
    """The report's tables as a workbook; an issued one names its number and date on the first sheet."""
    with translation.override(settings.LANGUAGE_CODE):
        return _xlsx(report, issue)


def _sheet(workbook: Workbook, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    write_table(workbook.create_sheet(name[:31]), headers, rows, widths=(14, 28), wrap=False)


def _xlsx(report: MonthlyReport, issue: IssueMark | None) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = _("Overview")
    t, y = report.totals, report.year_to_date
    summary.append([title(report)])
    summary.append([_("Month"), report.month.iso])
    summary.append([_("Figures as of"), _when(report.generated_at)])
    if issue is not None:
        summary.append([_("Issue"), issue.number_label])
        summary.append([_("Issued on"), document_date(issue.issued_at)])
        if issue.corrects:
            summary.append([_("Corrects"), issue.corrects])
            summary.append([_("Reason for the correction"), clean_text(issue.reason)])
    summary.append([])
    summary.append(["", _("This month"), _("Previous month"), _("Year to date")])
    for label, name in (
        (_("Demands"), "total"),
        (_("Taken in"), "taken_in"),
        (_("Responded"), "responded"),
        (_("Answered or resolved"), "done"),
        (_("Rated"), "evaluated"),
        (_("Satisfied or basically satisfied"), "content"),
        (_("Open"), "open"),
        (_("Overdue"), "overdue"),
    ):
        summary.append([label, getattr(t, name), getattr(report.previous, name), getattr(y, name)])
    columns = (rate_titles(), rate_texts(t), rate_texts(report.previous), rate_texts(y))
    for row in zip(*columns, strict=True):
        summary.append(list(row))
    summary.append([])
    for _value, label, n in report.by_channel:
        summary.append([label, n])
    cells_as_text(summary)  # a correction's reason is what the hub typed
    summary.column_dimensions["A"].width = 28

    _sheet(
        workbook,
        pgettext("monthly report", "By area"),
        rate_headers(True, _("Area")),
        ranked_rows(report.by_area),
    )
    _sheet(
        workbook,
        pgettext("monthly report", "By lead department"),
        rate_headers(True, _("Lead department")),
        ranked_rows(report.by_department),
    )
    _sheet(
        workbook,
        pgettext("monthly report", "By district leader's post"),
        rate_headers(True, _("Leader post")),
        ranked_rows(report.by_leader),
    )
    _sheet(
        workbook,
        pgettext("monthly report", "By tier"),
        rate_headers(False, _("Tier")),
        [rate_cells(row) for row in report.by_tier],
    )
    _sheet(workbook, _("Whistles and report-ins"), whistle_headers(), whistle_rows(report))
    departments = report.department_names
    _sheet(
        workbook,
        _("Common problems"),
        [
            _("Keywords"),
            _("Demands"),
            pgettext("monthly report", "Enterprises"),
            _("Lead departments"),
            _("Example"),
        ],
        [
            [
                "、".join(p.keywords),
                p.count,
                p.enterprise_count,
                "、".join(departments.get(code, code) for code in p.departments if code),
                p.representative_text,
            ]
            for p in report.common_problems
        ],
    )
    _sheet(workbook, _("Overdue demands"), overdue_headers(), overdue_rows(report))
    _sheet(workbook, _("The last twelve months"), trend_headers(), trend_rows(report))
    return workbook_bytes(workbook)


def report_file(report: MonthlyReport, extension: str) -> DownloadFile:
    """The report as a Word document ("docx") or an Excel workbook ("xlsx"), ready to send."""
    if extension == "docx":
        content = monthly_report_docx(report)
    elif extension == "xlsx":
        content = monthly_report_xlsx(report)
    else:
        raise ValueError(f"unknown report format {extension!r}")
    return named_file(report, extension, content)


def named_file(
    report: MonthlyReport, extension: str, content: bytes, issue: IssueMark | None = None
) -> DownloadFile:
    """`content` (the report's Word or Excel file) named for downloading; an issued one's names say its number."""
    with translation.override(settings.LANGUAGE_CODE):
        name = f"{title(report)}（{report.month.label}）"
        if issue is not None:
            name = f"{name}{issue.number_label}"
    ascii_name = f"monthly-report-{report.district.code}-{report.month.iso}"
    if issue is not None:
        ascii_name += f"-{issue.year}-{issue.number}"
    return DownloadFile(
        content=content,
        content_type=OFFICE_FORMATS[extension],
        filename=f"{name}.{extension}",
        ascii_filename=f"{ascii_name}.{extension}",
    )

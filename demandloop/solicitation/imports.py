"""A unit's problems from an Excel (or CSV) file, one row per problem, and the template to fill in.

What a town with fifty problems wants: download the template, fill one row per problem, upload it. The file is
read through `lib.tabular`; each row is checked by the same rules as the form (`actions.check_problem`), and
any bad row rejects the whole file with every error naming its row and column — nothing is saved half-way
(STYLE.md rule 6). The enterprise is named by its 统一社会信用代码 or its full registered name, as in the ledger.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from demandloop.core.imports import CellError, RowError, cell_text, table_error_message
from demandloop.demands.choices import ComplexityChoices
from demandloop.demands.errors import ActionInvalid
from demandloop.enterprises.models import Enterprise
from demandloop.lib.downloads import XLSX, DownloadFile, clean_text
from demandloop.lib.tabular import TableReadError, read_table
from demandloop.lib.uscc import normalize_uscc
from demandloop.org.models import Area
from demandloop.solicitation.actions import ProblemInput, check_problem
from demandloop.solicitation.choices import TargetKindChoices
from demandloop.solicitation.models import CampaignTarget

MAX_ROWS = 500
# The template's columns, by the field each one fills (the area column only for a locality).
COLUMNS = {
    "enterprise": pgettext_lazy("problem column", "Enterprise (USCC or full name)"),
    "area": pgettext_lazy("problem column", "Area"),
    "content": pgettext_lazy("problem column", "Problem"),
    "complexity": pgettext_lazy("problem column", "Simple or complex"),
}
WIDTHS = {"enterprise": 36, "area": 18, "content": 80, "complexity": 14}
# Words a clerk may write for the unit's view, besides the labels themselves.
COMPLEXITY_WORDS = {
    "一般": ComplexityChoices.SIMPLE,
    "简单": ComplexityChoices.SIMPLE,
    "simple": ComplexityChoices.SIMPLE,
    "复杂": ComplexityChoices.COMPLEX,
    "complex": ComplexityChoices.COMPLEX,
}


class UnknownValue(ValueError):
    """A value that names nothing known; the message is the clerk's."""


def find_enterprise(district_id: int, text: str) -> Enterprise | None:
    """The district's enterprise named by its 统一社会信用代码 or its full name; None for an empty text."""
    text = " ".join((text or "").split())
    if not text:
        return None
    code = normalize_uscc(text).upper()
    found = Enterprise.objects.filter(district_id=district_id, uscc=code).select_related("area").first()
    if found is not None:
        return found
    named = list(Enterprise.objects.filter(district_id=district_id, name=text).select_related("area")[:2])
    if len(named) > 1:
        raise UnknownValue(_("Several enterprises have this name; give the unified social credit code."))
    if not named:
        raise UnknownValue(
            _("No enterprise of the district has this unified social credit code or name: %(text)s")
            % {"text": text}
        )
    return named[0]


def find_area(target: CampaignTarget, text: str) -> Area | None:
    """An area of the replying locality, by its name or code; None for an empty text."""
    text = (text or "").strip()
    if not text:
        return None
    areas = Area.objects.filter(locality=target.locality)
    found = areas.filter(name=text).first() or areas.filter(code=text).first()
    if found is None:
        names = "、".join(areas.order_by("order").values_list("name", flat=True))
        raise UnknownValue(_("Not an area of this locality; write one of: %(names)s") % {"names": names})
    return found


def complexity_of(text: str) -> str:
    word = (text or "").strip().casefold()
    for choice in ComplexityChoices:
        if word == str(choice.label).casefold():
            return str(choice.value)
    for key, value in COMPLEXITY_WORDS.items():
        if word.startswith(key):
            return str(value)
    raise UnknownValue(_("Write 一般问题 or 复杂问题."))


def columns_for(target: CampaignTarget) -> list[str]:
    fields = ["enterprise", "area", "content", "complexity"]
    return fields if target.kind == TargetKindChoices.LOCALITY else [f for f in fields if f != "area"]


@dataclass
class ProblemFile:
    """What an uploaded file holds: its problems when every row is good, or the errors of the bad rows."""

    problems: list[ProblemInput]
    errors: list[RowError]
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error and bool(self.problems)


def read_problems(target: CampaignTarget, name: str, content: bytes) -> ProblemFile:
    """Read and check every row of an uploaded file for `target`; saves nothing."""
    try:
        table = read_table(name or "upload.xlsx", content)
    except TableReadError as error:
        return ProblemFile([], [], table_error_message(error))
    fields = columns_for(target)
    index: dict[str, int | None] = {}
    for field in fields:
        header = str(COLUMNS[field])
        index[field] = table.column([header, header.split("（")[0]])
    missing = [str(COLUMNS[f]) for f in ("content", "complexity") if index[f] is None]
    if missing:
        return ProblemFile([], [], _("The file lacks the columns: %(names)s") % {"names": "、".join(missing)})
    if not table.rows:
        return ProblemFile([], [], _("The file has no problems below its header."))
    if len(table.rows) > MAX_ROWS:
        return ProblemFile([], [], _("At most %(n)d problems per file.") % {"n": MAX_ROWS})
    district_id = target.campaign.district_id
    problems: list[ProblemInput] = []
    errors: list[RowError] = []
    for row in table.rows:
        values: dict[str, str] = {}
        row_errors: list[RowError] = []
        for field in fields:
            position = index[field]
            try:
                values[field] = cell_text(row.get(position)) if position is not None else ""
            except CellError as error:
                row_errors.append(RowError(row.number, str(COLUMNS[field]), str(error)))
        if row_errors:
            errors += row_errors
            continue
        parsed: dict[str, Any] = {"content": values["content"]}
        for field, parse in (
            ("enterprise", lambda text: find_enterprise(district_id, text)),
            ("area", lambda text: find_area(target, text)),
            ("complexity", complexity_of),
        ):
            if field not in fields:
                continue
            try:
                parsed[field] = parse(values[field])
            except UnknownValue as error:
                row_errors.append(RowError(row.number, str(COLUMNS[field]), str(error)))
        if row_errors:
            errors += row_errors
            continue
        try:
            problems.append(check_problem(target, ProblemInput(**parsed)))
        except ActionInvalid as error:
            column = COLUMNS.get(error.field or "content", COLUMNS["content"])
            errors.append(RowError(row.number, str(column), error.message))
    return ProblemFile(problems if not errors else [], errors)


def template_file(target: CampaignTarget) -> DownloadFile:
    """The workbook a unit fills in: the columns on the first sheet, how to fill them on the second."""
    with translation.override(settings.LANGUAGE_CODE):
        fields = columns_for(target)
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None  # a new workbook has its sheet
        sheet.title = pgettext("sheet", "Problems")
        sheet.append([str(COLUMNS[f]) for f in fields])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, field in enumerate(fields, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = WIDTHS[field]
            # Text cells: a 统一社会信用代码 typed into a number cell would be rounded by Excel.
            for row in range(2, MAX_ROWS + 2):
                sheet.cell(row=row, column=i).number_format = "@"
        sheet.freeze_panes = "A2"
        guide = workbook.create_sheet(pgettext("sheet", "How to fill in"))
        lines = [
            clean_text(target.campaign.title),
            clean_text(target.campaign.instructions),
            "",
            _(
                "One row per problem. The enterprise may be left empty for a general problem of many enterprises."
            ),
            _("Simple or complex: write 一般问题 or 复杂问题."),
        ]
        if target.kind == TargetKindChoices.LOCALITY:
            names = "、".join(Area.objects.filter(locality=target.locality).values_list("name", flat=True))
            lines.append(
                _("Areas of %(locality)s: %(names)s") % {"locality": target.locality, "names": names}
            )
        for line in lines:
            guide.append([line])
        guide.column_dimensions["A"].width = 100
        for row in guide.iter_rows():
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        workbook.save(buffer)
        filename = _("Problems of %(unit)s for %(title)s") % {
            "unit": target.unit,
            "title": target.campaign.title,
        }
    return DownloadFile(
        content=buffer.getvalue(),
        content_type=XLSX,
        filename=f"{filename}.xlsx",
        ascii_filename=f"solicitation-{target.campaign_id}-{target.pk}-template.xlsx",
    )

"""The 案例汇编: a year's typical cases as a Word document in 公文 form, and as an Excel list.

Two collections (静海 §三(三): 区政务服务办将每年评选"十佳服务案例"):

* `top10` — the year's published 十佳服务案例, in their order; the document the seeds want shown and printed;
* `accepted` — every case of the year accepted into the library, newest first (for the hub's own work).

The Word document: the title ("静海区2026年度十佳服务案例汇编"), the issuing office (the district's service
office) and the date, then a part per case — "一、标题" with 背景 / 做法 / 成效 / 经验启示. An anonymised case names
no enterprise: its texts were cleared when saved, and the document says 某企业.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook

from demandloop.core.formats import document_date
from demandloop.knowledge.cases import enterprise_label, facts_of
from demandloop.knowledge.choices import CaseStatusChoices, SelectionStatusChoices
from demandloop.knowledge.models import CaseSelection, TypicalCase
from demandloop.lib.docx_form import (
    HEADING_FONT,
    SUBHEADING_FONT,
    TITLE_FONT,
    a4_pages,
    add_paragraph,
    numeral,
    page_numbers,
)
from demandloop.lib.downloads import (
    OFFICE_FORMATS,
    DownloadFile,
    clean_text,
    workbook_bytes,
    write_table,
)

EXPORT_FORMATS = OFFICE_FORMATS
COLLECTIONS = ("top10", "accepted")
XLSX_COLUMNS = (
    (pgettext_lazy("casebook column", "Place"), 6),
    (pgettext_lazy("casebook column", "Title"), 30),
    (pgettext_lazy("casebook column", "Enterprise"), 20),
    (pgettext_lazy("casebook column", "Tier"), 16),
    (pgettext_lazy("casebook column", "Departments"), 24),
    (pgettext_lazy("casebook column", "Working days"), 10),
    (pgettext_lazy("casebook column", "Evaluation"), 16),
    (pgettext_lazy("casebook column", "Background"), 50),
    (pgettext_lazy("casebook column", "What was done"), 50),
    (pgettext_lazy("casebook column", "Outcome"), 50),
    (pgettext_lazy("casebook column", "Lessons"), 50),
    (pgettext_lazy("casebook column", "Tags"), 16),
    (pgettext_lazy("casebook column", "Author"), 12),
    (pgettext_lazy("casebook column", "Demand"), 8),
)


@dataclass(frozen=True)
class Casebook:
    district: Any
    year: int
    collection: str
    cases: list[TypicalCase]


def casebook(district: Any, year: int, collection: str) -> Casebook:
    """The cases of one collection (see the module's docstring); a top10 not published is empty."""
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}")
    related = ("demand__enterprise", "demand__tier", "demand__lead_department", "author")
    if collection == "top10":
        selection = CaseSelection.objects.filter(
            district=district, year=year, status=SelectionStatusChoices.PUBLISHED
        ).first()
        cases = (
            [
                e.case
                for e in selection.entries.select_related(*[f"case__{r}" for r in related]).order_by("rank")
            ]
            if selection
            else []
        )
    else:
        cases = list(
            TypicalCase.objects.filter(district=district, year=year, status=CaseStatusChoices.ACCEPTED)
            .select_related(*related)
            .order_by("-accepted_at", "-pk")
        )
    return Casebook(district, year, collection, cases)


def casebook_title(book: Casebook) -> str:
    if book.collection == "top10":
        return _("%(district)s top-ten service cases of %(year)d") % {
            "district": book.district.name,
            "year": book.year,
        }
    return _("%(district)s typical service cases of %(year)d") % {
        "district": book.district.name,
        "year": book.year,
    }


def casebook_file(
    district: Any, year: int, collection: str, file_format: str, *, on: date | None = None
) -> DownloadFile:
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown casebook format {file_format!r}")
    book = casebook(district, year, collection)
    with translation.override(settings.LANGUAGE_CODE):
        content = _docx(book, on or timezone.localdate()) if file_format == "docx" else _xlsx(book)
        title = casebook_title(book)
    return DownloadFile(
        content=content,
        content_type=EXPORT_FORMATS[file_format],
        filename=f"{title}.{file_format}",
        ascii_filename=f"cases-{district.code}-{year}-{collection}.{file_format}",
    )


def _docx(book: Casebook, on: date) -> bytes:
    document = Document()
    a4_pages(document)
    page_numbers(document)
    title = casebook_title(book)
    office = book.district.service_office()
    document.core_properties.title = title
    document.core_properties.author = office.name if office else book.district.name
    add_paragraph(document, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    add_paragraph(
        document,
        _("Issued by %(office)s, %(date)s")
        % {"office": office.name if office else book.district.name, "date": document_date(on)},
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=SUBHEADING_FONT,
    )
    if not book.cases:
        add_paragraph(
            document,
            _("No top-ten selection of this year is published yet.")
            if book.collection == "top10"
            else _("No case of this year is accepted into the library yet."),
            indent=True,
        )
    parts = (
        (pgettext("casebook", "Background"), "background"),
        (pgettext("casebook", "What was done"), "approach"),
        (pgettext("casebook", "Outcome"), "outcome"),
        (pgettext("casebook", "Lessons"), "lessons"),
    )
    facts_by_demand = facts_of([case.demand for case in book.cases])
    for number, case in enumerate(book.cases, start=1):
        add_paragraph(
            document, f"{numeral(number)}、{clean_text(case.title)}", font=HEADING_FONT, style="Heading 1"
        )
        facts = facts_by_demand[case.demand_id]
        line = " · ".join(
            part
            for part in (
                enterprise_label(case),
                f"{facts.tier_level} · {facts.tier_name}" if facts.tier_level else "",
                "、".join(facts.departments),
                facts.timing if facts.working_days is not None else "",
                facts.evaluation if facts.solved else "",
            )
            if part
        )
        add_paragraph(
            document, clean_text(line), size=14, align=WD_ALIGN_PARAGRAPH.CENTER, font=SUBHEADING_FONT
        )
        for index, (label, name) in enumerate(parts, start=1):
            add_paragraph(
                document, f"（{numeral(index)}）{label}", font=SUBHEADING_FONT, bold=True, style="Heading 2"
            )
            for paragraph in clean_text(getattr(case, name)).splitlines():
                if paragraph.strip():
                    add_paragraph(document, paragraph.strip(), indent=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(book: Casebook) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = pgettext("casebook sheet", "Cases")
    facts_by_demand = facts_of([case.demand for case in book.cases])
    rows = []
    for number, case in enumerate(book.cases, start=1):
        facts = facts_by_demand[case.demand_id]
        rows.append(
            [
                number,
                case.title,
                enterprise_label(case),
                f"{facts.tier_level} · {facts.tier_name}" if facts.tier_level else "",
                "、".join(facts.departments),
                facts.working_days,
                facts.evaluation if facts.solved else "",
                case.background,
                case.approach,
                case.outcome,
                case.lessons,
                "、".join(case.tags or ()),
                case.author.get_full_name(),
                case.demand_id,
            ]
        )
    write_table(
        sheet,
        [header for header, _width in XLSX_COLUMNS],
        rows,
        widths=[width for _header, width in XLSX_COLUMNS],
    )
    return workbook_bytes(workbook)

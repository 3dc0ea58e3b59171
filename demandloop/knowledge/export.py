"""The district's 高频事项应答手册 as a Word handbook and as an Excel list (DESIGN.md §6: "published to enterprises
in the policy module, searchable, exportable as a handbook").

The Word handbook is in the form of the district's other documents (`demandloop.lib.docx_form`): A4, the title
"静海区为企服务高频事项应答手册", who compiled it, the edition (date generated, number of entries), then one part
per department — "一、区市场监管局" — with its entries numbered through the whole handbook ("12. …？", "答：…",
"联系方式：…"), the entries of no department last under 其他事项. The Excel list has one row per entry, for the
hub to check and edit the handbook, in the same order and numbered as the Word handbook. Both hold the published entries only, ordered by `order`, then code: the
hub arranges the handbook with `order`, and a department's part comes where its first entry does.

Headings are English msgids rendered in the district's language (zh-hans), as the meeting record.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook

from demandloop.core.formats import document_date
from demandloop.knowledge.models import FaqEntry
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
from demandloop.org.models import Department, District

# The file formats of the handbook, by the name the API, the page and the command use.
EXPORT_FORMATS = OFFICE_FORMATS
# The columns of the Excel list. A context of their own: bare "code" or "keywords" are msgids of other apps too,
# and the first catalogue that has one wins ("代码", "提示词").
XLSX_COLUMNS = (
    (pgettext_lazy("handbook column", "No."), 8),
    (pgettext_lazy("handbook column", "Question"), 36),
    (pgettext_lazy("handbook column", "Answer"), 80),
    (pgettext_lazy("handbook column", "Department"), 18),
    (pgettext_lazy("handbook column", "Contacts"), 36),
    (pgettext_lazy("handbook column", "Keywords"), 28),
    (pgettext_lazy("handbook column", "Version"), 8),
    (pgettext_lazy("handbook column", "Updated at"), 18),
)


@dataclass(frozen=True)
class HandbookSection:
    """One part of the handbook: a department's entries, or (department None) the entries of no department."""

    department: Department | None
    entries: list[FaqEntry]


def published_entries(district: District) -> list[FaqEntry]:
    """The district's published entries in handbook order (one query)."""
    return list(
        FaqEntry.objects.published()
        .filter(district=district)
        .select_related("department")
        .order_by("order", "code")
    )


def handbook_sections(entries: Iterable[FaqEntry]) -> list[HandbookSection]:
    """The entries grouped by department, each part where its first entry comes, the department-less last."""
    groups: dict[int | None, HandbookSection] = {}
    for entry in entries:
        section = groups.get(entry.department_id)
        if section is None:
            section = groups[entry.department_id] = HandbookSection(entry.department, [])
        section.entries.append(entry)
    others = groups.pop(None, None)
    return [*groups.values(), *([others] if others else [])]


def handbook_title(district: District) -> str:
    return _("%(district)s handbook of answers to frequent enterprise matters") % {"district": district.name}


def handbook_file(district: District, file_format: str, *, on: date | None = None) -> DownloadFile:
    """The handbook of `district` as `file_format` ("docx" or "xlsx"), dated `on` (default: today)."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown handbook format {file_format!r}")
    content = handbook_docx(district, on=on) if file_format == "docx" else handbook_xlsx(district)
    with translation.override(settings.LANGUAGE_CODE):
        title = handbook_title(district)
    return DownloadFile(
        content=content,
        content_type=EXPORT_FORMATS[file_format],
        filename=f"{title}.{file_format}",
        ascii_filename=f"handbook-{district.code}.{file_format}",
    )


# --- Word ------------------------------------------------------------------------------------------------


def handbook_docx(district: District, *, on: date | None = None) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _build_docx(district, published_entries(district), on or timezone.localdate())


def _contacts(entry: FaqEntry) -> str:
    """The entry's contacts; for an entry without any, its department's phone, so no entry leaves the reader
    without someone to call."""
    if entry.contacts.strip():
        return entry.contacts.strip()
    department = entry.department
    return f"{department.name} {department.phone}" if department and department.phone else ""


def _build_docx(district: District, entries: list[FaqEntry], on: date) -> bytes:
    document = Document()
    a4_pages(document)
    page_numbers(document)
    title = handbook_title(district)
    hub = district.service_office()
    document.core_properties.title = title
    document.core_properties.author = hub.name if hub else district.name

    add_paragraph(document, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    if hub is not None:
        add_paragraph(
            document,
            _("Compiled by %(office)s") % {"office": hub.name},
            align=WD_ALIGN_PARAGRAPH.CENTER,
            font=SUBHEADING_FONT,
        )
    edition = ngettext(
        "Edition of %(date)s, %(count)d entry", "Edition of %(date)s, %(count)d entries", len(entries)
    ) % {"date": document_date(on), "count": len(entries)}
    add_paragraph(document, edition, align=WD_ALIGN_PARAGRAPH.CENTER, font=SUBHEADING_FONT)

    if not entries:
        add_paragraph(document, _("No entry of the handbook is published yet."), indent=True)
    number = 0
    for part, section in enumerate(handbook_sections(entries), start=1):
        name = section.department.name if section.department else _("Other matters")
        add_paragraph(document, f"{numeral(part)}、{name}", font=HEADING_FONT, style="Heading 1")
        for entry in section.entries:
            number += 1
            add_paragraph(
                document,
                f"{number}. {clean_text(entry.question)}",
                bold=True,
                font=SUBHEADING_FONT,
                style="Heading 2",
            )
            lines = [line.strip() for line in clean_text(entry.answer).splitlines() if line.strip()]
            for index, line in enumerate(lines):
                text = _("Answer: %(answer)s") % {"answer": line} if index == 0 else line
                add_paragraph(document, text, indent=True)
            contacts = clean_text(_contacts(entry))
            if contacts:
                add_paragraph(document, _("Contacts: %(contacts)s") % {"contacts": contacts}, indent=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Excel -----------------------------------------------------------------------------------------------


def handbook_xlsx(district: District) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _build_xlsx(published_entries(district))


def _row(number: int, entry: FaqEntry) -> list[Any]:
    return [
        number,
        clean_text(entry.question),
        clean_text(entry.answer),
        entry.department.name if entry.department else "",
        clean_text(entry.contacts),
        clean_text("、".join(str(word) for word in entry.keywords or ())),
        entry.version,
        timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M"),
    ]


def _build_xlsx(entries: list[FaqEntry]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = _("Handbook")
    write_table(
        sheet,
        [header for header, _width in XLSX_COLUMNS],
        # In the Word handbook's order and with its numbers: row 12 is the handbook's "12. …？".
        (
            _row(number, entry)
            for number, entry in enumerate(
                (entry for section in handbook_sections(entries) for entry in section.entries), start=1
            )
        ),
        widths=[width for _header, width in XLSX_COLUMNS],
    )
    return workbook_bytes(workbook)

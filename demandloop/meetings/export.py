"""The meeting record as a Word document in the usual 会议纪要 form (python-docx).

Title, the meeting's particulars (time, place, chair, attending departments), the agenda, the minutes, and the
decided matters (议定事项) — one numbered paragraph per demand: lead department, co-departments, deadline — then
the issuing office and date. Headings are English msgids rendered in the district's language (zh-hans); the
fonts and numerals of the official form come from `demandloop.lib.docx_form`.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from demandloop.core.formats import document_date
from demandloop.lib.docx_form import HEADING_FONT, TITLE_FONT, add_paragraph, numeral
from demandloop.meetings.models import Meeting


def meeting_minutes_docx(meeting: Meeting) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _build(meeting)


def _build(meeting: Meeting) -> bytes:
    document = Document()
    district = meeting.district
    add_paragraph(
        document,
        f"{district.full_name or district.name}{meeting.get_kind_display()}",
        size=22,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
    )
    add_paragraph(
        document, _("Meeting record"), size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT
    )
    add_paragraph(document, meeting.title, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)

    attendees = [a for a in meeting.attendees.select_related("department", "user") if a.attended is not False]
    names = "、".join(a.name or (a.department.name if a.department else str(a.user)) for a in attendees)
    local = timezone.localtime(meeting.scheduled_at)
    particulars = [
        (_("Time"), f"{document_date(local)} {local:%H:%M}"),
        (_("Place"), meeting.location),
        (_("Chaired by"), meeting.chair),
        (_("Attending"), names),
    ]
    for label, value in particulars:
        if value:
            add_paragraph(document, _("%(label)s: %(value)s") % {"label": label, "value": value})

    part = 1
    agenda = list(meeting.agenda.select_related("demand", "demand__enterprise"))
    if agenda:
        add_paragraph(document, numeral(part) + "、" + _("Agenda"), bold=True, font=HEADING_FONT)
        part += 1
        for number, item in enumerate(agenda, start=1):
            if item.demand_id:
                text = _("Demand #%(pk)s %(enterprise)s: %(title)s") % {
                    "pk": item.demand_id,
                    "enterprise": item.demand.enterprise.name,
                    "title": item.demand.title,
                }
            else:
                text = item.topic
            add_paragraph(document, f"{number}. {text}", indent=True)
    if meeting.minutes:
        add_paragraph(document, numeral(part) + "、" + _("Proceedings"), bold=True, font=HEADING_FONT)
        part += 1
        for line in meeting.minutes.splitlines():
            if line.strip():
                add_paragraph(document, line.strip(), indent=True)
    decisions = list(
        meeting.decisions.select_related("demand", "lead_department").prefetch_related("co_departments")
    )
    if decisions:
        add_paragraph(document, numeral(part) + "、" + _("Decided matters"), bold=True, font=HEADING_FONT)
        for number, decision in enumerate(decisions, start=1):
            co = "、".join(d.name for d in decision.co_departments.all())
            text = _("Demand #%(pk)s “%(title)s”: led by %(lead)s") % {
                "pk": decision.demand_id,
                "title": decision.demand.title,
                "lead": decision.lead_department.name,
            }
            if co:
                text += _(", with %(co)s") % {"co": co}
            text += _(", to be completed by %(deadline)s.") % {"deadline": document_date(decision.deadline)}
            if decision.note:
                text += decision.note
            add_paragraph(document, f"（{numeral(number)}）{text}", indent=True)

    issued = meeting.held_at or meeting.scheduled_at
    hub = district.service_office()
    add_paragraph(document, hub.name if hub else district.name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    add_paragraph(document, document_date(issued), align=WD_ALIGN_PARAGRAPH.RIGHT)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

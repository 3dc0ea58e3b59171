"""The official-document form: Chinese numerals for the parts, East Asian fonts, A4 pages with a page number."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from demandloop.lib.docx_form import BODY_FONT, a4_pages, add_paragraph, numeral, page_numbers


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (40, "四十"),
        (99, "九十九"),
        # Beyond the numerals of a document's parts: Arabic digits rather than a wrong numeral or a failure.
        (0, "0"),
        (100, "100"),
    ],
)
def test_it_numbers_parts_as_official_documents_do(n, text):
    assert numeral(n) == text


def test_every_numeral_up_to_ninety_nine_is_distinct_and_chinese():
    numerals = [numeral(n) for n in range(1, 100)]
    assert len(set(numerals)) == 99
    assert all(set(text) <= set("一二三四五六七八九十") for text in numerals)


def test_a_paragraph_carries_its_chinese_font_in_the_east_asian_slot():
    document = Document()
    paragraph = add_paragraph(document, "正文", indent=True)
    run = paragraph.runs[0]
    assert run.font.name == BODY_FONT
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    assert paragraph.paragraph_format.first_line_indent.pt == 32


def test_a_heading_is_in_the_outline_and_black():
    document = Document()
    paragraph = add_paragraph(document, "一、总则", style="Heading 1")
    assert paragraph.style.name == "Heading 1"
    assert str(paragraph.runs[0].font.color.rgb) == "000000"


def test_pages_are_a4_with_a_page_number_field_in_the_footer():
    document = Document()
    a4_pages(document)
    page_numbers(document)
    buffer = io.BytesIO()
    document.save(buffer)
    section = Document(io.BytesIO(buffer.getvalue())).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    footer = section.footer.paragraphs[0]
    assert footer.text == "—  —"  # the number itself is a field Word fills in
    assert "PAGE" in footer._p.xml and 'w:fldCharType="begin"' in footer._p.xml


def test_a_new_run_and_a_formatted_one_get_the_same_font_each_its_own():
    from docx.shared import Pt

    from demandloop.lib.docx_form import set_font

    document = Document()
    paragraph = document.add_paragraph()
    fresh, again, coloured = paragraph.add_run("甲"), paragraph.add_run("乙"), paragraph.add_run("丙")
    coloured.font.italic = True  # already has properties: they are kept, the font is set over them
    for run in (fresh, again, coloured):
        set_font(run, BODY_FONT, 12, bold=True)
    for run in (fresh, again, coloured):
        assert (run.font.name, run.font.size, run.font.bold) == (BODY_FONT, Pt(12), True)
        assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    assert coloured.font.italic is True
    assert fresh._r.rPr is not again._r.rPr, "each run owns its properties"
    fresh.font.bold = False
    assert again.font.bold is True

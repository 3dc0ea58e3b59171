"""Word documents in the form of Chinese official documents (公文格式), with python-docx.

Pure layout helpers, shared by the meeting record (`meetings.export`) and the FAQ handbook
(`knowledge.export`): the fonts of GB/T 9704 (仿宋 body, 宋体 title, 黑体 and 楷体 headings), Chinese numerals
for the parts of a document, A4 pages and a page number in the footer. No text of their own: the words come
from the caller, translated.
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from typing import Any

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from demandloop.lib.downloads import clean_text

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
CHINESE_NUMERALS = "一二三四五六七八九十"
BLACK = RGBColor(0, 0, 0)


def numeral(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九 as Chinese official documents number their parts; beyond, Arabic digits (a
    document with a hundred parts is better numbered than refused)."""
    if not 1 <= n <= 99:
        return str(n)
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CHINESE_NUMERALS[tens - 1]}十{CHINESE_NUMERALS[ones - 1] if ones else ''}"


def set_font(run: Run, name: str, size: float, bold: bool = False) -> None:
    if run._r.rPr is None:
        # A new run: a copy of the properties built once (python-docx builds them at about half a millisecond
        # a run, which made a report with a few thousand table cells take most of a second).
        run._r.insert(0, deepcopy(_run_properties(name, size, bold)))
        return
    _apply_font(run, name, size, bold)


def _apply_font(run: Run, name: str, size: float, bold: bool) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    # Word takes Chinese glyphs from the East Asian font slot, not from `name`.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


@lru_cache(maxsize=64)
def _run_properties(name: str, size: float, bold: bool) -> Any:
    """The `w:rPr` element of a run in this font (never handed out itself: `set_font` copies it)."""
    run = Run(OxmlElement("w:r"), None)  # type: ignore[arg-type]
    _apply_font(run, name, size, bold)
    return run._r.rPr


def add_paragraph(
    document: Document,
    text: str,
    *,
    size: float = 16,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    font: str = BODY_FONT,
    indent: bool = False,
    style: str | None = None,
) -> Paragraph:
    """A paragraph of one run. `style` (e.g. "Heading 1") puts it in Word's navigation pane and outline; the
    run keeps the official font and is black, not the built-in heading's theme colour."""
    paragraph = document.add_paragraph(style=style)
    if align is not None:
        paragraph.alignment = align
    if indent:
        # Two characters, as every body paragraph of an official document.
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    # What people typed (a meeting's title and minutes, an answer) may hold control characters XML cannot.
    run = paragraph.add_run(clean_text(text))
    set_font(run, font, size, bold)
    if style is not None:
        run.font.color.rgb = BLACK
    return paragraph


def a4_pages(document: Document) -> None:
    """A4 pages with the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); python-docx's
    blank document is US Letter."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def page_numbers(document: Document) -> None:
    """The page number centred in the footer as "— 1 —", a PAGE field Word fills in when it lays out."""
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(paragraph.add_run("— "), TITLE_FONT, 14)
        run = paragraph.add_run()
        set_font(run, TITLE_FONT, 14)
        for kind, instruction in (("begin", None), (None, " PAGE "), ("end", None)):
            if instruction is None:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), str(kind))
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = instruction
            run._r.append(element)
        set_font(paragraph.add_run(" —"), TITLE_FONT, 14)


# The separating line under an official document's masthead (版头中的分隔线, GB/T 9704 §7.2.4) is red.
MASTHEAD_RED = "C00000"
# The children of a paragraph's properties that follow its border (w:pPr is an ordered sequence).
PPR_AFTER_BORDER = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct"),
    *("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid"),
    *("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc"),
    *("w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId"),
    *("w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)
# The width of the text between A4's margins of `a4_pages`: 210 − 28 − 26 mm.
TEXT_WIDTH_MM = 156


def masthead_line(document: Document, left: str, right: str, *, size: float = 16) -> Paragraph:
    """The line above a document's title that names who issues it (left) and when (right), underlined in red
    across the page, as a numbered bulletin's masthead is."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    set_font(paragraph.add_run(f"{left}\t{right}"), BODY_FONT, size)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", MASTHEAD_RED)):
        bottom.set(qn(name), value)
    borders.append(bottom)
    # In the place the schema gives it (before the tab stops), or Word calls the document damaged.
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(borders, *PPR_AFTER_BORDER)
    return paragraph

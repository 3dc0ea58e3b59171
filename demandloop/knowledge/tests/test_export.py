"""The handbook leaves the platform as a Word handbook and an Excel list: the hub prints it, an officer takes it on a
visit, an enterprise downloads it from the policies page — each only their own district's, published entries only."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from rest_framework.test import APIClient

from demandloop.demands.tests.world import World, build_world
from demandloop.knowledge.export import handbook_docx, handbook_sections, handbook_xlsx
from demandloop.knowledge.models import FaqEntry
from demandloop.lib.downloads import DOCX, XLSX

pytestmark = pytest.mark.django_db

TITLE = "静海区为企服务高频事项应答手册"
EDITION_DAY = date(2026, 3, 1)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def entries(world: World) -> dict[str, FaqEntry]:
    """静海's handbook, out of order on purpose: tax first by `order`, market regulation's two tied entries
    ordered by code, two entries of no department, an unpublished entry; and 南开's own entry."""
    w = world.jinghai
    scjgj, swj = w.dep("scjgj"), w.dep("swj")
    swj.phone = "022-68888888"
    swj.save()

    def entry(district: Any, code: str, **values: Any) -> FaqEntry:
        return FaqEntry.objects.create(district=district, code=code, **values)

    return {
        "invoice": entry(
            w.district,
            "invoice",
            question="首次领用发票怎么办理？",
            answer="在电子税务局申请。\n新办纳税人当日可领。",
            department=swj,
            order=1,
            keywords=["发票", "首次领票"],
        ),
        "licence-b": entry(
            w.district,
            "licence-b",
            question="营业执照遗失怎么补领？",
            answer="在一网通办申请补领。",
            department=scjgj,
            contacts="区市场监管局登记科 022-68000001",
            order=2,
        ),
        "licence-a": entry(
            w.district,
            "licence-a",
            question="营业执照地址怎么变更？",
            answer="携带租赁合同办理变更登记。",
            department=scjgj,
            contacts="区市场监管局登记科 022-68000001",
            order=2,
            version=3,
        ),
        "hotline": entry(
            w.district,
            "hotline",
            question="12345反映的问题怎么查进度？",
            answer="拨打12345查询。",
            contacts="12345",
            order=3,
        ),
        "general": entry(
            w.district, "general", question="找谁帮忙协调？", answer="联系为企服务人员。", order=0
        ),
        "tax-refund": entry(
            w.district,
            "tax-refund",
            question="留抵退税多久到账？",
            answer="审核通过后退库。",
            department=swj,
            order=4,
        ),
        "draft": entry(
            w.district,
            "draft",
            question="尚未审定的问题？",
            answer="尚未审定的答复。",
            department=swj,
            order=1,
            is_published=False,
        ),
        "nankai": entry(
            world.nankai.district, "nankai-only", question="南开区的问题？", answer="南开区的答复。", order=1
        ),
    }


def paragraphs(content: bytes) -> list[Any]:
    return list(Document(io.BytesIO(content)).paragraphs)


def texts(content: bytes) -> list[str]:
    return [p.text for p in paragraphs(content)]


def styled(content: bytes, style: str) -> list[str]:
    return [p.text for p in paragraphs(content) if p.style is not None and p.style.name == style]


def rows(content: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- The Word handbook ------------------------------------------------------------------------------------


def test_it_opens_with_the_title_the_compiling_office_and_the_edition(world, entries):
    text = texts(handbook_docx(world.jinghai.district, on=EDITION_DAY))
    assert text[:3] == [TITLE, "区政务服务办编", "2026年3月1日版　共6条"]


def test_it_groups_the_entries_by_department_in_handbook_order_with_the_others_last(world, entries):
    content = handbook_docx(world.jinghai.district, on=EDITION_DAY)
    # Tax's first entry has the smallest `order` of any department: its part comes first.
    assert styled(content, "Heading 1") == ["一、区税务局", "二、区市场监管局", "三、其他事项"]
    assert styled(content, "Heading 2") == [
        "1. 首次领用发票怎么办理？",
        "2. 留抵退税多久到账？",
        "3. 营业执照地址怎么变更？",  # `order` tied with licence-b: by code
        "4. 营业执照遗失怎么补领？",
        "5. 找谁帮忙协调？",
        "6. 12345反映的问题怎么查进度？",
    ]


def test_each_published_entry_reads_as_question_answer_and_contacts(world, entries):
    text = texts(handbook_docx(world.jinghai.district, on=EDITION_DAY))
    start = text.index("1. 首次领用发票怎么办理？")
    # A second line of an answer is a paragraph of its own; a tax entry without contacts gives the bureau's phone.
    assert text[start : start + 4] == [
        "1. 首次领用发票怎么办理？",
        "答：在电子税务局申请。",
        "新办纳税人当日可领。",
        "联系方式：区税务局 022-68888888",
    ]
    licence = text.index("4. 营业执照遗失怎么补领？")
    assert text[licence + 1 : licence + 3] == [
        "答：在一网通办申请补领。",
        "联系方式：区市场监管局登记科 022-68000001",
    ]
    for key in ("licence-a", "hotline", "general", "tax-refund"):
        assert f"答：{entries[key].answer}" in text
    # An entry of no department and no contacts has no contacts line: nothing follows its answer but the next.
    general = text.index("5. 找谁帮忙协调？")
    assert text[general + 2] == "6. 12345反映的问题怎么查进度？"


def test_it_leaves_out_unpublished_entries_and_other_districts(world, entries):
    body = "\n".join(texts(handbook_docx(world.jinghai.district, on=EDITION_DAY)))
    assert "尚未审定" not in body
    assert "南开区" not in body


def test_an_empty_handbook_says_so(world):
    text = texts(handbook_docx(world.nankai.district, on=EDITION_DAY))
    assert text == [
        "南开区为企服务高频事项应答手册",
        "区政务服务办编",
        "2026年3月1日版　共0条",
        "应答手册暂无已发布的事项。",
    ]


def test_it_is_laid_out_on_a4_with_page_numbers(world, entries):
    document = Document(io.BytesIO(handbook_docx(world.jinghai.district, on=EDITION_DAY)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    assert document.core_properties.title == TITLE


def test_control_characters_pasted_into_an_answer_do_not_stop_the_export(world, entries):
    FaqEntry.objects.filter(pk=entries["general"].pk).update(answer="联系为企\x0b服务人员。\x08")
    assert "答：联系为企服务人员。" in texts(handbook_docx(world.jinghai.district, on=EDITION_DAY))
    assert (5, "找谁帮忙协调？", "联系为企服务人员。") in [
        r[:3] for r in rows(handbook_xlsx(world.jinghai.district))
    ]


def test_sections_keep_the_department_less_entries_last_even_when_they_come_first(world, entries):
    ordered = list(
        FaqEntry.objects.published().filter(district=world.jinghai.district).order_by("order", "code")
    )
    assert ordered[0].department is None  # "general", order 0
    sections = handbook_sections(ordered)
    assert sections[-1].department is None
    assert [e.code for e in sections[-1].entries] == ["general", "hotline"]


# --- The Excel list ---------------------------------------------------------------------------------------


def test_the_excel_list_has_chinese_headers_and_one_row_per_published_entry_in_order(world, entries):
    table = rows(handbook_xlsx(world.jinghai.district))
    assert table[0] == ("序号", "问题", "答复", "部门", "联系方式", "关键词", "版本", "更新时间")
    # The Word handbook's order and numbers: by department where its first entry comes, no department last.
    assert [row[:2] for row in table[1:]] == [
        (1, "首次领用发票怎么办理？"),
        (2, entries["tax-refund"].question),
        (3, "营业执照地址怎么变更？"),
        (4, "营业执照遗失怎么补领？"),
        (5, entries["general"].question),
        (6, entries["hotline"].question),
    ]
    numbered = styled(handbook_docx(world.jinghai.district), "Heading 2")
    assert numbered == [f"{row[0]}. {row[1]}" for row in table[1:]]
    licence = entries["licence-a"]
    assert table[3] == (
        3,
        "营业执照地址怎么变更？",
        "携带租赁合同办理变更登记。",
        "区市场监管局",
        "区市场监管局登记科 022-68000001",
        None,
        3,
        timezone.localtime(licence.updated_at).strftime("%Y-%m-%d %H:%M"),
    )
    assert table[1][2] == "在电子税务局申请。\n新办纳税人当日可领。"
    assert table[1][5] == "发票、首次领票"


def test_an_answer_that_looks_like_a_formula_stays_text(world, entries):
    FaqEntry.objects.filter(pk=entries["general"].pk).update(answer='=HYPERLINK("http://example.com")')
    book = load_workbook(io.BytesIO(handbook_xlsx(world.jinghai.district)))
    cell = book.active["C6"]  # the entry of no department, fifth in the handbook
    assert cell.value == '=HYPERLINK("http://example.com")'
    assert cell.data_type == "s"


# --- The API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hub", "officer_a", "coord_lead"])
def test_the_district_staff_download_the_word_handbook(world, entries, who):
    answer = api(world.jinghai.people[who]).get("/api/v1/faq/export/?district=jinghai&format=docx")
    assert answer.status_code == 200
    assert answer["Content-Type"] == DOCX
    assert answer["Content-Disposition"] == (
        "attachment; filename=\"handbook-jinghai.docx\"; filename*=UTF-8''" + quote(f"{TITLE}.docx")
    )
    assert texts(answer.content)[0] == TITLE


def test_an_enterprise_of_the_district_downloads_the_excel_list(world, entries):
    answer = api(world.jinghai.ent_user_a).get("/api/v1/faq/export/?district=jinghai&format=xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"] == XLSX
    assert 'filename="handbook-jinghai.xlsx"' in answer["Content-Disposition"]
    assert len(rows(answer.content)) == 1 + 6


def test_without_a_district_or_a_format_it_is_the_users_own_handbook_in_word(world, entries):
    answer = api(world.nankai.hub).get("/api/v1/faq/export/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == DOCX
    assert texts(answer.content)[0] == "南开区为企服务高频事项应答手册"


@pytest.mark.parametrize("who", ["hub", "ent_user_a"])
def test_another_districts_handbook_is_not_found(world, entries, who):
    answer = api(world.nankai.people[who]).get("/api/v1/faq/export/?district=jinghai&format=docx")
    assert answer.status_code == 404
    missing = api(world.nankai.people[who]).get("/api/v1/faq/export/?district=nowhere&format=docx")
    assert answer.json() == missing.json()


def test_an_administrator_of_no_district_has_no_handbook(world, entries):
    assert api(world.admins["sysadmin"]).get("/api/v1/faq/export/").status_code == 404


def test_a_format_it_does_not_make_is_refused_naming_the_field(world, entries):
    answer = api(world.jinghai.hub).get("/api/v1/faq/export/?district=jinghai&format=pdf")
    assert answer.status_code == 400
    assert answer.json() == {"format": ["文件格式 format 只能是 docx（Word）或 xlsx（Excel），不能是“pdf”。"]}


def test_a_signed_out_caller_gets_nothing(world, entries):
    assert APIClient().get("/api/v1/faq/export/?district=jinghai").status_code in (401, 403)


def test_the_export_is_in_the_api_schema_as_a_file(world):
    answer = api(world.jinghai.hub).get("/api/schema/?format=json")
    operation = answer.json()["paths"]["/api/v1/faq/export/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {DOCX, XLSX}
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["format"]["schema"]["enum"] == ["docx", "xlsx"]
    assert "q" not in parameters


# --- The policies page ------------------------------------------------------------------------------------


def test_the_policies_page_links_the_enterprises_handbook(world, entries, client):
    client.force_login(world.jinghai.ent_user_a)
    page = client.get("/portal/policies/").content.decode()
    assert 'href="/portal/policies/handbook.docx?district=jinghai"' in page
    answer = client.get("/portal/policies/handbook.docx?district=jinghai")
    assert answer.status_code == 200
    assert answer["Content-Type"] == DOCX
    assert texts(answer.content)[0] == TITLE
    assert "尚未审定的问题？" not in "\n".join(texts(answer.content))


def test_the_page_download_is_the_enterprises_own_district_only(world, entries, client):
    client.force_login(world.jinghai.ent_user_a)
    assert client.get("/portal/policies/handbook.docx").status_code == 200
    assert client.get("/portal/policies/handbook.docx?district=nankai").status_code == 404
    client.force_login(world.jinghai.hub)
    assert client.get("/portal/policies/handbook.docx?district=jinghai").status_code == 404


# --- The command ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["docx", "xlsx"])
def test_the_command_writes_the_handbook_by_the_files_extension(world, entries, tmp_path, suffix):
    out = tmp_path / f"应答手册.{suffix}"
    stdout = io.StringIO()
    call_command("handbook", "export", "--district", "jinghai", "--out", str(out), stdout=stdout)
    assert f"已将静海区的应答手册写入 {out}。" in stdout.getvalue()
    content = out.read_bytes()
    if suffix == "docx":
        assert texts(content)[0] == TITLE
    else:
        assert len(rows(content)) == 1 + 6


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["export", "--district", "nowhere", "--out", "x.docx"],
            "没有代码为“nowhere”的区（已载入：jinghai, nankai）。",
        ),
        (
            ["export", "--district", "jinghai", "--out", "x.pdf"],
            "--out 的扩展名须为 .docx 或 .xlsx",
        ),
        (["export", "--out", "x.docx"], "缺少 --district"),
        (["export", "--district", "jinghai"], "缺少 --out"),
        (["print", "--district", "jinghai", "--out", "x.docx"], "请指明要做什么：export。"),
    ],
)
def test_the_command_refuses_bad_arguments_in_chinese(world, tmp_path, arguments, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("handbook", *arguments)
    assert not list(tmp_path.iterdir())


def test_the_command_line_ends_without_a_traceback(tmp_path):
    # No database needed: the extension is checked before the district is looked up.
    result = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "handbook",
            "export",
            "--district",
            "jinghai",
            "--out",
            str(tmp_path / "x.pdf"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--out 的扩展名须为 .docx 或 .xlsx，不能是“x.pdf”。" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_without_the_platforms_tables_is_told_without_a_traceback(world, tmp_path, monkeypatch):
    from django.db import OperationalError

    from demandloop.knowledge.management.commands import handbook as command

    def no_tables(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("no such table: knowledge_faqentry")

    monkeypatch.setattr(command, "handbook_file", no_tables)
    with pytest.raises(CommandError, match="数据库尚未就绪（no such table: knowledge_faqentry），请先运行"):
        call_command("handbook", "export", "--district", "jinghai", "--out", str(tmp_path / "x.docx"))

"""A town with fifty problems uploads a workbook: every row checked, all or nothing, errors name row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from demandloop.solicitation import actions
from demandloop.solicitation.imports import read_problems, template_file
from demandloop.solicitation.models import ReplyProblem
from demandloop.solicitation.tests.conftest import campaign_of, target

pytestmark = pytest.mark.django_db

HEADER = ["企业（统一社会信用代码或全称）", "片区", "问题描述", "一般/复杂"]


def workbook(*rows: list[object], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_it_reads_every_row_of_a_good_file(world):
    w = world.jinghai
    town = target(campaign_of(w), w.a.locality)
    content = workbook(
        [w.ent_a.uscc, "", "企业反映招工难", "复杂问题"],
        [w.ent_key.name, w.a.name, "咨询研发费用加计扣除政策", "一般"],
        [None, w.a.code, "镇区道路破损影响货车通行", "一般问题"],
    )
    parsed = read_problems(town, "问题.xlsx", content)
    assert parsed.ok, parsed.errors
    assert [(p.enterprise, p.area, p.complexity) for p in parsed.problems] == [
        (w.ent_a, w.a, "complex"),
        (w.ent_key, w.a, "simple"),
        (None, w.a, "simple"),
    ]
    actions.do_add_problems(town, w.officer_a, parsed.problems)
    assert ReplyProblem.objects.count() == 3


def test_a_bad_row_rejects_the_file_naming_row_and_column(world):
    w = world.jinghai
    town = target(campaign_of(w), w.a.locality)
    content = workbook(
        [w.ent_a.uscc, "", "企业反映招工难", "复杂问题"],
        ["不存在的公司", "", "融资难", "复杂"],
        [w.ent_b.uscc, w.b.name, "用地难", "复杂"],
        [None, "", "", "一般"],
        [None, "", "电价高", "很难"],
    )
    parsed = read_problems(town, "问题.xlsx", content)
    assert not parsed.ok and parsed.problems == []
    found = [(e.row, e.column) for e in parsed.errors]
    assert found == [
        (3, "企业（统一社会信用代码或全称）"),
        (4, "片区"),
        (5, "问题描述"),
        (6, "一般/复杂"),
    ]
    assert "不存在的公司" in parsed.errors[0].message
    assert w.a.name in parsed.errors[1].message  # the areas one may write


def test_it_names_a_file_it_cannot_read_or_without_the_columns(world):
    w = world.jinghai
    town = target(campaign_of(w), w.a.locality)
    assert read_problems(town, "x.xlsx", b"not a workbook").file_error == "无法将文件读取为表格。"
    missing = read_problems(town, "x.xlsx", workbook(["a"], header=["企业"]))
    assert "问题描述" in missing.file_error and "一般/复杂" in missing.file_error
    assert read_problems(town, "x.xlsx", workbook()).file_error == "文件表头下没有问题。"


def test_a_department_writes_no_area_column(world):
    w = world.jinghai
    department = target(campaign_of(w), w.dep("scjgj"))
    header = [h for h in HEADER if h != "片区"]
    parsed = read_problems(
        department, "p.csv", "\n".join([",".join(header), f"{w.ent_b.uscc},食品许可办理慢,一般"]).encode()
    )
    assert parsed.ok and parsed.problems[0].enterprise == w.ent_b and parsed.problems[0].area is None


def test_the_template_has_the_columns_and_the_locality_areas(world):
    w = world.jinghai
    town = target(campaign_of(w), w.a.locality)
    file = template_file(town)
    book = load_workbook(io.BytesIO(file.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    guide = "\n".join(str(row[0].value) for row in book.worksheets[1].iter_rows())
    assert w.a.name in guide and "请梳理辖区企业" in guide
    assert file.filename.endswith(".xlsx") and town.locality.name in file.filename

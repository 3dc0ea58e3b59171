"""FAQ ranking finds the entry a clerk's or an owner's words are about, and nothing for unrelated words."""

from __future__ import annotations

import pytest

from demandloop.knowledge.handbook import read_handbook
from demandloop.knowledge.queries import faq_index_for
from demandloop.knowledge.search import FaqDocument, FaqIndex, tokens


@pytest.fixture(scope="module")
def jinghai_index():
    return FaqIndex(
        [
            FaqDocument(i, e["code"], e["question"], e["answer"], tuple(e["keywords"]), e["department"])
            for i, e in enumerate(read_handbook("jinghai"))
        ]
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("小规模纳税人每个月卖多少钱以内不交增值税", "vat-small"),
        ("企业反映排污许可证即将到期，咨询延续办理", "discharge-permit"),
        ("员工在车间受伤了，工伤认定怎么申请", "work-injury"),
        ("厂房扩建要用电增容，供电公司一直不给方案", "power-capacity"),
        ("年报忘了报被列入异常名录了怎么办", "annual-report"),
        ("12345反映的问题想查下进度", "hotline-progress"),
    ],
)
def test_it_ranks_the_entry_the_demand_is_about_first(jinghai_index, text, code):
    matches = jinghai_index.search(text)
    assert matches and matches[0].code == code
    assert len(matches[0].matched) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "出口退税多久能到账，退税进度怎么查",
        "新办企业领用发票发票额度",
        "",
        "完全无关的话语 abc 123",
        "社保 社保 招工",
    ],
)
def test_scores_are_rank_bm25s_own(jinghai_index, text):
    query = [*tokens(text), "从未出现的词"]
    assert list(jinghai_index._scores(query)) == list(jinghai_index.bm25.get_scores(query))
    assert list(jinghai_index._scores(query)) == list(jinghai_index.bm25.get_scores(query))  # remembered


def test_unrelated_words_match_nothing(jinghai_index):
    assert jinghai_index.search("今天天气很好") == []
    assert jinghai_index.search("") == []


def test_tokens_drop_stop_words_and_punctuation():
    assert tokens("请问怎么办理营业执照？") == ["营业", "执照", "营业执照"]


def test_an_empty_handbook_answers_nothing():
    assert FaqIndex([]).search("发票") == []


def test_the_district_index_holds_published_entries_only_and_follows_changes(jinghai):
    from demandloop.knowledge.handbook import load_handbook
    from demandloop.knowledge.models import FaqEntry

    load_handbook("jinghai")
    assert faq_index_for(jinghai.pk).search("出口退税多久能到账")[0].code == "export-refund"
    FaqEntry.objects.filter(district=jinghai, code="export-refund").update(is_published=False)
    codes = [m.code for m in faq_index_for(jinghai.pk).search("出口退税多久能到账")]
    assert "export-refund" not in codes

"""The fast TF-IDF views compute exactly what scikit-learn computes, at array speed."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from demandloop.routing.features import (
    FeatureSpace,
    HashedNgramTfidf,
    KeyTable,
    Lexicon,
    NgramTfidf,
    word_key,
)
from demandloop.routing.text import head, join_title, normalise, normalise_many

TEXTS = [
    "增值税专用发票怎么申领，新办企业首次能领多少份",
    "排污许可证延续申请提交一个月了没有消息",
    "我们工厂扩建需要用电增容，供电公司说要等线路改造",
    "食品经营许可现场核查约了三次都没来人",
    "发票额度不够用，申请调整额度三天没有回复",
    "厂区门口道路破损严重，大货车无法通行",
]


@pytest.mark.parametrize(("ngram_range", "min_df"), [((1, 1), 1), ((1, 3), 1), ((2, 3), 2)])
def test_it_computes_the_same_weights_as_scikit_learn(ngram_range, min_df):
    texts = [normalise(t) for t in TEXTS]
    ours = NgramTfidf(ngram_range, min_df=min_df).fit(texts[:4])
    theirs = TfidfVectorizer(
        analyzer="char", ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, lowercase=False
    ).fit(texts[:4])
    assert sorted(ours.names) == sorted(theirs.vocabulary_)
    columns = [theirs.vocabulary_[name] for name in ours.names]
    expected = theirs.transform(texts)[:, columns].toarray()
    assert np.allclose(ours.transform(texts).toarray(), expected)


def test_it_counts_vocabulary_words_wherever_they_occur():
    view = NgramTfidf(vocabulary=["发票", "额度", "排污许可"]).fit([normalise(t) for t in TEXTS])
    row = view.transform(["发票额度不够，发票开不出来"]).toarray()[0]
    assert row[view.names.index("发票")] > row[view.names.index("额度")] > 0
    assert row[view.names.index("排污许可")] == 0


def test_it_never_joins_the_end_of_one_text_to_the_start_of_the_next():
    view = NgramTfidf((2, 2)).fit(["甲乙", "丙丁"])
    assert "乙丙" not in view.names
    assert view.transform(["甲乙", "丙丁"]).nnz == 2


def test_it_gives_an_empty_row_to_an_empty_text():
    view = NgramTfidf((1, 2)).fit(TEXTS)
    assert view.transform([""]).nnz == 0
    assert view.transform([]).shape == (0, len(view.keys))


def test_the_key_table_finds_present_keys_and_misses_absent_ones():
    words = ["发票", "税", "排污许可证", "12345"]
    table = KeyTable(np.array([word_key(w) for w in words], dtype=np.uint64))
    probe = np.array([word_key(w) for w in ["税", "发票", "不在", "12345"]], dtype=np.uint64)
    assert table.lookup(probe).tolist() == [1, 0, -1, 3]


LEXICON_TERMS = {
    "swj": ["发票", "退税", "出口退税"],
    "sthjj": ["排污许可", "环评"],
    "rsj": ["社保", "招工", "票"],
}


@given(
    st.lists(
        st.sampled_from(["发票", "退税", "出口", "排污许可", "环评", "社保", "招工", "票", "了", "a1"]),
        max_size=30,
    )
)
def test_a_lexicon_counts_one_text_as_it_counts_a_batch(parts):
    lexicon = Lexicon(LEXICON_TERMS)
    text = "".join(parts)
    one = lexicon._term_counts([text])
    batch = lexicon._term_counts([text, "出口退税的发票"])
    assert (one.toarray() == batch[0].toarray()).all()
    assert list(one.indices) == sorted(set(one.indices))


def test_a_lexicon_counts_a_labels_terms_even_unseen_in_training():
    lexicon = Lexicon({"swj": ["发票", "退税"], "sthjj": ["排污许可"]})
    row = lexicon.transform([normalise("出口退税和发票的问题")]).toarray()[0]
    assert row[lexicon.labels.index("swj")] == pytest.approx(np.log1p(2))
    assert row[lexicon.labels.index("sthjj")] == 0
    hits = lexicon.hits(normalise("出口退税和发票"))
    assert sorted(hits["swj"]) == ["发票", "退税"]
    assert "sthjj" not in hits


def test_the_feature_space_names_every_column_with_its_view():
    space = FeatureSpace().fit([normalise(t) for t in TEXTS])
    matrix = space.transform([normalise(TEXTS[0])])
    views = {space.feature(int(i))[0] for i in matrix.indices}
    assert views == {"body", "head", "word"}


def test_the_hashed_view_computes_what_scikit_learn_computes_in_its_hashed_columns():
    texts = [normalise(t) for t in TEXTS]
    ours = HashedNgramTfidf((2, 2), bits=20).fit(texts).transform([*texts, ""])
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, lowercase=False).fit(
        texts
    )
    expected = theirs.transform(texts).toarray()
    mask = (1 << 20) - 1
    columns = {name: word_key(name) & mask for name in theirs.vocabulary_}
    assert len(set(columns.values())) == len(columns)  # no collision among these few bigrams
    for name, j in theirs.vocabulary_.items():
        assert np.allclose(ours[: len(texts), columns[name]].toarray().ravel(), expected[:, j], atol=1e-12)
    assert ours[len(texts)].nnz == 0  # an empty text is an empty row, not a division by zero


def test_normalising_folds_width_case_spaces_and_digits():
    assert normalise("ＡＢ  发票 2024年 12 月") == "ab发票0年0月"
    assert normalise("打了12345，又打12366") == "打了12345,又打12366"
    assert normalise("１２３４５热线，123456号，０１２３４５，٣٤٥") == "12345热线,0号,0,0"
    assert head("一" * 40) == "一" * 30
    assert join_title("发票", "发票额度不够") == "发票额度不够"
    assert join_title("发票额度", "三天没回复") == "发票额度。三天没回复"


def _normalise_one_character_at_a_time(text: str) -> str:
    """The definition, spelled the slow way: a translation table and a Python decision per number."""
    table = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
    text = re.sub(r"\s+", "", text.replace("\x00", "").translate(table).lower())
    return re.sub(r"\d+", lambda m: m.group(0) if re.fullmatch(r"123\d\d", m.group(0)) else "0", text)


# Chinese, full-width and ASCII letters and marks, digits of several scripts, whitespace of several kinds, NUL.
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("发票增值税热线号楼，。！？（）ＡＢｃ１２３０　 \t\n\xa0\x00١٢٣"),
        st.sampled_from("0123456789"),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@given(st.lists(_TEXT, max_size=6))
def test_normalising_a_batch_at_once_gives_each_text_what_the_definition_gives(texts):
    expected = [_normalise_one_character_at_a_time(t) for t in texts]
    assert normalise_many(texts) == expected
    assert [normalise(t) for t in texts] == expected
    # Short strings fold through the translation table, long ones (a batch) through the array: a long text
    # beside them sends every text of the example through the array too.
    long = "，Ｆ１２３４５　发票（第12号）\n" * 30
    assert normalise_many([*texts, long]) == [*expected, _normalise_one_character_at_a_time(long)]

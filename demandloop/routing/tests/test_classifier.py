"""The classifier learns heads, ranks with calibrated scores, explains with the text's own words, and keeps."""

from __future__ import annotations

import numpy as np
import pytest

from demandloop.routing.classifier import TextClassifier
from demandloop.routing.text import normalise

ROWS = [
    ("增值税专用发票怎么申领", "swj", "simple"),
    ("发票额度不够，申请提额三天没回复", "swj", "complex"),
    ("出口退税两个月没到账，请帮忙催一下", "swj", "complex"),
    ("电子税务局登录不上，怎么办税", "swj", "simple"),
    ("数电发票开不出来，客户等着", "swj", "complex"),
    ("排污许可证延续申请没有消息", "sthjj", "complex"),
    ("危险废物转移联单在哪填", "sthjj", "simple"),
    ("隔壁工厂废气臭味很大，请环保部门查一下", "sthjj", "complex"),
    ("环保绩效分级怎么申请", "sthjj", "simple"),
    ("在线监测设备安装排期太长，申请宽限", "sthjj", "complex"),
    ("招工难，请人社局组织专场招聘会", "rsj", "complex"),
    ("稳岗返还今年还有吗", "rsj", "simple"),
    ("员工工伤认定两个月没结果", "rsj", "complex"),
    ("高校毕业生社保补贴怎么申请", "rsj", "simple"),
    ("职业技能培训补贴一直没拨付", "rsj", "complex"),
]


@pytest.fixture(scope="module")
def model():
    texts = [r[0] for r in ROWS]
    return TextClassifier().fit(
        texts, {"department": [r[1] for r in ROWS], "complexity": [r[2] for r in ROWS]}
    )


def test_it_routes_new_phrasings_to_the_department_of_their_words(model):
    assert model.predict(
        ["开发票的额度怎么调整", "废气排放超标被投诉", "工伤保险怎么报销"], "department"
    ) == [
        "swj",
        "sthjj",
        "rsj",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "走访中企业反映一线工人缺口，希望参加招聘会",
        "增值税发票领不了，企业反映急需开票",
        "排污许可证延续办理进度",
    ],
)
def test_its_explanation_shows_no_ngram_that_straddles_two_words(model, text):
    import jieba

    words = [w for w in jieba.lcut(normalise(text)) if len(w) > 1]
    for head in ("department", "complexity"):
        ranked = model.rank(model.transform([text]), head, top=1, text=text)[0]
        assert ranked["because"], "an explanation is given"
        for item in ranked["because"]:
            if item["view"] in ("body", "head"):
                assert any(item["feature"] in w for w in words), (item, words)


def test_it_ranks_departments_with_scores_that_sum_to_at_most_one(model):
    ranked = model.rank(model.transform(["发票开不出来"]), "department", top=3)
    assert ranked[0]["label"] == "swj"
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert 0.99 <= sum(scores) <= 1.0001


def test_its_explanation_names_words_of_the_text(model):
    text = "增值税发票领不了"
    best = model.rank(model.transform([text]), "department", top=1)[0]
    assert best["because"], "an explanation is given"
    assert all(item["feature"] in text for item in best["because"])
    assert all(item["weight"] > 0 for item in best["because"])


def test_a_binary_head_predicts_both_classes(model):
    assert set(model.predict(["怎么申请", "两个月没结果，请帮忙催办"], "complexity")) == {"simple", "complex"}


def test_rows_without_a_label_are_left_out_of_that_head():
    model = TextClassifier().fit(
        ["发票", "退税", "排污", "废气"],
        {"department": ["swj", "swj", "sthjj", "sthjj"], "tier": ["", "", "", ""]},
        calibrate=False,
    )
    assert list(model.heads) == ["department"]


def test_it_survives_saving_and_loading(model, tmp_path):
    folder = model.save(tmp_path / "m")
    loaded = TextClassifier.load(folder)
    texts = ["发票额度", "排污许可", "招聘会"]
    assert loaded.predict(texts, "department") == model.predict(texts, "department")
    assert (folder / "meta.json").read_text(encoding="utf-8").count("department")


def test_a_model_appears_whole_or_not_at_all(model, tmp_path, monkeypatch):
    # Another process that sees `model.joblib` loads it at once: while the model is written, the file must
    # not be there yet, and its description must already be.
    import joblib

    from demandloop.routing import classifier

    folder = tmp_path / "m"
    seen = []
    real_dump = joblib.dump

    def dump(value, filename, **kwargs):
        seen.append(((folder / "model.joblib").exists(), (folder / "meta.json").is_file()))
        return real_dump(value, filename, **kwargs)

    monkeypatch.setattr(classifier.joblib, "dump", dump)
    model.save(folder)
    assert seen == [(False, True)]
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "model.joblib"], "no staged file left"
    assert TextClassifier.load(folder).predict(["发票额度"], "department") == ["swj"]


def test_loading_refuses_a_folder_without_a_model(tmp_path):
    with pytest.raises(OSError):
        TextClassifier.load(tmp_path)


def test_offsets_give_an_under_predicted_class_its_due():
    from demandloop.routing.classifier import _fit_offsets, _macro_f1

    # Class 1's texts score just below class 0 on its own margin: a plain argmax never predicts it.
    truth = np.array([0] * 80 + [1] * 20)
    margins = np.zeros((100, 2))
    margins[:80, 0] = 1.0
    margins[80:, 0] = 0.3
    margins[80:, 1] = 0.2
    before = _macro_f1(truth, margins.argmax(axis=1), 2)
    offsets = _fit_offsets(margins, truth)
    after = _macro_f1(truth, (margins + offsets).argmax(axis=1), 2)
    assert before < 0.5 < after == pytest.approx(1.0)


def test_offsets_are_fitted_only_when_asked(model):
    assert all(head.offsets is not None for head in model.heads.values())
    plain = TextClassifier(balance=False).fit([r[0] for r in ROWS], {"department": [r[1] for r in ROWS]})
    assert plain.heads["department"].offsets is None


def test_stacked_views_fold_into_one_linear_model_equal_to_the_combination():
    """The per-view SVMs and the logistic regression over their margins are one linear map of the features."""
    from sklearn.model_selection import StratifiedKFold

    from demandloop.routing.classifier import _stack_views
    from demandloop.routing.features import FeatureSpace

    texts = [normalise(r[0]) for r in ROWS]
    y = np.array([r[1] for r in ROWS], dtype=object)
    space = FeatureSpace().fit(texts)
    matrix = space.transform(texts)
    blocks = [(start, end) for _view, start, end in space.blocks()]
    splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    folded, out_of_fold = _stack_views(matrix, y, None, blocks, 1.0, splits)
    assert out_of_fold.shape == (len(y), 3)
    # Recompute the combination the long way: each view's SVM margins, then the logistic regression.
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    margins = []
    for start, end in blocks:
        svm = LinearSVC(C=1.0, max_iter=5000, random_state=0).fit(matrix[:, start:end], y)
        margins.append(svm.decision_function(matrix[:, start:end]))
    stacked = np.hstack(margins)
    oof_margins = []
    for start, end in blocks:
        view = matrix[:, start:end]
        column = np.zeros((len(y), 3))
        for train, test in splits:
            svm = LinearSVC(C=1.0, max_iter=5000, random_state=0).fit(view[train], y[train])
            column[test] = svm.decision_function(view[test])
        oof_margins.append(column)
    combination = LogisticRegression(C=1.0, max_iter=5000, solver="newton-cg", tol=1e-6).fit(
        np.hstack(oof_margins), y
    )
    expected = combination.decision_function(stacked)
    assert np.allclose(matrix @ folded.coef_.T + folded.intercept_, expected)


def test_each_head_keeps_the_combination_that_scores_better_out_of_fold(model):
    chosen = model.meta["combination"]
    assert set(chosen) == {"department", "complexity"}
    for head in chosen.values():
        winner = (
            max(("stacked", "plain"), key=lambda k: head[k]) if head["stacked"] != head["plain"] else "plain"
        )
        assert head["chosen"] == winner

"""The corpora cover their presets, keep a fixed test slice, and the default routers pass it."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from django.conf import settings

from demandloop.routing import store
from demandloop.routing.corpus import in_scope, load_corpus, load_lexicon
from demandloop.routing.screening import ExclusionSpec, screen

PRESETS = ("jinghai", "nankai")


def preset(code):
    return yaml.safe_load((settings.DEMANDLOOP_PRESET_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", PRESETS)
def test_the_corpus_covers_every_department_domain_and_exclusion_of_its_preset(code):
    data = preset(code)
    rows = load_corpus(code)
    assert len(rows) >= 300
    departments = Counter(r.department for r in in_scope(rows))
    assert set(departments) == {d["code"] for d in data["departments"]}
    assert min(departments.values()) >= 15
    assert {r.domain for r in in_scope(rows)} == {d["code"] for d in data["domains"]}
    assert {r.exclusion for r in rows if r.exclusion} == {e["code"] for e in data["exclusions"]}


@pytest.mark.parametrize("code", PRESETS)
def test_the_corpus_labels_are_consistent(code):
    tiers = {str(t["level"]) for t in preset(code)["tiers"]}
    for row in load_corpus(code):
        assert row.split in {"train", "test"}
        if row.exclusion:
            assert not row.department and not row.tier
            continue
        assert row.complexity in {"simple", "complex"}
        assert row.tier in tiers
        # The actions refuse a simple matter above tier 1 (静海 §三(一), 南开 §三(一)).
        assert row.complexity == "complex" or row.tier == "1", row.text


@pytest.mark.parametrize("code", PRESETS)
def test_the_test_slice_is_a_fifth_of_every_department(code):
    rows = in_scope(load_corpus(code))
    test = Counter(r.department for r in rows if r.split == "test")
    total = Counter(r.department for r in rows)
    assert set(test) == set(total)
    assert 0.15 <= sum(test.values()) / sum(total.values()) <= 0.25
    texts = [r.text for r in rows]
    assert len(texts) == len(set(texts)), "no demand is written twice"


@pytest.mark.parametrize("code", PRESETS)
def test_the_lexicon_knows_every_department_of_the_preset(code):
    codes = {d["code"] for d in preset(code)["departments"]}
    lexicon = load_lexicon(codes)
    assert set(lexicon) == codes
    assert all(len(terms) >= 10 for terms in lexicon.values())


@pytest.mark.parametrize("code", PRESETS)
def test_the_default_router_routes_the_held_back_slice(code):
    folder = store.ensure_default_model(code)
    model = store.TextClassifier.load(folder)
    accuracy = store.test_accuracy(model, code)
    assert accuracy["department"] >= 0.9, accuracy
    assert accuracy["complexity"] >= 0.85, accuracy
    assert accuracy["tier"] >= 0.85, accuracy
    assert model.meta["test_accuracy"] == accuracy


@pytest.mark.parametrize("code", PRESETS)
def test_screening_agrees_with_the_corpus(code):
    specs = [
        ExclusionSpec(e["code"], e["name"], e["redirect_text"], tuple(e["keywords"]))
        for e in preset(code)["exclusions"]
    ]
    rows = load_corpus(code)
    caught = [screen(r.text, specs).exclusion for r in rows if r.exclusion]
    expected = [r.exclusion for r in rows if r.exclusion]
    hits = sum(1 for got, want in zip(caught, expected, strict=True) if got is not None and got.code == want)
    assert hits / len(expected) >= 0.9
    false_alarms = [r.text for r in in_scope(rows) if screen(r.text, specs).out_of_scope]
    assert false_alarms == []

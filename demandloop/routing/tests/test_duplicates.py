"""Duplicates are found among the same enterprise's or area's open demands; common problems across enterprises."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from demandloop.routing import duplicates
from demandloop.routing.duplicates import (
    AreaBlock,
    DemandForClustering,
    DuplicateIndex,
    OpenDemand,
    find_common_problems,
)
from demandloop.routing.text import normalise

OPEN = [
    OpenDemand(1, "我公司出口退税申报两个月了还没到账，请帮忙查进度", "ent-a", "area-1"),
    OpenDemand(2, "厂区门口路灯坏了半个月，员工下班很危险", "ent-a", "area-1"),
    OpenDemand(3, "出口退税申报后两个月没有到账，资金紧张，请协调", "ent-b", "area-2"),
    OpenDemand(4, "食品经营许可现场核查一直没安排", "ent-c", "area-1"),
]


def test_it_finds_the_same_enterprises_open_demand_that_says_the_same_thing():
    index = DuplicateIndex.build(OPEN)
    found = index.find("出口退税申报两个月还没到账，帮忙查一下进度", enterprise_id="ent-a", area_id="area-9")
    assert [c.id for c in found] == [1]
    assert found[0].same_enterprise and not found[0].same_area
    assert 0.5 <= found[0].similarity <= 1.0


PHRASES = [
    "出口退税",
    "到账",
    "路灯坏了",
    "食品经营许可",
    "现场核查",
    "用电增容",
    "请协调",
    "两个月",
    "ABC",
    "123",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(PHRASES), max_size=6).map("".join), min_size=1, max_size=12),
    st.lists(st.sampled_from(PHRASES), max_size=6).map("".join),
)
def test_an_areas_cosines_by_column_equal_the_plain_product(texts, query_text):
    index = DuplicateIndex.build(OpenDemand(i, t, f"ent-{i}", "area") for i, t in enumerate(texts))
    rows = np.array(index.by_area["area"], dtype=np.int64)
    block = index._rows_for(rows)
    query = index.vectoriser.transform([query_text])
    expected = (block @ query.T).toarray().ravel()
    # Both ways of numbering the block's n-grams: sorting them (small blocks) and marking them (large ones).
    for small_block in (0, 10**9):
        with patch.object(duplicates, "SMALL_BLOCK", small_block):
            assert np.allclose(AreaBlock.of(rows, block).cosines(query), expected, atol=1e-12)


OPERATION = st.one_of(
    st.tuples(
        st.just("add"),
        st.integers(0, 30),
        st.lists(st.sampled_from(PHRASES), min_size=1, max_size=5).map("".join),
        st.sampled_from(["ent-a", "ent-b", "ent-c", None]),
        st.sampled_from(["area-1", "area-2", None]),
    ),
    st.tuples(st.just("discard"), st.integers(0, 30)),
    st.tuples(
        st.just("find"),
        st.lists(st.sampled_from(PHRASES), min_size=1, max_size=5).map("".join),
        st.sampled_from(["ent-a", "ent-b", None]),
        st.sampled_from(["area-1", "area-2", None]),
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(OPERATION, max_size=60), st.sampled_from([1, 3, 64]))
def test_it_finds_what_a_plain_search_of_the_open_demands_finds_while_they_come_and_go(operations, tail_rows):
    """However demands are received, updated and closed, a query finds exactly the open demands of its
    enterprise or area that are similar enough — whether their rows are in the matrix, in the rows taken in
    apart, in an area's block or in its recent rows, and however often those are folded in or rebuilt."""
    index = DuplicateIndex.build([OpenDemand(100, "出口退税到账", "ent-a", "area-1")])
    live = {100: OpenDemand(100, "出口退税到账", "ent-a", "area-1")}
    with patch.object(duplicates, "TAIL_ROWS", tail_rows):
        for operation in operations:
            if operation[0] == "add":
                _, demand_id, text, enterprise, area = operation
                live[demand_id] = OpenDemand(demand_id, text, enterprise, area)
                index.add([live[demand_id]])
            elif operation[0] == "discard":
                live.pop(operation[1], None)
                index.discard([operation[1]])
            else:
                _, text, enterprise, area = operation
                found = {c.id: c.similarity for c in index.find(text, enterprise_id=enterprise, area_id=area)}
                query = index.vectoriser.transform([normalise(text)])
                expected = {}
                for d in live.values():
                    if (enterprise is not None and d.enterprise_id == enterprise) or (
                        area is not None and d.area_id == area
                    ):
                        similarity = float(
                            (index.vectoriser.transform([normalise(d.text)]) @ query.T).toarray()[0, 0]
                        )
                        if similarity >= duplicates.DUPLICATE_THRESHOLD:
                            expected[d.id] = similarity
                top = sorted(expected, key=lambda i: -expected[i])[:5]
                if len(expected) <= 5:
                    assert set(found) == set(expected)
                else:  # ties at the cut may fall either way
                    assert len(found) == 5 and min(found.values()) >= expected[top[-1]] - 1e-9
                for demand_id, similarity in found.items():
                    assert abs(similarity - expected[demand_id]) < 1e-9
    assert len(index) == len(live)


def test_threads_of_one_process_can_query_the_index_while_it_takes_in_changes():
    """The registry's index serves every thread of a process, and a query updates its lazy state."""
    import random
    import sys
    import threading

    texts = ["出口退税到账慢", "路灯坏了很危险", "食品经营许可核查", "用电增容申请", "招工难请协调"]
    index = DuplicateIndex.build(
        [OpenDemand(i, f"{texts[i % 5]}{i}", f"e{i % 7}", f"a{i % 3}") for i in range(300)]
    )
    errors: list[str] = []

    def changes(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for k in range(300):
                i = rng.randrange(600)
                if rng.random() < 0.3:
                    index.discard([i])
                else:
                    index.add([OpenDemand(i, f"{texts[i % 5]}{k}", f"e{i % 7}", f"a{i % 3}")])
        except Exception as error:  # any failure in a thread is the finding
            errors.append(repr(error))

    def queries(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(300):
                index.find(
                    texts[rng.randrange(5)],
                    enterprise_id=f"e{rng.randrange(7)}",
                    area_id=f"a{rng.randrange(3)}",
                )
        except Exception as error:
            errors.append(repr(error))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with patch.object(duplicates, "TAIL_ROWS", 2):
            threads = [threading.Thread(target=changes, args=(s,)) for s in range(2)]
            threads += [threading.Thread(target=queries, args=(s,)) for s in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(index) == len({d for (d,) in [(d,) for d in index.row_of]})
    assert all(index.row_of[index.ids[row]] == row for row in index.row_of.values())


def test_it_looks_only_at_the_same_enterprise_or_area():
    index = DuplicateIndex.build(OPEN)
    # Demand 3 says the same thing, but for another enterprise in another area: not a merge candidate.
    found = index.find("出口退税两个月没有到账", enterprise_id="ent-z", area_id="area-1")
    assert 3 not in [c.id for c in found]
    assert index.find("出口退税两个月没有到账") == []


def test_a_different_matter_of_the_same_enterprise_is_not_a_duplicate():
    index = DuplicateIndex.build(OPEN)
    assert index.find("想申请专精特新企业认定", enterprise_id="ent-a", area_id="area-1") == []


def test_it_keeps_up_with_new_and_closed_demands():
    index = DuplicateIndex.build(OPEN)
    index.add([OpenDemand(5, "园区道路积水严重，雨水井堵塞，车进不去", "ent-d", "area-3")])
    assert [c.id for c in index.find("雨水井堵了，园区道路积水进不去车", area_id="area-3")] == [5]
    index.discard([5])
    assert index.find("雨水井堵了，园区道路积水进不去车", area_id="area-3") == []
    assert len(index) == 4
    # Closed in an area that still has open demands: its row stays in the area's block but is never found.
    index.discard([1])
    assert index.find("出口退税申报两个月还没到账，帮忙查一下进度", area_id="area-1") == []
    # Received again with other words: found by what it says now.
    index.add([OpenDemand(1, "厂区门口路灯坏了，员工下班很危险，请修一下", "ent-a", "area-1")])
    found = index.find("厂区门口的路灯坏了，员工下班危险", area_id="area-1")
    assert sorted(c.id for c in found) == [1, 2]


def test_it_leaves_out_the_demand_being_registered():
    index = DuplicateIndex.build(OPEN)
    assert index.find(OPEN[0].text, enterprise_id="ent-a", exclude_id=1) == []


def test_it_clusters_a_problem_raised_by_several_enterprises_and_counts_them():
    start = datetime(2025, 3, 1)
    rows = [
        DemandForClustering(1, "园区天然气供应不足，价格太高，影响生产", "e1", start, "gxj"),
        DemandForClustering(2, "天然气供应不足价格高，生产受影响", "e2", start + timedelta(days=3), "gxj"),
        DemandForClustering(
            3, "天然气供应不足、气价太高，请区里协调", "e3", start + timedelta(days=5), "fgw"
        ),
        DemandForClustering(4, "员工工伤认定两个月没有结果", "e4", start + timedelta(days=6), "rsj"),
        DemandForClustering(5, "营业执照地址变更在哪办", "e5", start + timedelta(days=7), "scjgj"),
        # The same enterprise saying it twice is a duplicate, not a common problem.
        DemandForClustering(6, "路灯坏了很久没人修", "e6", start + timedelta(days=8), "cgw"),
        DemandForClustering(7, "路灯坏了很久一直没人修", "e6", start + timedelta(days=9), "cgw"),
    ]
    problems = find_common_problems(rows, start=start, end=start + timedelta(days=30))
    assert len(problems) == 1
    problem = problems[0]
    assert sorted(problem.demand_ids) == [1, 2, 3]
    assert problem.count == 3 and problem.enterprise_count == 3
    assert "天然气" in problem.keywords
    assert problem.departments == {"gxj": 2, "fgw": 1}
    assert problem.as_dict()["representative_id"] in {1, 2, 3}


def test_each_cluster_is_represented_by_its_most_central_demand_and_named_by_its_own_words():
    start = datetime(2025, 3, 1)
    rows = [
        # Gas: 11 says both halves, 12 and 13 one half each — 11 is the one most like the rest.
        DemandForClustering(12, "园区天然气供应不足，冬季保供困难", "e1", start),
        DemandForClustering(11, "园区天然气供应不足，冬季保供困难，气价太高影响生产", "e2", start),
        DemandForClustering(13, "气价太高影响生产，园区天然气", "e3", start),
        # Street lights: 23 says both halves (and sits last, where the gas cluster's centre does not).
        DemandForClustering(21, "厂区门口路灯坏了很久没人修", "e4", start),
        DemandForClustering(22, "夜里员工下班看不清路，非常危险，厂区门口", "e5", start),
        DemandForClustering(23, "厂区门口路灯坏了很久没人修，夜里员工下班看不清路，非常危险", "e6", start),
    ]
    problems = {min(p.demand_ids): p for p in find_common_problems(rows)}
    assert sorted(problems) == [11, 21]
    gas, lights = problems[11], problems[21]
    assert gas.representative_id == 11
    assert lights.representative_id == 23
    assert "天然气" in gas.keywords and not {"路灯", "厂区"} & set(gas.keywords)
    assert "路灯" in lights.keywords and not {"天然气", "气价"} & set(lights.keywords)


def test_it_counts_only_demands_of_the_period():
    start = datetime(2025, 3, 1)
    rows = [
        DemandForClustering(1, "天然气供应不足价格太高", "e1", start - timedelta(days=40)),
        DemandForClustering(2, "天然气供应不足价格高", "e2", start + timedelta(days=1)),
        DemandForClustering(3, "天然气供应不足、价格太高", "e3", start + timedelta(days=2)),
    ]
    problems = find_common_problems(rows, start=start, end=start + timedelta(days=30))
    assert [sorted(p.demand_ids) for p in problems] == [[2, 3]]


def test_a_common_problem_is_named_by_what_it_is_about_not_by_numbers_or_pronouns():
    start = datetime(2025, 3, 1)
    texts = [
        "我们员工社保转移接续办了三个月还没办完，一直没有结果",
        "员工社保转移接续三个月了还没办完，我们一直在等",
        "我们的社保转移接续已经三个月，一直办不完",
    ]
    rows = [DemandForClustering(i, t, f"e{i}", start, "rsj") for i, t in enumerate(texts)]
    [problem] = find_common_problems(rows, start=start, end=start + timedelta(days=30))
    assert {"社保", "转移", "接续"} <= set(problem.keywords)
    assert not {"我们", "三个", "三个月", "一直"} & set(problem.keywords), problem.keywords


def test_the_neighbourhood_graph_gives_dbscan_the_clusters_of_brute_force_cosine(monkeypatch):
    import random

    from sklearn.cluster import DBSCAN

    from demandloop.routing import duplicates
    from demandloop.routing.features import HashedNgramTfidf
    from demandloop.routing.text import normalise_many

    rng = random.Random(7)
    topics = [
        ["天然气供应不足", "气价太高", "冬季保供"],
        ["路灯坏了", "没人修", "夜间通行"],
        ["社保转移接续", "办了三个月", "没有结果"],
        ["营业执照", "地址变更", "在哪办理"],
        ["用电增容", "新上生产线", "变压器"],
        ["出口退税", "到账太慢", "资金周转"],
    ]
    # Texts of one topic share words with each other and none with another topic's; a few stand alone.
    texts = ["".join(rng.sample(topic, 2)) for topic in topics for _ in range(40)]
    texts += ["企业反映招工难", "希望组织银企对接会", "园区道路积水严重"]
    texts += [texts[0], texts[0], ""]  # the same text three times (distance 0), and an empty one
    matrix = HashedNgramTfidf((2, 2)).fit(normalise_many(texts)).transform(normalise_many(texts))
    brute = DBSCAN(eps=0.7, min_samples=2, metric="cosine").fit_predict(matrix)
    # Blocks of a few rows, so that the rows of one block meet their neighbours in others.
    monkeypatch.setattr(duplicates, "SIMILARITY_BLOCK", 7 * len(texts))
    graph = duplicates.neighbourhoods(matrix, 0.7)
    assert graph.nnz < len(texts) ** 2
    assert (DBSCAN(eps=0.7, min_samples=2, metric="precomputed").fit_predict(graph) == brute).all()
    assert len(set(brute) - {-1}) > 3, "the texts make several clusters"


def test_a_common_problem_is_named_by_its_matter_not_by_how_it_was_asked():
    start = datetime(2025, 3, 1)
    texts = [
        "企业反映消防验收整改意见不明确，希望相关部门上门指导。",
        "消防验收提出的整改意见不明确，希望有关部门尽快上门指导",
        "我们厂消防验收整改意见看不明白，希望相关部门提供指导",
    ]
    rows = [DemandForClustering(i, t, f"e{i}", start, "zjw") for i, t in enumerate(texts)]
    [problem] = find_common_problems(rows, start=start, end=start + timedelta(days=30))
    assert {"消防", "整改意见"} <= set(problem.keywords), problem.keywords
    assert not {"明确", "相关", "希望", "部门", "提供", "尽快"} & set(problem.keywords), problem.keywords


def test_a_common_problem_is_named_by_what_did_not_come_not_by_its_absence():
    start = datetime(2025, 3, 1)
    texts = [
        "我们申请的职业技能培训补贴已经公示完了，钱一直没拨到账",
        "职业技能培训补贴公示结束很久了，一直没拨付到账",
        "培训补贴公示完了，钱还没到账，请帮忙问问",
    ]
    rows = [DemandForClustering(i, t, f"e{i}", start, "rsj") for i, t in enumerate(texts)]
    [problem] = find_common_problems(rows, start=start, end=start + timedelta(days=30))
    assert {"补贴", "培训"} <= set(problem.keywords), problem.keywords
    assert not [w for w in problem.keywords if w.startswith(("没", "未"))], problem.keywords

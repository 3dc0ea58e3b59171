"""Area assignment from an address (the rules are in the module's docstring)."""

from __future__ import annotations

from demandloop.lib.address import AreaAssignment, AreaCandidate, assign_area

# Two towns; 静海镇 has two areas told apart by their streets, 团泊镇 has one area and no keywords,
# 大邱庄镇 has two areas sharing a road.
JINGHAI_EAST = AreaCandidate(1, 10, "静海镇", ("胜利大街", "东方红路", "团泊大道"))
JINGHAI_WEST = AreaCandidate(2, 10, "静海镇", ("西环路", "团泊"))
TUANBO = AreaCandidate(3, 20, "团泊镇", ())
DAQIUZHUANG_NORTH = AreaCandidate(4, 30, "大邱庄镇", ("百亿道", "津福公路"))
DAQIUZHUANG_SOUTH = AreaCandidate(5, 30, "大邱庄镇", ("津福公路南段", "尧舜路"))
ALL = [JINGHAI_EAST, JINGHAI_WEST, TUANBO, DAQIUZHUANG_NORTH, DAQIUZHUANG_SOUTH]


def test_it_assigns_the_area_whose_keyword_the_address_contains() -> None:
    assert assign_area("天津市静海区静海镇胜利大街12号", ALL) == AreaAssignment(1, "胜利大街")


def test_it_uses_keywords_when_the_address_names_no_locality() -> None:
    assert assign_area("天津市静海区西环路88号", ALL) == AreaAssignment(2, "西环路")


def test_it_prefers_the_longest_keyword() -> None:
    # "团泊" (west) is inside "团泊大道" (east): the more specific match wins.
    assert assign_area("静海镇团泊大道1号", ALL) == AreaAssignment(1, "团泊大道")
    assert assign_area("大邱庄镇津福公路南段6号", ALL) == AreaAssignment(5, "津福公路南段")


def test_it_places_an_address_by_the_locality_when_the_locality_has_one_area() -> None:
    assert assign_area("天津市静海区团泊镇健康产业园", ALL) == AreaAssignment(
        3, "团泊镇", by_locality_only=True
    )


def test_it_looks_only_at_the_areas_of_the_named_locality() -> None:
    # "团泊" is a keyword of 静海镇's west area, but the address is in 团泊镇.
    assert assign_area("天津市静海区团泊镇团泊湖路1号", ALL) == AreaAssignment(
        3, "团泊镇", by_locality_only=True
    )


def test_it_leaves_a_tie_between_areas_to_a_clerk() -> None:
    twins = [AreaCandidate(1, 10, "静海镇", ("新华路",)), AreaCandidate(2, 10, "静海镇", ("新华路",))]
    assert assign_area("静海镇新华路5号", twins) is None


def test_it_leaves_a_locality_with_several_areas_and_no_keyword_to_a_clerk() -> None:
    assert assign_area("天津市静海区静海镇某村", ALL) is None


def test_it_assigns_nothing_when_nothing_matches() -> None:
    assert assign_area("北京市朝阳区建国路1号", ALL) is None


def test_it_assigns_nothing_to_an_empty_address_or_without_areas() -> None:
    assert assign_area("", ALL) is None
    assert assign_area("   ", ALL) is None
    assert assign_area("静海镇胜利大街", []) is None


def test_it_ignores_blanks_and_full_width_forms() -> None:
    assert assign_area("静海镇 胜利 大街１２号", ALL) == AreaAssignment(1, "胜利大街")
    candidates = [AreaCandidate(7, 70, "开发区", ("Ａ区",)), AreaCandidate(8, 70, "开发区", ("B区",))]
    assert assign_area("开发区A区3号楼", candidates) == AreaAssignment(7, "A区")


def test_it_prefers_the_most_specific_locality_name() -> None:
    candidates = [
        AreaCandidate(1, 10, "静海镇", ()),
        AreaCandidate(2, 11, "静海经济开发区", ()),
    ]
    assert assign_area("天津市静海区静海经济开发区金海道", candidates) == AreaAssignment(
        2, "静海经济开发区", by_locality_only=True
    )


def test_it_ignores_empty_keywords() -> None:
    candidates = [AreaCandidate(1, 10, "静海镇", ("", "  ")), AreaCandidate(2, 10, "静海镇", ("西环路",))]
    assert assign_area("静海镇西环路", candidates) == AreaAssignment(2, "西环路")
    assert assign_area("静海镇东环路", candidates) is None

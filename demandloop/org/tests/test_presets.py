"""District presets reproduce the seeds, reload without change, and a broken one loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from demandloop.org.models import Area, Department, District, Domain, Exclusion, LeaderPost, Locality, Tier
from demandloop.org.presets import PresetError, load_preset, preset_models, read_preset

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every preset table, to compare before and after a reload."""
    return {model.__name__: sorted(model.objects.values_list()) for model in preset_models()}


def broken_copy(tmp_path: Path, code: str, mutate) -> Path:
    data = yaml.safe_load(read_preset_text(code))
    mutate(data)
    path = tmp_path / f"{code}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def read_preset_text(code: str) -> str:
    from django.conf import settings

    return (Path(settings.DEMANDLOOP_PRESET_DIR) / f"{code}.yaml").read_text(encoding="utf-8")


def test_it_loads_jinghai_with_the_seeds_counts():
    district = load_preset("jinghai").district
    assert district.name == "静海区"
    assert Area.objects.filter(district=district).count() == 24
    assert LeaderPost.objects.filter(district=district).count() == 29
    named = Department.objects.filter(district=district, in_working_group=True)
    assert sorted(named.values_list("name", flat=True)) == sorted(
        [
            "区政务服务办",
            "区市场监管局",
            "区税务局",
            "区生态环境局",
            "区应急管理局",
            "公安静海分局",
            "区人社局",
            "区工业和信息化局",
            "区商务局",
            "区投资促进局",
        ]
    )
    assert list(Domain.objects.filter(district=district).values_list("name", flat=True)) == [
        "经济调节",
        "市场监管",
        "社会管理",
        "公共服务",
        "生态环境保护",
    ]
    assert set(Exclusion.objects.filter(district=district).values_list("code", flat=True)) == {
        "litigation",
        "petition",
        "state_secret",
        "trade_secret",
        "privacy",
        "illegal",
    }
    tiers = list(Tier.objects.filter(district=district).values_list("level", "name", "response_days"))
    assert tiers == [
        (1, "属地直办·即时解决", 1),
        (2, "部门联办·片区统筹", 3),
        (3, "联席会商·提级办理", 7),
        (4, "市区联动·提级协调", None),
    ]


def test_it_covers_every_jinghai_area_by_at_least_one_leader():
    district = load_preset("jinghai").district
    uncovered = Area.objects.filter(district=district, leader_posts__isnull=True)
    assert not uncovered.exists()
    # Areas are cut along town, street and park boundaries: one locality each.
    assert Locality.objects.filter(district=district).count() == 24


def test_it_loads_nankai_with_the_seeds_counts():
    district = load_preset("nankai").district
    assert district.role_label("officer") == "助企服务员"
    streets = Locality.objects.filter(district=district, kind="street")
    assert streets.count() == 12
    assert not streets.filter(areas__isnull=True).exists(), "every street is divided into areas"
    working_group = Department.objects.filter(district=district, in_working_group=True)
    assert working_group.count() == 17
    assert working_group.get(kind="service_hub").name == "区政务服务办"
    assert working_group.get(kind="dispatch_hub").name == "区网格中心"
    assert set(Exclusion.objects.filter(district=district).values_list("code", flat=True)) == {
        "petition",
        "state_secret",
        "trade_secret",
        "privacy",
        "illegal",
    }
    assert list(Tier.objects.filter(district=district).values_list("response_days", flat=True)) == [
        1,
        3,
        7,
        None,
    ]
    assert Tier.objects.get(district=district, level=1).name == "街道园区渠道·即时办理"
    assert not LeaderPost.objects.filter(district=district).exists()


def test_it_changes_nothing_when_a_preset_is_loaded_twice():
    load_preset("jinghai")
    load_preset("nankai")
    before = snapshot()
    again = [load_preset("jinghai"), load_preset("nankai")]
    assert [report.changed for report in again] == [False, False]
    assert snapshot() == before


def test_it_puts_an_edited_value_back_on_reload():
    load_preset("nankai")
    Tier.objects.filter(district__code="nankai", level=2).update(response_days=5)
    report = load_preset("nankai")
    assert report.updated == {"tier": 1}
    assert Tier.objects.get(district__code="nankai", level=2).response_days == 3


def test_a_reload_moves_a_leader_post_s_areas_to_the_edited_file(tmp_path):
    load_preset("jinghai")
    posts = {post.code: post for post in LeaderPost.objects.filter(district__code="jinghai")}
    first, second = sorted(posts)[:2]
    areas_of = {code: set(posts[code].areas.values_list("code", flat=True)) for code in (first, second)}
    moved = sorted(areas_of[first])[0]
    kept = areas_of[first] - {moved}
    assert moved not in areas_of[second]

    def move(data):
        for row in data["leader_posts"]:
            if row["code"] == first:
                row["areas"].remove(moved)
            if row["code"] == second:
                row["areas"].append(moved)

    report = load_preset(broken_copy(tmp_path, "jinghai", move))
    assert report.updated == {"leader_post_areas": 2} and not report.created
    assert set(posts[first].areas.values_list("code", flat=True)) == kept
    assert set(posts[second].areas.values_list("code", flat=True)) == areas_of[second] | {moved}
    assert not load_preset(broken_copy(tmp_path, "jinghai", move)).changed


@pytest.mark.parametrize(
    ("mutate", "where", "words"),
    [
        (lambda d: d["areas"][3].__setitem__("locality", "nowhere"), "areas[3].locality", "nowhere"),
        (lambda d: d["tiers"][1].__setitem__("response_days", "three"), "tiers[1].response_days", "工作日"),
        (lambda d: d["tiers"].pop(), "tiers", "四级"),
        (lambda d: d["departments"][2].__setitem__("code", "Bad Code"), "departments[2].code", "Bad Code"),
        (lambda d: d["leader_posts"][5]["areas"].append("a99"), "leader_posts[5].areas[", "a99"),
        (lambda d: d["areas"][1].__setitem__("code", d["areas"][0]["code"]), "areas[1].code", "a01"),
        (lambda d: d["district"].pop("name"), "district.name", ""),
        (lambda d: d.__setitem__("format", 9), "format", "9"),
        (lambda d: d["localities"][0].__setitem__("kind", "village"), "localities[0].kind", "village"),
        (lambda d: d["tiers"][2].__setitem__("decider_roles", ["hub"]), "tiers[2].decider_roles", "为企服务"),
        (lambda d: d["tiers"][1].__setitem__("decider_roles", ["officer"]), "tiers[1].decider_roles", "三级"),
        (lambda d: d["departments"][3].__setitem__("phone", "022-283"), "departments[3].phone", "022-283"),
    ],
)
def test_it_refuses_a_broken_preset_naming_file_place_and_problem(tmp_path, mutate, where, words):
    path = broken_copy(tmp_path, "jinghai", mutate)
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    message = str(caught.value)
    assert message.startswith("jinghai.yaml: ")
    assert caught.value.where.startswith(where)
    assert words in message
    assert not District.objects.exists()
    assert all(not rows for rows in snapshot().values())


def test_it_refuses_localities_that_are_each_others_parents(tmp_path):
    def cycle(data):
        first, second = data["localities"][0], data["localities"][1]
        first["parent"], second["parent"] = second["code"], first["code"]

    path = broken_copy(tmp_path, "jinghai", cycle)
    codes = [row["code"] for row in yaml.safe_load(path.read_text(encoding="utf-8"))["localities"][:2]]
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    assert caught.value.where == "localities"
    assert all(code in caught.value.problem for code in codes) and "循环" in caught.value.problem
    assert not District.objects.exists()


def test_it_loads_nothing_when_a_late_row_is_broken_even_after_an_earlier_load(tmp_path):
    load_preset("jinghai")
    before = snapshot()
    path = broken_copy(
        tmp_path,
        "jinghai",
        lambda d: (d["areas"][0].__setitem__("name", "改名"), d["leader_posts"][28]["areas"].append("zz")),
    )
    with pytest.raises(PresetError):
        load_preset(path)
    assert snapshot() == before


def test_it_reports_yaml_syntax_errors_with_line_and_column(tmp_path):
    path = tmp_path / "jinghai.yaml"
    path.write_text("format: 1\ndistrict: {code: jinghai\n  name: [\n", encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        read_preset(path)
    assert "jinghai.yaml" in str(caught.value)
    assert "YAML" in str(caught.value)


def test_it_loads_a_new_district_from_a_new_file_without_code(tmp_path):
    def rename(d):
        d["district"]["code"] = "newdistrict"
        d["district"]["name"] = "新区"

    data = yaml.safe_load(read_preset_text("nankai"))
    rename(data)
    path = tmp_path / "newdistrict.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    district = load_preset(path).district
    assert district.code == "newdistrict"
    assert Area.objects.filter(district=district).count() == 36


def test_init_command_refuses_a_broken_preset_with_a_clear_message(tmp_path):
    path = broken_copy(tmp_path, "nankai", lambda d: d["tiers"][0].__setitem__("level", 7))
    with pytest.raises(CommandError) as caught:
        call_command("init", "--preset", str(path), "--no-migrate")
    assert "nankai.yaml: tiers[0].level" in str(caught.value)
    assert not District.objects.exists()


def test_init_command_loads_all_presets_and_a_second_run_changes_nothing():
    call_command("init", "--preset", "all", "--no-migrate")
    before = snapshot()
    assert District.objects.count() == 2
    call_command("init", "--preset", "all", "--no-migrate")
    assert snapshot() == before


def test_init_command_loads_each_districts_faq_handbook_once():
    from demandloop.knowledge.models import FaqEntry

    call_command("init", "--preset", "all", "--no-migrate")
    counts = {code: FaqEntry.objects.filter(district__code=code).count() for code in ("jinghai", "nankai")}
    assert all(n >= 40 for n in counts.values()), counts
    call_command("init", "--preset", "all", "--no-migrate")
    assert {c: FaqEntry.objects.filter(district__code=c).count() for c in counts} == counts

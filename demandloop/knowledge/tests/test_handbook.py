"""The seed handbooks load idempotently, keep versions, and name real departments."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings

from demandloop.knowledge import handbook
from demandloop.knowledge.handbook import HandbookError, load_handbook, read_handbook
from demandloop.knowledge.models import FaqEntry


@pytest.mark.parametrize("code", ["jinghai", "nankai"])
def test_each_preset_has_a_handbook_of_forty_entries_or_more(code):
    entries = read_handbook(code)
    assert len(entries) >= 40
    preset = yaml.safe_load((settings.DEMANDLOOP_PRESET_DIR / f"{code}.yaml").read_text(encoding="utf-8"))
    departments = {d["code"] for d in preset["departments"]}
    assert {e["department"] for e in entries} <= departments
    assert all(e["contacts"] and e["keywords"] for e in entries)


def test_loading_twice_changes_nothing(jinghai):
    first = load_handbook("jinghai")
    second = load_handbook("jinghai")
    assert first.created == FaqEntry.objects.filter(district=jinghai).count() >= 40
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created


def test_a_changed_answer_raises_the_version_and_keeps_the_old_text(jinghai, tmp_path, monkeypatch):
    load_handbook("jinghai")
    data = yaml.safe_load(handbook.handbook_path("jinghai").read_text(encoding="utf-8"))
    data["entries"][0]["answer"] = "新的答复口径。"
    monkeypatch.setattr(handbook, "HANDBOOK_DIR", tmp_path)
    (tmp_path / "jinghai.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = load_handbook("jinghai")
    assert (result.created, result.updated) == (0, 1)
    entry = FaqEntry.objects.get(district=jinghai, code=data["entries"][0]["code"])
    assert entry.version == 2 and entry.answer == "新的答复口径。"
    assert entry.history.count() == 2
    assert entry.history.earliest().answer != "新的答复口径。"


def test_an_entry_the_hub_added_is_left_alone(jinghai):
    own = FaqEntry.objects.create(
        district=jinghai, code="hub-own", question="本区自编问题？", answer="答复。"
    )
    load_handbook("jinghai")
    own.refresh_from_db()
    assert own.version == 1 and own.answer == "答复。"


def test_a_department_of_another_district_is_refused(nankai, tmp_path, monkeypatch):
    monkeypatch.setattr(handbook, "HANDBOOK_DIR", tmp_path)
    entry = {"code": "x", "question": "问？", "answer": "答。", "department": "sthjj"}
    (tmp_path / "nankai.yaml").write_text(
        yaml.safe_dump({"entries": [entry]}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(HandbookError, match="sthjj"):
        load_handbook("nankai")
    assert not FaqEntry.objects.exists()


def test_an_entry_without_an_answer_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(handbook, "HANDBOOK_DIR", tmp_path)
    entries = [
        {"code": "a", "question": "问？", "answer": "答。"},
        {"code": "b", "question": "问？", "answer": ""},
    ]
    (tmp_path / "jinghai.yaml").write_text(
        yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(HandbookError, match="2"):
        read_handbook("jinghai")


def test_a_district_must_be_loaded_first(db):
    with pytest.raises(HandbookError):
        load_handbook("jinghai")

"""Every user-facing string has its Chinese translation: catalogues are complete and up to date with the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
# Apps may nest (demandloop/integrations/hotline12345): each has its own catalogue, and its parent's excludes it.
APPS = sorted(p.parent for p in (ROOT / "demandloop").rglob("apps.py"))
DJANGO_ADMIN = [sys.executable, "-m", "django"]


def catalogue(base: Path) -> Path:
    return base / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def extract(source: Path, tmp_path: Path, ignore: list[str]) -> set[tuple[str | None, str]]:
    """Run makemessages over a copy of `source` and return the (context, msgid) pairs found in the code."""
    copy = tmp_path / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", *ignore))
    (copy / "locale").mkdir(exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [*DJANGO_ADMIN, "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    path = catalogue(copy)
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))} if path.exists() else set()


def translated(path: Path) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if e.msgstr or e.msgstr_plural}


def all_catalogues() -> list[Path]:
    return [p for p in [catalogue(ROOT), *(catalogue(app) for app in APPS)] if p.exists()]


@pytest.mark.parametrize("path", all_catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_entry_is_translated_and_not_fuzzy(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{path}: untranslated {untranslated}"
    assert not fuzzy, f"{path}: fuzzy {fuzzy}"


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_every_string_of_an_app_is_in_its_catalogue(app, tmp_path):
    found = extract(app, tmp_path, ["tests", *(nested.name for nested in APPS if nested.parent == app)])
    if not found:
        return
    path = catalogue(app)
    assert path.exists(), f"{app.name} has user-facing strings but no locale/zh_Hans catalogue"
    missing = sorted(found - translated(path), key=str)
    assert not missing, f"{app.name}: strings without a Chinese translation: {missing}"


def test_every_string_of_the_templates_and_config_is_in_the_project_catalogue(tmp_path):
    found = extract(ROOT / "templates", tmp_path / "t", []) | extract(ROOT / "config", tmp_path / "c", [])
    missing = sorted(found - translated(catalogue(ROOT)), key=str)
    assert not missing, f"templates/config: strings without a Chinese translation: {missing}"


def test_a_string_reads_the_same_in_every_catalogue():
    """Django merges the catalogues and the first one that has a string wins everywhere (the project's, then the
    apps in INSTALLED_APPS order): a second translation of the same string in a later app is never shown. So a
    string has one translation; where an app means something else by it, a context tells the two apart."""
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in all_catalogues():
        for entry in polib.pofile(str(path)):
            text = entry.msgstr or str(sorted(entry.msgstr_plural.items()))
            seen.setdefault((entry.msgctxt, entry.msgid), {})[str(path.relative_to(ROOT))] = text
    differing = {key: where for key, where in seen.items() if len(set(where.values())) > 1}
    assert not differing, "translated differently (make them one, or give a context): " + "\n".join(
        f"{key}: {where}" for key, where in differing.items()
    )


def test_a_word_that_means_different_things_in_two_apps_is_told_apart_by_its_context():
    """Django merges the apps' catalogues and the first "title" wins everywhere: a person's post (职务) had become
    the title of every meeting on the meetings page. Each meaning other than 标题 now carries its context."""
    from django.utils import translation

    from demandloop.demands.models import Demand
    from demandloop.integrations.choices import TopicChoices
    from demandloop.integrations.models import Notification
    from demandloop.knowledge.models import FaqEntry, TypicalCase
    from demandloop.meetings.forms import MeetingForm
    from demandloop.meetings.models import Meeting, MeetingAgendaItem, MeetingAttendee
    from demandloop.org.models import Department, LeaderPost, Membership
    from demandloop.routing.api import CommonProblemsQuerySerializer

    with translation.override("zh-hans"):
        assert str(Demand._meta.get_field("title").verbose_name) == "标题"
        assert str(Meeting._meta.get_field("title").verbose_name) == "名称"
        assert str(MeetingForm.base_fields["title"].label) == "名称"
        assert str(Membership._meta.get_field("title").verbose_name) == "职务"
        # The same with the other words two apps meant differently by (each had its app's translation, and the
        # first app's was shown everywhere).
        assert str(Department._meta.get_field("name").verbose_name) == "名称"
        assert str(MeetingAttendee._meta.get_field("name").verbose_name) == "姓名"
        assert str(Notification._meta.get_field("topic").verbose_name) == "消息类别"
        assert str(TopicChoices.SUPERVISION.label) == "督办"
        assert str(TypicalCase._meta.get_field("outcome").verbose_name) == "成效"
        assert str(FaqEntry._meta.get_field("keywords").verbose_name) == "关键词"
        assert str(CommonProblemsQuerySerializer().fields["start"].label) == "起始日期"
        assert str(MeetingAgendaItem._meta.get_field("topic").verbose_name) == "议题"
        assert str(LeaderPost._meta.get_field("title").verbose_name) == "职务"

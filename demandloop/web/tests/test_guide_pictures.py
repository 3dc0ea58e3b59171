"""The user guide's pictures exist and each is taken by a browser test (`make screenshots` renews them all)."""

from __future__ import annotations

import re

from demandloop.web.tests.browser import GUIDE_SCREENSHOTS, ROOT

PICTURE = re.compile(r"\]\((?:docs/)?screenshots/([a-z0-9-]+)\.png\)")
# `person.shot("name")`, or a helper's `shot="name"` argument that it passes on.
SHOT = re.compile(r"""(?:\.shot\(\s*|\bshot=)["']([a-z0-9-]+)["']""")


def test_every_picture_of_the_guide_exists_and_a_test_takes_it():
    shown = {
        name
        for doc in (ROOT / "docs" / "guide.md", ROOT / "README.md")
        for name in PICTURE.findall(doc.read_text())
    }
    assert len(shown) > 30, "the guide shows the pages of every role"
    taken = {
        name
        for path in ROOT.joinpath("demandloop").rglob("test_*.py")
        for name in SHOT.findall(path.read_text(encoding="utf-8"))
    }
    assert not sorted(name for name in shown if not (GUIDE_SCREENSHOTS / f"{name}.png").is_file()), "missing"
    assert sorted(shown - taken) == [], "shown in the guide, but no test takes it: it could not be renewed"

"""Only the front-end files the pages use are served from the npm packages, with the source maps they name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

from demandloop.core.staticfiles import VendorFinder

ROOT = Path(__file__).resolve().parents[3]
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"](vendor/[^'"]+)['"]""")


def test_every_vendor_file_a_template_or_the_api_docs_ask_for_is_served():
    asked = {
        name
        for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("demandloop/**/templates/**/*.html")]
        for name in STATIC_TAG.findall(path.read_text(encoding="utf-8"))
    }
    docs = settings.SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"].removeprefix(settings.STATIC_URL)
    asked |= {
        f"{docs}/{name}"
        for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")
    }
    asked.add(settings.SPECTACULAR_SETTINGS["SWAGGER_UI_FAVICON_HREF"].removeprefix(settings.STATIC_URL))
    assert {"vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js"} <= asked
    missing = sorted(name for name in asked if not finders.find(name))
    assert not missing, f"listed in no VENDOR_FILES entry: {missing}"


def test_the_rest_of_a_package_is_not_served():
    assert finders.find("vendor/echarts/echarts.js") in (None, [])
    assert finders.find("vendor/echarts/extension/bmap.js") in (None, [])
    assert finders.find("vendor/bootstrap/css/bootstrap.min.css.map"), "a map the stylesheet names is served"


def test_a_named_source_map_comes_along_and_a_missing_listed_file_is_a_check_error(
    settings: Any, tmp_path: Path
):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.min.js").write_text("var a=1;\n//# sourceMappingURL=a.min.js.map\n")
    (tmp_path / "js" / "a.min.js.map").write_text("{}")
    (tmp_path / "b.css").write_text("b{color:red}\n/*# sourceMappingURL=data:application/json;base64,e30= */")
    (tmp_path / "c.js").write_text("//# sourceMappingURL=c.js.map")  # names a map the package lacks
    (tmp_path / "unlisted.js").write_text("")
    settings.VENDOR_FILES = {"vendor/x": (tmp_path, ["js/a.min.js", "b.css", "c.js"])}
    finder = VendorFinder()
    assert sorted(name for name, _storage in finder.list([])) == [
        "b.css",
        "c.js",
        "js/a.min.js",
        "js/a.min.js.map",
    ]
    assert finder.find("vendor/x/js/a.min.js.map") == str(tmp_path / "js" / "a.min.js.map")
    assert finder.find("vendor/x/unlisted.js") == []
    assert finder.find("vendor/x/b.css", find_all=True) == [str(tmp_path / "b.css")]
    assert finder.check() == []

    settings.VENDOR_FILES = {"vendor/x": (tmp_path, ["js/a.min.js", "gone.js"])}
    errors = VendorFinder().check()
    assert len(errors) == 1 and "gone.js" in errors[0].msg and "npm ci" in errors[0].msg

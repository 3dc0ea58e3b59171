"""The front-end libraries' files the pages use, served from their pinned npm packages (settings.VENDOR_FILES).

Django's FileSystemFinder would serve a package's whole distribution folder: collectstatic then copied and
compressed every build of ECharts and every source map, 184 MB for five files. This finder offers only the files
named in the settings, plus the source map each of them names (`sourceMappingURL`), which the manifest storage
follows when it fingerprints the file and the browser's developer tools read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

SOURCE_MAP = re.compile(rb"sourceMappingURL=([^\s*'\"]+)")
# The comment is at the end of the file; reading its tail is enough.
TAIL = 4096


def source_map_of(path: Path) -> str | None:
    """The source map `path` names at its end (relative to its folder), if any and if it is a file."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - TAIL))
        found = SOURCE_MAP.findall(handle.read())
    if not found:
        return None
    name = found[-1].decode("utf-8", "replace")
    if name.startswith("data:") or "://" in name:
        return None
    return str(Path(path.parent, name).relative_to(path.parent))


class VendorFinder(BaseFinder):
    """Finds the listed files of each package under its URL prefix ("vendor/bootstrap/css/bootstrap.min.css")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, FileSystemStorage] = {}
        self.files: dict[str, list[str]] = {}
        for prefix, (root, names) in settings.VENDOR_FILES.items():
            storage = FileSystemStorage(location=str(root))
            storage.prefix = prefix  # type: ignore[attr-defined]
            self.storages[prefix] = storage
            self.files[prefix] = self._with_source_maps(Path(root), names)

    @staticmethod
    def _with_source_maps(root: Path, names: list[str]) -> list[str]:
        found = []
        for name in names:
            found.append(name)
            path = root / name
            if path.is_file():
                source_map = source_map_of(path)
                if source_map is not None and (path.parent / source_map).is_file():
                    found.append(str((path.parent / source_map).relative_to(root)))
        return found

    def check(self, **kwargs: Any) -> list[Error]:
        errors = []
        for prefix, names in self.files.items():
            root = Path(self.storages[prefix].location)
            for name in names:
                if not (root / name).is_file():
                    errors.append(
                        Error(
                            f"{root / name} is missing: run `make setup` (npm ci) or fix settings.VENDOR_FILES.",
                            id="demandloop.E001",
                        )
                    )
        return errors

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        find_all = find_all or bool(kwargs.get("all", False))  # Django 5.2 still passes `all` in places
        matches: list[str] = []
        for prefix, names in self.files.items():
            if not path.startswith(prefix + "/"):
                continue
            name = path[len(prefix) + 1 :]
            if name in names:
                full = str(Path(self.storages[prefix].location, name))
                if not find_all:
                    return full
                matches.append(full)
        return matches if find_all else []

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for prefix, names in self.files.items():
            for name in names:
                yield name, self.storages[prefix]

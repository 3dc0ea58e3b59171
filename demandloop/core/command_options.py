"""The options that several commands share — a district by its code, a file to write chosen by its extension —
checked the same way, with a Chinese message and no traceback when they are wrong (STYLE.md: bad input gets a
clear error)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import OperationalError, ProgrammingError
from django.utils.translation import gettext as _


def out_file(value: str | None, extensions: Sequence[str], example: str) -> tuple[Path, str]:
    """The --out path and its extension (lower case, no dot), one of `extensions`."""
    if not value:
        raise CommandError(
            _("--out is required: the file to write, e.g. --out %(example)s.") % {"example": example}
        )
    out = Path(value)
    extension = out.suffix.lower().lstrip(".")
    if extension not in extensions:
        raise CommandError(
            _("--out must end in %(extensions)s, not “%(name)s”.")
            % {"extensions": _(" or ").join(f".{e}" for e in extensions), "name": out.name}
        )
    return out, extension


@contextmanager
def database_ready() -> Iterator[None]:
    """A database without the platform's tables: say what to do rather than print a traceback."""
    try:
        yield
    except (OperationalError, ProgrammingError) as error:
        raise CommandError(
            _("The database is not ready (%(error)s); run `demandloop init` first.") % {"error": error}
        ) from None


def district_by_code(value: str | None) -> Any:
    """The district named by --district, or a message naming the loaded ones."""
    from demandloop.org.models import District

    code = (value or "").strip()
    if not code:
        raise CommandError(_("--district is required: the district's code, e.g. --district jinghai."))
    with database_ready():
        district = District.objects.filter(code=code).first()
        if district is None:
            known = ", ".join(District.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                _("No district has the code “%(code)s” (loaded: %(known)s).")
                % {"code": code, "known": known or "—"}
            )
    return district


def write_file(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as error:
        raise CommandError(
            _("Cannot write %(path)s: %(error)s") % {"path": out, "error": error.strerror or error}
        ) from None

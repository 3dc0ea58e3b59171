"""Load a district's seed handbook (`handbooks/<district>.yaml`) into `FaqEntry` rows, idempotently.

Called by `demandloop init` after the district's preset. Entries are matched by code: a new code is created, a
changed entry is updated and its version raised (its history keeps the old text), an unchanged one is left
alone, and entries the hub added itself are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from demandloop.lib.yamlfile import load_yaml

HANDBOOK_DIR = Path(__file__).resolve().parent / "handbooks"
FIELDS = ("question", "answer", "contacts", "keywords")


class HandbookError(ValueError):
    """A handbook file that cannot be loaded, with the entry and field named."""


@dataclass(frozen=True)
class HandbookResult:
    created: int
    updated: int
    unchanged: int


def handbook_path(district_code: str) -> Path:
    return HANDBOOK_DIR / f"{district_code}.yaml"


def read_handbook(district_code: str) -> list[dict[str, Any]]:
    """The entries of a handbook file, validated (every entry names its code, question, answer)."""
    path = handbook_path(district_code)
    if not path.is_file():
        raise HandbookError(_("No handbook file for district %(code)s.") % {"code": district_code})
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    entries = data.get("entries") or []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        for field in ("code", "question", "answer"):
            if not str(entry.get(field) or "").strip():
                raise HandbookError(
                    _("Handbook entry %(number)s: the field %(field)s is empty.")
                    % {"number": number, "field": field}
                )
        if entry["code"] in seen:
            raise HandbookError(
                _("Handbook entry %(number)s: the code %(code)s appears twice.")
                % {"number": number, "code": entry["code"]}
            )
        seen.add(entry["code"])
    return entries


def load_handbook(district_code: str) -> HandbookResult:
    """Create or update the district's seed entries; run it as often as you like."""
    from demandloop.knowledge.models import FaqEntry
    from demandloop.org.models import Department, District

    entries = read_handbook(district_code)
    district = District.objects.filter(code=district_code).first()
    if district is None:
        raise HandbookError(
            _("District %(code)s is not loaded; load its preset first.") % {"code": district_code}
        )
    departments = {d.code: d for d in Department.objects.filter(district=district)}
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {e.code: e for e in FaqEntry.objects.select_for_update().filter(district=district)}
        for order, entry in enumerate(entries, start=1):
            code = entry.get("department") or ""
            if code and code not in departments:
                raise HandbookError(
                    _("Handbook entry %(entry)s: department %(code)s is not a department of %(district)s.")
                    % {"entry": entry["code"], "code": code, "district": district_code}
                )
            values = {
                "question": str(entry["question"]).strip(),
                "answer": str(entry["answer"]).strip(),
                "contacts": str(entry.get("contacts") or "").strip(),
                "keywords": [str(k) for k in entry.get("keywords") or []],
            }
            department = departments.get(code)
            current = existing.get(entry["code"])
            if current is None:
                FaqEntry.objects.create(
                    district=district, code=entry["code"], department=department, order=order, **values
                )
                created += 1
                continue
            changed = any(getattr(current, f) != values[f] for f in FIELDS) or current.department_id != (
                department.pk if department else None
            )
            if not changed:
                unchanged += 1
                continue
            for f in FIELDS:
                setattr(current, f, values[f])
            current.department = department
            current.version += 1
            current.save()
            updated += 1
    return HandbookResult(created, updated, unchanged)

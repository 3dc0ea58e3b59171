"""The published handbook (高频事项应答手册 / 惠企政策) as the portal lists it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from demandloop.knowledge.models import FaqEntry
from demandloop.knowledge.queries import matching_entries


def published_entries(district_ids: Collection[int], text: str = "") -> list[Any]:
    """Published entries of the districts holding every word of `text`; the whole handbook without it (a
    handbook has tens to a few hundred questions, and an enterprise must be able to see every one)."""
    entries = FaqEntry.objects.published().filter(district_id__in=district_ids).select_related("department")
    return list(matching_entries(entries, text).order_by("order", "pk"))

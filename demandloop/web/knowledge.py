"""The published handbook (高频事项应答手册 / 惠企政策) as the portal lists it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q

from demandloop.knowledge.models import FaqEntry


def published_entries(district_ids: Collection[int], text: str = "", limit: int = 50) -> list[Any]:
    """Published entries of the districts whose question, answer or department matches `text`."""
    entries = FaqEntry.objects.published().filter(district_id__in=district_ids).select_related("department")
    if text:
        entries = entries.filter(
            Q(question__icontains=text) | Q(answer__icontains=text) | Q(department__name__icontains=text)
        )
    return list(entries.order_by("order", "pk")[:limit])

"""The published FAQ handbook (高频事项应答手册 / 惠企政策) as the portal reads it.

The handbook is `demandloop.knowledge.models.FaqEntry` (another app). Until that model exists the portal says the
module is not available instead of showing an empty list as if there were no answers.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.apps import apps
from django.db.models import Q


def faq_model() -> Any:
    try:
        return apps.get_model("knowledge", "FaqEntry")
    except LookupError:
        return None


def published_entries(district_ids: Collection[int], text: str = "", limit: int = 50) -> list[Any] | None:
    """Published entries of the districts, matching `text` in question or answer; None without the module."""
    model = faq_model()
    if model is None:
        return None
    field_names = {f.name for f in model._meta.get_fields()}
    entries = model.objects.filter(district_id__in=district_ids)
    if "is_published" in field_names:
        entries = entries.filter(is_published=True)
    elif "published" in field_names:
        entries = entries.filter(published=True)
    if text:
        entries = entries.filter(Q(question__icontains=text) | Q(answer__icontains=text))
    return list(entries.order_by("pk")[:limit])

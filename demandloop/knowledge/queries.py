"""Reads of the handbook: the published entries of a district as a ranking index, cached per process."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from demandloop.knowledge.models import FaqEntry
from demandloop.knowledge.search import FaqDocument, FaqIndex

_lock = threading.Lock()
_indexes: dict[int, tuple[Any, FaqIndex]] = {}


def faq_index_for(district_id: int) -> FaqIndex:
    """The BM25 index of the district's published entries; rebuilt when an entry changes (one cheap query)."""
    entries = FaqEntry.objects.published().filter(district_id=district_id)
    signature = tuple(entries.aggregate(n=Count("pk"), at=Max("updated_at")).values())
    with _lock:
        cached = _indexes.get(district_id)
        if cached and cached[0] == signature:
            return cached[1]
    documents = [
        FaqDocument(
            e.pk,
            e.code,
            e.question,
            e.answer,
            tuple(e.keywords or ()),
            e.department.code if e.department else "",
            e.contacts,
        )
        for e in entries.select_related("department")
    ]
    index = FaqIndex(documents)
    with _lock:
        _indexes[district_id] = (signature, index)
    return index


def matching_entries(entries: QuerySet[FaqEntry], text: str) -> QuerySet[FaqEntry]:
    """The entries holding every word of `text` (split at spaces) in the question, answer, contacts, keywords or
    department: what a person looking through the handbook expects, where the BM25 ranking (`faq_index_for`) is
    for matching a whole demand."""
    for word in text.split():
        entries = entries.filter(
            Q(question__icontains=word)
            | Q(answer__icontains=word)
            | Q(contacts__icontains=word)
            | Q(keywords__icontains=word)
            | Q(department__name__icontains=word)
        )
    return entries

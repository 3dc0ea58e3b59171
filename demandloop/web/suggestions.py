"""Answers from the handbook (高频事项应答手册) shown to an enterprise while it types its demand.

Staff registering a demand see the router's whole suggestion — departments, domain, tier, screening evidence, FAQ
answers and possible duplicates — through the router's own partial (`demandloop.routing.views`, issue 6). An
enterprise sees only what helps it: published answers of its district that match its words, ranked by the
handbook's BM25 index (`demandloop.knowledge.queries.faq_index_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from demandloop.knowledge.queries import faq_index_for

MIN_TEXT = 6


def faq_answers(district_ids: Iterable[int], text: str, *, limit: int = 3) -> list[dict[str, Any]]:
    """The best published answers for `text` in the districts, best first; none for too little text."""
    if len(text.strip()) < MIN_TEXT:
        return []
    matches = [
        match for district_id in sorted(district_ids) for match in faq_index_for(district_id).search(text)
    ]
    matches.sort(key=lambda match: -match.score)
    return [match.as_dict() for match in matches[:limit]]

"""Which 片区 an address lies in, from each area's address keywords and its locality's name (pure).

The rule, meant to be predictable for the clerk who reads the result:
1. If the address names one or more localities (乡镇 / 街道 / 园区), only areas of the most specific (longest)
   named locality are candidates; otherwise every area is.
2. Among the candidates, the area with the longest keyword found in the address wins
   ("团泊大道" beats "团泊").
3. A candidate locality with a single area needs no keyword: the locality's name places the address.
4. Two areas with equally long best keywords, or a named locality with several areas and no keyword: no area.
   Guessing would hide the question from the clerk who must decide (DESIGN.md §6, ledger).
Matching ignores blanks and full-width forms (NFKC), so "团泊 大道１号" matches "团泊大道".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AreaCandidate:
    """What an area offers to the matcher: its id, its keywords and its locality."""

    area_id: int
    locality_id: int
    locality_name: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class AreaAssignment:
    """The area chosen for an address and the words that decided it."""

    area_id: int
    matched: str
    by_locality_only: bool = False


def _normalize(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _longest_found(address: str, words: Iterable[str]) -> str:
    found = [word for word in (_normalize(word) for word in words) if word and word in address]
    return max(found, key=len, default="")


def assign_area(address: str, candidates: Sequence[AreaCandidate]) -> AreaAssignment | None:
    """The area `address` lies in, or None when the address does not settle it (see the module's rules)."""
    text = _normalize(address)
    if not text or not candidates:
        return None
    locality_names = {c.locality_id: _normalize(c.locality_name) for c in candidates}
    named = {lid: name for lid, name in locality_names.items() if name and name in text}
    pool: Sequence[AreaCandidate] = candidates
    if named:
        longest = max(len(name) for name in named.values())
        chosen = {lid for lid, name in named.items() if len(name) == longest}
        pool = [c for c in candidates if c.locality_id in chosen]
    scored = [(c, _longest_found(text, c.keywords)) for c in pool]
    best = max(len(word) for _, word in scored)
    if best:
        winners = [(c, word) for c, word in scored if len(word) == best]
        if len(winners) == 1:
            return AreaAssignment(area_id=winners[0][0].area_id, matched=winners[0][1])
        return None
    if named and len(pool) == 1:
        only = pool[0]
        return AreaAssignment(area_id=only.area_id, matched=named[only.locality_id], by_locality_only=True)
    return None

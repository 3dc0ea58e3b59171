"""Reads of the annual 十佳服务案例: the candidates of a year with the facts that help choose, and who may download
which casebook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from demandloop.knowledge.cases import DemandFacts4Case, facts_of, hub_district_ids
from demandloop.knowledge.choices import CaseStatusChoices
from demandloop.knowledge.models import CaseSelection, TypicalCase
from demandloop.org.scope import resolve_scope


def candidates(district: Any, year: int) -> list[TypicalCase]:
    """The accepted cases of the district and year: the ones a selection can hold."""
    return list(
        TypicalCase.objects.filter(district=district, year=year, status=CaseStatusChoices.ACCEPTED)
        .select_related("district", "author", "demand__enterprise", "demand__tier", "demand__lead_department")
        .order_by("-accepted_at", "-pk")
    )


@dataclass(frozen=True)
class Candidate:
    case: TypicalCase
    facts: DemandFacts4Case
    rank: int | None


def candidate_rows(district: Any, year: int, selection: CaseSelection | None) -> list[Candidate]:
    """Every candidate with its facts and its place in the selection (None when not chosen), chosen first."""
    ranks = dict(selection.entries.values_list("case_id", "rank")) if selection else {}
    cases = candidates(district, year)
    facts = facts_of([case.demand for case in cases])
    rows = [Candidate(case, facts[case.demand_id], ranks.get(case.pk)) for case in cases]
    return sorted(rows, key=lambda row: (row.rank is None, row.rank or 0))


def case_years(district: Any) -> list[int]:
    """The years the district has cases of, newest first."""
    return sorted(
        set(TypicalCase.objects.filter(district=district).values_list("year", flat=True)), reverse=True
    )


def download_allowed(user: Any, district: Any, collection: str) -> bool:
    """The published top ten is for everyone of the district (静海 §三(三): 宣传); the whole year's library is the
    hub's working list."""
    if district.pk in hub_district_ids(user):
        return True
    return collection == "top10" and district.pk in resolve_scope(user).district_ids

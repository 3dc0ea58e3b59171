"""One routing decision: screening, domain, departments, complexity, tier, FAQ answers, duplicates.

`decide()` is pure (model, indexes and district context in; a JSON-ready decision out). `suggest()` fetches those
inputs for a district — the model loaded once per process, the FAQ and duplicate indexes kept current — and is
what the registration form, the API and `demandloop route TEXT` call. A decision is a suggestion: the officer
confirms or changes it, and `do_triage(..., routing_suggestion=decision.as_dict())` keeps both side by side.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from demandloop.knowledge.search import FaqIndex
from demandloop.routing.classifier import TextClassifier
from demandloop.routing.duplicates import DuplicateCandidate, DuplicateIndex
from demandloop.routing.queries import DistrictContext
from demandloop.routing.screening import screen

SIMPLE = "simple"


@dataclass
class RoutingDecision:
    """Everything the router suggests for one demand (JSON-serialisable through `as_dict`)."""

    district: str
    screening: dict[str, Any]
    domain: dict[str, Any] | None = None
    departments: list[dict[str, Any]] = field(default_factory=list)
    complexity: dict[str, Any] | None = None
    tier: dict[str, Any] | None = None
    faq: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    @property
    def out_of_scope(self) -> bool:
        return bool(self.screening.get("out_of_scope"))

    @property
    def department(self) -> str | None:
        return self.departments[0]["code"] if self.departments else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "screening": self.screening,
            "domain": self.domain,
            "departments": self.departments,
            "complexity": self.complexity,
            "tier": self.tier,
            "faq": self.faq,
            "duplicates": self.duplicates,
            "model": self.model,
            "notes": self.notes,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


def _named(ranked: dict[str, Any], names: dict[Any, str], key: str = "code") -> dict[str, Any]:
    value = ranked["label"]
    lookup = int(value) if key == "level" and str(value).isdigit() else value
    return {
        key: lookup,
        "name": names.get(lookup, str(value)),
        "score": ranked["score"],
        "because": ranked["because"],
    }


def decide(
    context: DistrictContext,
    text: str,
    *,
    model: tuple[str, TextClassifier] | None,
    faq: FaqIndex | None = None,
    duplicates: DuplicateIndex | None = None,
    enterprise_id: Hashable | None = None,
    area_id: Hashable | None = None,
    exclude_id: Hashable | None = None,
) -> RoutingDecision:
    """The decision for `text` in `context` (pure)."""
    started = time.perf_counter()
    decision = RoutingDecision(district=context.code, screening=screen(text, context.exclusions).as_dict())
    if model is None:
        decision.notes.append(_("This district has no routing model yet: choose the department yourself."))
    else:
        folder, classifier = model
        decision.model = {"version": folder, "trained_at": classifier.meta.get("trained_at", "")}
        features = classifier.transform([text])
        if "department" in classifier.heads:
            decision.departments = [
                _named(r, context.departments)
                for r in classifier.rank(features, "department", top=3, text=text)
            ]
        if "domain" in classifier.heads:
            decision.domain = _named(
                classifier.rank(features, "domain", top=1, text=text)[0], context.domains
            )
        if "complexity" in classifier.heads:
            best = classifier.rank(features, "complexity", top=1, text=text)[0]
            decision.complexity = {"value": best["label"], "score": best["score"], "because": best["because"]}
        if "tier" in classifier.heads:
            decision.tier = _named(
                classifier.rank(features, "tier", top=1, text=text)[0], context.tiers, "level"
            )
        # Simple matters are answered at tier 1 (静海 §三(一), 南开 §三(一)); the actions refuse anything else.
        if (
            decision.complexity
            and decision.tier
            and decision.complexity["value"] == SIMPLE
            and decision.tier["level"] != 1
        ):
            decision.tier = {**decision.tier, "level": 1, "name": context.tiers.get(1, "1")}
            decision.notes.append(_("Simple matters start at tier 1."))
    if decision.out_of_scope:
        decision.notes.append(
            _("Screening found an exclusion: check the evidence before refusing the demand.")
        )
    if faq is not None:
        decision.faq = [m.as_dict() for m in faq.search(text)]
    if duplicates is not None and (enterprise_id is not None or area_id is not None):
        decision.duplicates = [
            c.as_dict()
            for c in duplicates.find(
                text, enterprise_id=enterprise_id, area_id=area_id, exclude_id=exclude_id
            )
        ]
    decision.elapsed_ms = (time.perf_counter() - started) * 1000
    return decision


def suggest(
    district_code: str,
    text: str,
    *,
    enterprise_id: Hashable | None = None,
    area_id: Hashable | None = None,
    exclude_id: Hashable | None = None,
    with_duplicates: bool = True,
) -> RoutingDecision:
    """The router's suggestion for a demand of `district_code` (raises District.DoesNotExist for an unknown code)."""
    from demandloop.knowledge.queries import faq_index_for
    from demandloop.routing import store
    from demandloop.routing.queries import district_context, duplicate_registry

    context = district_context(district_code)
    duplicates = None
    if with_duplicates and (enterprise_id is not None or area_id is not None):
        duplicates = duplicate_registry.index_for(context.id)
    return decide(
        context,
        text,
        model=store.active_model(district_code),
        faq=faq_index_for(context.id),
        duplicates=duplicates,
        enterprise_id=enterprise_id,
        area_id=area_id,
        exclude_id=exclude_id,
    )


def duplicate_candidates(
    district_id: int,
    text: str,
    *,
    enterprise_id: Hashable | None = None,
    area_id: Hashable | None = None,
    exclude_id: Hashable | None = None,
) -> list[DuplicateCandidate]:
    """Open demands of the same enterprise or area that say what `text` says, most similar first (the merge
    candidates of a demand already registered; `suggest` finds them for one being registered)."""
    from demandloop.routing.queries import duplicate_registry

    return duplicate_registry.index_for(district_id).find(
        text, enterprise_id=enterprise_id, area_id=area_id, exclude_id=exclude_id
    )

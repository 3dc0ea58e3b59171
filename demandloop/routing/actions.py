"""Writes of the routing app: retraining a district's router from its own resolved demands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from demandloop.routing import store
from demandloop.routing.corpus import LabelledDemand, in_scope, load_corpus
from demandloop.routing.models import RouterTraining

Row = LabelledDemand | tuple[str, str, str, str, Any]

logger = logging.getLogger(__name__)

# A district's router retrains by itself once this many more demands have been resolved, with the department
# that led them, than its last training learned from (the corpus alone counts as none).
RETRAIN_AFTER = 50
# A retrained router replaces the one in force unless it routes the corpus' held-back slice to the right
# department this much less often (a share: 0.05 = five points). The slice holds 70–80 demands per preset, so
# the margin lets a district's own routing differ from the corpus on a few of them; what it stops is a collapse —
# resolved demands recorded with the wrong lead department, or a fault in training.
RETRAIN_TOLERANCE = 0.05
GUARD_HEAD = "department"


def _as_labelled(row: Row) -> LabelledDemand:
    if isinstance(row, LabelledDemand):
        return row
    text, department, domain, complexity, tier = row
    return LabelledDemand(text, department or "", domain or "", complexity or "", str(tier or ""))


def _tolerance() -> float:
    return float(getattr(settings, "DEMANDLOOP_ROUTER_RETRAIN_TOLERANCE", RETRAIN_TOLERANCE))


def holds_up(accuracy: dict[str, float], previous: dict[str, float]) -> bool:
    """Whether a retrained router may replace the one in force: its department accuracy on the held-back slice
    is at most `DEMANDLOOP_ROUTER_RETRAIN_TOLERANCE` below the previous model's."""
    if GUARD_HEAD not in previous:
        return True
    return accuracy.get(GUARD_HEAD, 0.0) >= previous[GUARD_HEAD] - _tolerance() - 1e-9


def retrain_from_resolved(
    district: Any, rows: Callable[[], Iterable[Row]] | None = None, *, by: Any = None, force: bool = False
) -> RouterTraining:
    """Train the district's router on its corpus plus `rows()` — (text, department_code, domain_code,
    complexity, tier) of demands it really resolved (default: `queries.resolved_demand_rows`) — and record the
    training.

    The corpus stays in the training set so that departments the district has not dealt with yet are still
    known; the district's rows weigh double. The new model is put into use unless it routes the corpus'
    held-back slice markedly worse than the model in force (`holds_up`); then it is kept on disk for a look,
    the old one stays, and the record says so. `force` puts it into use regardless.
    """
    from demandloop.routing.queries import resolved_demand_rows

    source = rows if rows is not None else (lambda: resolved_demand_rows(district.pk))
    own = in_scope(_as_labelled(r) for r in source())
    current = store.active_model(district.code)
    previous = store.test_accuracy(current[1], district.code) if current else {}
    model = store.train(district.code, own)
    model.meta["kind"] = "retrained"
    model.meta["district_rows"] = len(own)
    accuracy = store.test_accuracy(model, district.code)
    model.meta["test_accuracy"] = accuracy
    activated = force or holds_up(accuracy, previous)
    folder = store.save_retrained(district.code, model)
    if activated:
        store.activate(district.code, folder.name)
    else:
        logger.warning(
            "retrained router of %s not put into use: department accuracy %.3f against %.3f of %s",
            district.code,
            accuracy.get(GUARD_HEAD, 0.0),
            previous[GUARD_HEAD],
            current[0] if current else "",
        )
    with transaction.atomic():
        return RouterTraining.objects.create(
            district=district,
            folder=folder.name,
            trained_by=by if getattr(by, "pk", None) else None,
            corpus_rows=len(in_scope(load_corpus(district.code, "train"))),
            district_rows=len(own),
            test_accuracy=accuracy,
            previous_accuracy=previous,
            activated=activated,
        )


def retrain_due() -> list[str]:
    """Periodic task: retrain the router of each active district whose resolved demands have grown by
    `DEMANDLOOP_ROUTER_RETRAIN_AFTER` since its last training, so the router improves with use without anyone
    running `route retrain`. One count per district when nothing is due; the codes of the districts retrained."""
    from demandloop.org.models import District
    from demandloop.routing.corpus import has_corpus
    from demandloop.routing.queries import resolved_demand_count

    after = int(getattr(settings, "DEMANDLOOP_ROUTER_RETRAIN_AFTER", RETRAIN_AFTER))
    retrained = []
    for district in District.objects.filter(is_active=True).order_by("code"):
        if not has_corpus(district.code):
            continue
        last = RouterTraining.objects.filter(district=district).order_by("-trained_at", "-pk").first()
        learned = last.district_rows if last else 0
        if resolved_demand_count(district.pk) - learned < after:
            continue
        training = retrain_from_resolved(district)
        logger.info(
            "router of %s retrained on %s resolved demands: %s (%s)",
            district.code,
            training.district_rows,
            training.folder,
            "in use" if training.activated else "kept aside, the model in force stays",
        )
        retrained.append(district.code)
    return retrained

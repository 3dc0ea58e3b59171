"""Reads of other apps' data for the router: district reference data, open demands, resolved demands.

The classifier, screening, FAQ ranking and duplicate search are pure; this module is where their inputs come
from the database, and the only place that knows the Demand model's fields (so wiring stays in one file).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from demandloop.routing.corpus import LabelledDemand
from demandloop.routing.duplicates import CommonProblem, DuplicateIndex, OpenDemand, find_common_problems
from demandloop.routing.screening import ExclusionSpec
from demandloop.routing.text import join_title

CONTEXT_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class DistrictContext:
    """What a decision needs to know of a district, read once a minute at most."""

    id: int
    code: str
    exclusions: tuple[ExclusionSpec, ...]
    departments: dict[str, str]
    domains: dict[str, str]
    tiers: dict[int, str]


_lock = threading.Lock()
_contexts: dict[str, tuple[float, DistrictContext]] = {}


def district_context(district_code: str) -> DistrictContext:
    """The district's exclusions, department, domain and tier names (raises District.DoesNotExist)."""
    now = time.monotonic()
    with _lock:
        cached = _contexts.get(district_code)
        if cached and now - cached[0] < CONTEXT_TTL_SECONDS:
            return cached[1]
    from demandloop.org.models import District

    district = District.objects.get(code=district_code)
    context = DistrictContext(
        id=district.pk,
        code=district.code,
        exclusions=tuple(
            ExclusionSpec(e.code, e.name, e.redirect_text, tuple(e.keywords or ()))
            for e in district.exclusions.all()
        ),
        departments={d.code: d.name for d in district.departments.all()},
        domains={d.code: d.name for d in district.domains.all()},
        tiers={t.level: t.name for t in district.tiers.all()},
    )
    with _lock:
        _contexts[district_code] = (now, context)
    return context


def forget_contexts() -> None:
    with _lock:
        _contexts.clear()


# --- Demands ----------------------------------------------------------------------------------------------


def _open_statuses() -> frozenset[str]:
    from demandloop.demands.flow import OPEN_STATUSES

    return frozenset(str(s) for s in OPEN_STATUSES)


def open_demand_rows(district_id: int, *, changed_since: Any = None) -> Iterator[tuple[OpenDemand, bool]]:
    """(row, still open?) for the district's demands, all open ones or those changed since a time."""
    from demandloop.demands.models import Demand

    open_statuses = _open_statuses()
    qs = Demand.objects.filter(district_id=district_id)
    qs = (
        qs.filter(status__in=open_statuses)
        if changed_since is None
        else qs.filter(updated_at__gte=changed_since)
    )
    for pk, title, content, enterprise_id, area_id, status in qs.values_list(
        "pk", "title", "content", "enterprise_id", "area_id", "status"
    ).iterator(chunk_size=5000):
        yield OpenDemand(pk, join_title(title, content), enterprise_id, area_id), status in open_statuses


class DuplicateRegistry:
    """One duplicate index per district, kept current from the demands table.

    Built once per process; afterwards each decision asks one aggregate (count, last update) and, when it
    changed, re-reads only the demands updated since: open ones are (re-)indexed, the others forgotten.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, tuple[tuple[Any, ...], Any, DuplicateIndex]] = {}

    def index_for(self, district_id: int) -> DuplicateIndex:
        from demandloop.demands.models import Demand

        signature = tuple(
            Demand.objects.filter(district_id=district_id)
            .aggregate(n=Count("pk"), at=Max("updated_at"))
            .values()
        )
        with self._lock:
            cached = self._indexes.get(district_id)
            if cached is None:
                index = DuplicateIndex.build(row for row, _open in open_demand_rows(district_id))
                self._indexes[district_id] = (signature, signature[1], index)
                # As for models (store.active_model): keep the collector off a large, long-lived structure.
                gc.freeze()
                return index
            old_signature, seen_until, index = cached
            if old_signature == signature:
                return index
            changed = list(open_demand_rows(district_id, changed_since=seen_until))
            index.discard(row.id for row, is_open in changed if not is_open)
            index.add(row for row, is_open in changed if is_open)
            self._indexes[district_id] = (signature, signature[1], index)
            return index

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()


duplicate_registry = DuplicateRegistry()


def _resolved(district_id: int) -> Any:
    from demandloop.demands.choices import DemandStatusChoices as S
    from demandloop.demands.models import Demand

    done = [S.ANSWERED, S.RESOLVED, S.EVALUATED, S.CLOSED]
    return Demand.objects.filter(district_id=district_id, status__in=done, exclusion__isnull=True)


def resolved_demand_count(district_id: int) -> int:
    """How many rows `route retrain` would learn from: resolved demands with the department that led them."""
    count: int = _resolved(district_id).filter(lead_department__isnull=False).count()
    return count


def resolved_demand_rows(district_id: int) -> Iterator[LabelledDemand]:
    """The district's demands that were really handled, labelled as they were: the department that led them
    to resolution, the domain, complexity and starting tier the officer chose. Training data of `route retrain`."""
    qs = (
        _resolved(district_id)
        .select_related("lead_department", "domain")
        .only("title", "content", "lead_department__code", "domain__code", "complexity", "routing_choice")
    )
    for demand in qs.iterator(chunk_size=2000):
        choice = demand.routing_choice or {}
        yield LabelledDemand(
            text=join_title(demand.title, demand.content),
            department=demand.lead_department.code if demand.lead_department else "",
            domain=demand.domain.code if demand.domain else "",
            complexity=demand.complexity or "",
            tier=str(choice.get("tier") or ""),
        )


def demands_for_clustering(district_id: int, start: Any, end: Any) -> Iterator[tuple[Any, ...]]:
    """(id, text, enterprise_id, received_at, lead department code) of the demands received in [start, end),
    except those refused as out of scope or merged into another."""
    from demandloop.demands.choices import DemandStatusChoices as S
    from demandloop.demands.models import Demand

    qs = (
        Demand.objects.filter(district_id=district_id, received_at__gte=start, received_at__lt=end)
        .exclude(status__in=[S.OUT_OF_SCOPE, S.MERGED])
        .values_list("pk", "title", "content", "enterprise_id", "received_at", "lead_department__code")
    )
    for pk, title, content, enterprise_id, received_at, department in qs.iterator(chunk_size=5000):
        yield pk, join_title(title, content), enterprise_id, received_at, department or ""


def period_bounds(
    start_day: date | None, end_day: date | None, *, days: int = 30
) -> tuple[datetime, datetime]:
    """[start, end) in the current time zone for a period of whole days: both days included; without dates,
    the `days` days up to today."""
    tz = timezone.get_current_timezone()
    end_day = end_day or timezone.localdate()
    start_day = start_day or end_day - timedelta(days=days)
    start = datetime.combine(start_day, day_time.min, tzinfo=tz)
    end = datetime.combine(end_day + timedelta(days=1), day_time.min, tzinfo=tz)
    return start, end


# Clustering a month of a large district (8,000 demands) takes about four seconds; the hub's console and every
# view of a meeting's page ask for the same period again and again.
COMMON_PROBLEMS_TTL_SECONDS = 600


def common_problems(
    district_id: int, start: datetime, end: datetime, *, min_enterprises: int = 2
) -> list[CommonProblem]:
    """The common problems (共性问题) of the district's demands received in [start, end), largest first.

    Cached under a key that names the period's demands by their number and latest change, so a demand
    received, merged, refused or handed to another department in the period makes the next call cluster anew.
    """
    from django.core.cache import cache

    from demandloop.demands.models import Demand

    stamp = Demand.objects.filter(
        district_id=district_id, received_at__gte=start, received_at__lt=end
    ).aggregate(n=Count("pk"), last=Max("updated_at"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = (
        f"routing:common-problems:{district_id}:{start.isoformat()}:{end.isoformat()}:{min_enterprises}:"
        f"{stamp['n']}:{last}"
    )
    problems: list[CommonProblem] | None = cache.get(key)
    if problems is None:
        problems = find_common_problems(
            demands_for_clustering(district_id, start, end),
            start=start,
            end=end,
            min_enterprises=min_enterprises,
        )
        cache.set(key, problems, COMMON_PROBLEMS_TTL_SECONDS)
    return problems


def visible_duplicates(user: Any, duplicates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The duplicate candidates `user` may see: the index covers the whole district, the user only their scope.

    Every page and API route showing a decision's duplicates passes them through here, so a demand outside the
    user's scope is never named, not even by its number and similarity.
    """
    from demandloop.demands.models import Demand

    if not duplicates:
        return duplicates
    ids = [row["id"] for row in duplicates]
    visible = set(Demand.objects.for_user(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [row for row in duplicates if row["id"] in visible]

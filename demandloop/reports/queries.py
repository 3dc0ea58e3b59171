"""Read-only figures over a scoped queryset of demands (DESIGN.md §6 "Figures", STYLE.md rule 9).

Every function takes the queryset the caller is allowed to see (`Demand.objects.for_user(user)`) and never widens
it, so the dashboard, the exports and the leader's "my figures" show exactly what the person may see.

The 三率 and the on-time rate, as both seeds use them:

* **response rate** — of the demands taken in (not out of scope, merged or withdrawn), the share that received a
  response: a plan with its ETA, or an answer on the spot (`responded_at` is set).
* **resolution rate** — of the demands taken in, the share answered or resolved (answered, resolved, evaluated,
  closed).
* **satisfaction rate** — of the evaluated demands, the share whose enterprise was satisfied or basically
  satisfied (静海 §四(三), 南开 §四(二): 满意、基本满意).
* **on-time rate** — of the demands whose response clock has run out or been met, the share that responded by
  the deadline in force. A demand still within its time counts in neither part.

Each grouping is one aggregate query: a page with three groupings at 100,000 demands stays a handful of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.choices import SatisfiedChoices
from demandloop.demands.flow import OPEN_STATUSES
from demandloop.demands.queries import completion_overdue_q, response_overdue_q
from demandloop.lib.lookups import get_for_user_or_404
from demandloop.org.choices import RoleChoices

# Never counted as taken in: screened out, a duplicate of another demand, or withdrawn by the enterprise.
NOT_TAKEN_IN = (S.OUT_OF_SCOPE, S.MERGED, S.WITHDRAWN)
DONE_STATUSES = (S.ANSWERED, S.RESOLVED, S.EVALUATED, S.CLOSED)
CONTENT_STATUSES = (SatisfiedChoices.SATISFIED, SatisfiedChoices.BASICALLY)

# What each grouping reads from a demand: the field to group by and the field that names it.
GROUPINGS: dict[str, tuple[str, str]] = {
    "area": ("area_id", "area__name"),
    "department": ("lead_department_id", "lead_department__name"),
    "tier": ("tier__level", "tier__name"),
    "district": ("district_id", "district__name"),
}


@dataclass(frozen=True)
class Rates:
    """The counts behind the 三率 and the on-time rate of one group; the rates are derived, never stored."""

    key: Any
    label: str
    total: int
    taken_in: int
    responded: int
    done: int
    evaluated: int
    content: int
    clock_settled: int
    on_time: int
    open: int
    overdue: int

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._share(self.responded, self.taken_in)

    @property
    def resolution_rate(self) -> float | None:
        return self._share(self.done, self.taken_in)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._share(self.content, self.evaluated)

    @property
    def on_time_rate(self) -> float | None:
        return self._share(self.on_time, self.clock_settled)


# The four rates of a group, by the name of their property, in the order every table shows them.
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")


def rate_titles() -> list[str]:
    """The four rates' names, in the order of RATE_NAMES, in the active language."""
    return [_("Response rate"), _("Resolution rate"), _("Satisfaction rate"), _("On-time rate")]


def _aggregates(now: datetime) -> dict[str, Count]:
    taken_in = ~Q(status__in=NOT_TAKEN_IN)
    responded_on_time = Q(
        responded_at__isnull=False, response_due__isnull=False, responded_at__lte=F("response_due")
    )
    # Settled: responded (on time or late) against a deadline, or the deadline passed without a response.
    settled = Q(response_due__isnull=False) & (Q(responded_at__isnull=False) | Q(response_due__lt=now))
    overdue = response_overdue_q(now) | completion_overdue_q(now)
    return {
        "total": Count("pk"),
        "taken_in": Count("pk", filter=taken_in),
        "responded": Count("pk", filter=taken_in & Q(responded_at__isnull=False)),
        "done": Count("pk", filter=Q(status__in=DONE_STATUSES)),
        "evaluated": Count("pk", filter=~Q(evaluation_satisfied="")),
        "content": Count("pk", filter=Q(evaluation_satisfied__in=CONTENT_STATUSES)),
        "clock_settled": Count("pk", filter=taken_in & settled),
        "on_time": Count("pk", filter=taken_in & responded_on_time),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("pk", filter=overdue),
    }


def totals(demands: QuerySet[Any], *, now: datetime | None = None) -> Rates:
    """The figures of the whole scoped queryset (one query)."""
    row = demands.order_by().aggregate(**_aggregates(now or timezone.now()))
    return Rates(key=None, label="", **row)


def rates_by(demands: QuerySet[Any], grouping: str, *, now: datetime | None = None) -> list[Rates]:
    """The figures per area, lead department or tier (one query), in the order of the groups' names.

    Demands not yet assigned to a group (no area, no lead department, not triaged) form one row with key None.
    """
    key_field, label_field = GROUPINGS[grouping]
    rows = (
        demands.order_by()
        .values(key_field, label_field)
        .annotate(**_aggregates(now or timezone.now()))
        .order_by(key_field)
    )
    result = []
    for row in rows:
        key = row.pop(key_field)
        label = row.pop(label_field)
        result.append(Rates(key=key, label=str(label) if label is not None else "", **row))
    return result


def rates_by_period(
    demands: QuerySet[Any], periods: Sequence[tuple[datetime, datetime]], *, now: datetime | None = None
) -> list[Rates]:
    """The figures of the demands received in each period [start, end) (one query), in the given order; `key`
    is the period's index, and a period without demands has zeros.

    The periods are told apart by comparing `received_at` with their bounds (a CASE in SQL) rather than by
    truncating each date to its month: on SQLite a truncation in the current time zone is a Python function
    called once per row — two seconds for a year of a district's 100,000 demands."""
    if not periods:
        return []
    period = Case(
        *(
            When(received_at__gte=start, received_at__lt=end, then=Value(index))
            for index, (start, end) in enumerate(periods)
        ),
        default=None,
        output_field=IntegerField(),
    )
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    rows = (
        demands.filter(received_at__gte=first, received_at__lt=last)
        .order_by()
        .annotate(period=period)
        .values("period")
        .annotate(**_aggregates(now or timezone.now()))
    )
    found = {row.pop("period"): row for row in rows}
    empty = dict.fromkeys(COUNTS, 0)
    return [Rates(key=index, label="", **found.get(index, empty)) for index in range(len(periods))]


COUNTS = (
    "total",
    "taken_in",
    "responded",
    "done",
    "evaluated",
    "content",
    "clock_settled",
    "on_time",
    "open",
    "overdue",
)


@dataclass(frozen=True)
class Figures:
    """Everything the figures page shows, folded from one grouped query."""

    totals: Rates
    by_area: list[Rates]
    by_department: list[Rates]
    by_tier: list[Rates]
    status_counts: dict[str, int]


def _fold(rows: list[dict[str, Any]], key: str, labels: dict[Any, str]) -> list[Rates]:
    sums: dict[Any, dict[str, int]] = {}
    for row in rows:
        bucket = sums.setdefault(row[key], dict.fromkeys(COUNTS, 0))
        for name in COUNTS:
            bucket[name] += row[name]
    # Named groups in the order of their names' keys, the unassigned (None) last.
    ordered = sorted(sums, key=lambda k: (k is None, labels.get(k, "") if k is not None else ""))
    return [Rates(key=k, label=labels.get(k, "") if k is not None else "", **sums[k]) for k in ordered]


def _scan(demands: QuerySet[Any], now: datetime) -> list[dict[str, Any]]:
    """The one grouped scan. What depends on the status or the evaluation alone is a grouping column, decided
    afterwards in Python (`_derive`); only the clocks need conditional counts in SQL. On SQLite at 100,000
    demands this halves the scan compared with one filtered count per figure (`_aggregates`)."""
    responded_on_time = Q(
        responded_at__isnull=False, response_due__isnull=False, responded_at__lte=F("response_due")
    )
    settled = Q(response_due__isnull=False) & (Q(responded_at__isnull=False) | Q(response_due__lt=now))
    return list(
        demands.order_by()
        .values("district_id", "area_id", "lead_department_id", "tier_id", "status", "evaluation_satisfied")
        .annotate(
            total=Count("pk"),
            responded_any=Count("responded_at"),
            settled_any=Count("pk", filter=settled),
            on_time_any=Count("pk", filter=responded_on_time),
            overdue=Count("pk", filter=response_overdue_q(now) | completion_overdue_q(now)),
        )
    )


def _derive(row: dict[str, Any]) -> dict[str, Any]:
    """The counts of `_aggregates` for one group of `_scan`, whose status and evaluation are known."""
    total = row["total"]
    taken_in = row["status"] not in NOT_TAKEN_IN
    return {
        **row,
        "taken_in": total if taken_in else 0,
        "responded": row["responded_any"] if taken_in else 0,
        "done": total if row["status"] in DONE_STATUSES else 0,
        "evaluated": total if row["evaluation_satisfied"] else 0,
        "content": total if row["evaluation_satisfied"] in CONTENT_STATUSES else 0,
        "clock_settled": row["settled_any"] if taken_in else 0,
        "on_time": row["on_time_any"] if taken_in else 0,
        "open": total if row["status"] in OPEN_STATUSES else 0,
    }


def figures(demands: QuerySet[Any], *, now: datetime | None = None) -> Figures:
    """The totals, the rates by area, lead department and tier, and the counts per status, from ONE grouped scan
    of the scoped demands (plus three small reads of names): at 100,000 demands the table is read once, not
    five times."""
    from demandloop.org.models import Area, Department, Tier

    rows = [_derive(row) for row in _scan(demands, now or timezone.now())]
    area_ids = {row["area_id"] for row in rows} - {None}
    department_ids = {row["lead_department_id"] for row in rows} - {None}
    tiers = dict(
        Tier.objects.filter(pk__in={row["tier_id"] for row in rows} - {None}).values_list("pk", "level")
    )
    for row in rows:
        # Grouped by the tier's id (no join in the big scan); districts share levels, not ids.
        row["tier__level"] = tiers.get(row["tier_id"])
    levels = set(tiers.values())
    districts = {row["district_id"] for row in rows}
    area_names = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    department_names = dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "name"))
    # Tiers are per district; with several districts in scope a level shows the first district's name.
    tier_names: dict[Any, str] = {}
    for level, name in (
        Tier.objects.filter(level__in=levels, district_id__in=districts)
        .order_by("-district_id")
        .values_list("level", "name")
    ):
        tier_names[level] = f"{level} {name}"
    by_area = _fold(rows, "area_id", area_names)
    by_department = _fold(rows, "lead_department_id", department_names)
    by_tier = sorted(_fold(rows, "tier__level", tier_names), key=lambda r: (r.key is None, r.key or 0))
    total = dict.fromkeys(COUNTS, 0)
    statuses: dict[str, int] = {}
    for row in rows:
        for name in COUNTS:
            total[name] += row[name]
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["total"]
    return Figures(Rates(key=None, label="", **total), by_area, by_department, by_tier, statuses)


def status_counts(demands: QuerySet[Any]) -> dict[str, int]:
    """How many demands are in each status (one query); statuses with none are absent."""
    rows = demands.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def overdue_demands(demands: QuerySet[Any], *, now: datetime | None = None, limit: int = 50) -> list[Any]:
    """Open demands past the deadline in force, the longest overdue first; each carries `overdue_since`, the
    deadline it missed (the response deadline while a plan is owed, else the committed completion date).

    The order is found on the ids alone, then the rows are read whole: sorting a district's overdue demands
    with their enterprise and places joined would move far more than the few shown."""
    now = now or timezone.now()
    missed = Case(When(response_overdue_q(now), then=F("response_due")), default=F("completion_due"))
    late = (
        demands.filter(response_overdue_q(now) | completion_overdue_q(now))
        .annotate(overdue_since=missed)
        .order_by("overdue_since", "pk")
    )
    since = dict(late.values_list("pk", "overdue_since")[:limit])
    rows = (
        demands.model.objects.filter(pk__in=list(since))
        .select_related("enterprise", "area", "lead_department", "tier")
        .defer("content", "plan", "result", "routing_suggestion", "routing_choice", "redirect_text")
    )
    found = {row.pk: row for row in rows}
    result = []
    for pk, deadline in since.items():
        if pk in found:
            found[pk].overdue_since = deadline
            result.append(found[pk])
    return result


# --- Issued reports (月度通报印发) ------------------------------------------------------------------------------
#
# An issued report goes to everyone who works on the district's demands: the people of its areas (service
# officers, 双重服务员), of its departments (coordinators, leads, 行业主管部门 officers), its district leaders, the
# service office and the 12345 centre. They read every issued report of their district; nobody else reads any
# (enterprises never, the separated administrators neither), and outside the scope is 404, the same as missing.
# The live draft (`monthly.report_districts`) stays the service office's and the 12345 centre's.

READER_ROLES = frozenset(
    {
        RoleChoices.OFFICER,
        RoleChoices.SOCIAL_OFFICER,
        RoleChoices.INDUSTRY_OFFICER,
        RoleChoices.COORDINATOR,
        RoleChoices.DEPT_LEAD,
        RoleChoices.LEADER,
        RoleChoices.HUB,
        RoleChoices.DISPATCHER,
    }
)


def reader_district_ids(user: Any) -> frozenset[int]:
    """The districts whose issued reports `user` reads, from its active memberships (cached on the user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_issued_report_districts", None)
    if cached is None:
        ids = user.memberships.filter(is_active=True, role__in=READER_ROLES, district__isnull=False)
        cached = frozenset(ids.values_list("district_id", flat=True))
        user._issued_report_districts = cached
    return cached


def scope_issued_reports(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return queryset.filter(district_id__in=reader_district_ids(user))


def get_issued_report_for_user(user: Any, pk: Any) -> Any:
    """One issued report the user reads (with its files), or 404."""
    from demandloop.reports.models import IssuedReport

    queryset = IssuedReport.objects.select_related("district", "issued_by", "corrects", "correction")
    return get_for_user_or_404(queryset, user, pk)


def issued_districts(user: Any) -> QuerySet[Any]:
    """The districts whose archive `user` reads, ordered by code."""
    from demandloop.org.models import District

    return District.objects.filter(pk__in=reader_district_ids(user), is_active=True).order_by("code")


def report_readers(district: Any) -> list[Any]:
    """The people an issued report of `district` goes to: every active person holding a reader role there."""
    from demandloop.org.models import User

    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__district=district,
            memberships__role__in=READER_ROLES,
        )
        .distinct()
        .order_by("pk")
    )

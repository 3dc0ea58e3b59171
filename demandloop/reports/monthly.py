"""The district's monthly report (月度通报): what the service office tells the district every month.

For the demands received in the month — the month's cohort, read as it stands when the report is made — the
三率 and the on-time rate of the whole district, of each area, lead department and district leader's post
(through the areas the post covers), and of each tier; the channels they came through; the change against the
previous month and the figures of the year so far; a twelve-month trend; how the departments answered the month's
whistles (吹哨报到); the common problems (共性问题) of several enterprises; and the demands overdue at the time of
the report. Areas, departments and posts are ranked by resolution rate, then on-time rate.

Everything is read through `reports.queries` over the district's demands: a handful of grouped queries, however
many demands the month holds. Rendering (Word, Excel, page, API) lives in `documents.py` and the views.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.reports.queries import COUNTS, Rates, figures, overdue_demands, rates_by_period

# How many months the trend shows, the report's own month included.
TREND_MONTHS = 12
# How many overdue demands and common problems the report lists (the overdue count itself is exact).
OVERDUE_LISTED = 50
COMMON_PROBLEMS_LISTED = 10
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthError(ValueError):
    """A month that cannot be reported on; the message says why, in the user's language."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> Month:
        """ "2026-11" → Month(2026, 11); a malformed month, one before 2000 or one not yet begun is refused."""
        found = MONTH_PATTERN.match((text or "").strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise MonthError(_("Give the month as YYYY-MM, for example 2026-11."))
        month = cls(int(found.group(1)), int(found.group(2)))
        today = today or timezone.localdate()
        if month.year < 2000:
            raise MonthError(_("There is nothing to report before 2000."))
        if month > cls.of(today):
            raise MonthError(_("The month %(month)s has not begun yet.") % {"month": month.iso})
        return month

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def last_complete(cls, today: date | None = None) -> Month:
        """The month before the current one: the month a report is usually made for."""
        return cls.of(today or timezone.localdate()).shifted(-1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        """Midnight of the month's first day, where the district is (the current time zone)."""
        return datetime.combine(self.first_day, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        """Midnight of the next month's first day: the month is [start, end)."""
        return self.shifted(1).start

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return _("%(month)s/%(year)s") % {"year": self.year, "month": self.month}


@dataclass(frozen=True)
class Ranked:
    """A group's figures with its place in the ranking (None: nothing taken in, or not a ranked group)."""

    rank: int | None
    rates: Rates


@dataclass(frozen=True)
class OverdueEntry:
    """One line of the overdue list as the documents print it: what a `Demand` row says, or what a snapshot
    kept of it."""

    pk: int
    title: str
    enterprise: str
    area: str
    lead_department: str
    status: str
    status_label: str
    deadline_missed: datetime | None


def overdue_entry(demand: Any) -> OverdueEntry:
    """The overdue list's line of a demand (as `queries.overdue_demands` reads it) or of a snapshot's entry."""
    if isinstance(demand, OverdueEntry):
        return demand
    return OverdueEntry(
        pk=demand.pk,
        title=demand.title,
        enterprise=demand.enterprise.name,
        area=demand.area.name if demand.area_id else "",
        lead_department=demand.lead_department.name if demand.lead_department_id else "",
        status=demand.status,
        status_label=str(demand.get_status_display()),
        deadline_missed=demand.overdue_since,
    )


@dataclass(frozen=True)
class MonthlyReport:
    district: Any
    month: Month
    generated_at: datetime
    totals: Rates
    previous: Rates
    year_to_date: Rates
    by_channel: list[tuple[str, str, int]]
    by_area: list[Ranked]
    by_department: list[Ranked]
    by_leader: list[Ranked]
    by_tier: list[Rates]
    trend: list[Rates]
    overdue_count: int
    overdue: list[Any]
    whistles: list[Any]
    common_problems: list[Any]
    # Names the documents print, read with the figures so that an issued report keeps the names of its day:
    # the service office that signs it, and the departments by code (the common problems name them by code).
    office_name: str
    department_names: dict[str, str]

    @property
    def complete(self) -> bool:
        """Whether the month had ended when the report was made (otherwise it is the month so far)."""
        return self.generated_at >= self.month.end

    @property
    def change(self) -> float | None:
        """Demands received against the previous month, in per cent (环比); None when that month had none."""
        if not self.previous.total:
            return None
        return round(100.0 * (self.totals.total - self.previous.total) / self.previous.total, 1)


def _zero(key: Any, label: str) -> Rates:
    return Rates(key=key, label=label, **dict.fromkeys(COUNTS, 0))


def _rank_key(rates: Rates) -> tuple[float, float, int]:
    return (-(rates.resolution_rate or 0.0), -(rates.on_time_rate or 0.0), -rates.taken_in)


def ranked(rows: list[Rates]) -> list[Ranked]:
    """Groups with demands taken in, best first (resolution rate, then on-time rate, then volume), numbered with
    equal places for equal figures; then the groups with none, unnumbered, in their given order; then the row of
    the demands in no group (key None: no area, no lead department), unnumbered — it is nobody's result."""
    active = sorted((r for r in rows if r.taken_in and r.key is not None), key=_rank_key)
    result: list[Ranked] = []
    for position, rates in enumerate(active, start=1):
        tied = result and _rank_key(result[-1].rates)[:2] == _rank_key(rates)[:2]
        result.append(Ranked(result[-1].rank if tied else position, rates))
    result.extend(Ranked(None, r) for r in rows if not r.taken_in and r.key is not None)
    result.extend(Ranked(None, r) for r in rows if r.key is None)
    return result


def _complete_rows(rows: list[Rates], named: list[tuple[Any, str]], unassigned: str) -> list[Rates]:
    """Every named group of the district, with zeros where the month had none, and the unassigned row last
    (only when it holds demands)."""
    found = {row.key: row for row in rows}
    complete = [found.get(key) or _zero(key, label) for key, label in named]
    if None in found:
        complete.append(replace(found[None], label=unassigned))
    return complete


def _post_label(title: str, areas: list[str]) -> str:
    """ "区政协副主席（子牙镇片区）": a leader post's title with the areas it covers."""
    return _("%(post)s (%(areas)s)") % {"post": title, "areas": "、".join(areas)}


def _fold_by_posts(by_area: list[Rates], posts: list[tuple[int, str, list[int]]]) -> list[Rates]:
    """A leader post's figures: the sum over the areas it covers (a demand counts for every post covering its
    area — two posts sharing an area both answer for it)."""
    counts = {row.key: row for row in by_area}
    result = []
    for pk, title, area_ids in posts:
        summed = dict.fromkeys(COUNTS, 0)
        for area_id in area_ids:
            if area_id in counts:
                for name in COUNTS:
                    summed[name] += getattr(counts[area_id], name)
        result.append(Rates(key=pk, label=title, **summed))
    return result


def _summed(rows: list[Rates]) -> Rates:
    return Rates(key=None, label="", **{name: sum(getattr(row, name) for row in rows) for name in COUNTS})


def _trend(demands: Any, month: Month, now: datetime) -> list[Rates]:
    months = [month.shifted(offset) for offset in range(1 - TREND_MONTHS, 1)]
    rows = rates_by_period(demands, [(m.start, m.end) for m in months], now=now)
    return [replace(row, key=m.first_day, label=m.iso) for m, row in zip(months, rows, strict=True)]


def month_problems(district: Any, month: Month) -> list[Any]:
    """The month's largest common problems (共性问题), as the routing app clusters them."""
    from demandloop.routing.queries import common_problems

    return common_problems(district.pk, month.start, month.end)[:COMMON_PROBLEMS_LISTED]


def report_districts(user: Any) -> Any:
    """The districts whose monthly report `user` may read: those it serves as the service office or the 12345
    centre (the roles that see a whole district), as a queryset ordered by code."""
    from demandloop.org.choices import DISTRICT_ROLES
    from demandloop.org.models import District
    from demandloop.org.scope import resolve_scope

    scope = resolve_scope(user)
    if not scope.roles & DISTRICT_ROLES:
        return District.objects.none()
    ids = user.memberships.filter(is_active=True, role__in=DISTRICT_ROLES).values_list(
        "district_id", flat=True
    )
    return District.objects.filter(pk__in=set(ids) & scope.full_district_ids, is_active=True).order_by("code")


def monthly_report(
    district: Any,
    month: Month,
    *,
    now: datetime | None = None,
    demands: Any = None,
    with_problems: bool = True,
) -> MonthlyReport:
    """The report of `district` for `month`, read as the demands stand at `now` (default: this instant).

    `demands` is the scoped queryset of the person asking (`Demand.objects.for_user`); the roles that read the
    report see the whole district, so it is the district's demands either way — passing it keeps the rule that
    every read goes through the scope.

    Clustering a month's common problems takes seconds for a large district (7 s for 11,000 demands, then
    cached ten minutes): the page leaves them out (`with_problems=False`) and loads them on its own; the files
    include them."""
    from demandloop.demands.choices import ChannelChoices
    from demandloop.demands.models import Demand
    from demandloop.demands.queries import completion_overdue_q, response_overdue_q
    from demandloop.meetings.models import WhistleResponse
    from demandloop.meetings.queries import whistle_figures
    from demandloop.org.models import Area, LeaderPost

    now = now or timezone.now()
    demands = (Demand.objects if demands is None else demands).filter(district=district)
    cohort = demands.filter(received_at__gte=month.start, received_at__lt=month.end)
    summary = figures(cohort, now=now)

    areas = list(district.areas.order_by("order", "code").values_list("pk", "name"))
    departments = list(district.departments.order_by("order", "code").values_list("pk", "name"))
    by_area = _complete_rows(summary.by_area, areas, _("No area"))
    by_department = _complete_rows(summary.by_department, departments, _("No lead department"))
    # A post that covers no area (a leader without a 包联 assignment) has nothing to answer for here. A post is
    # named with its areas: several leaders share a title (five 区政协副主席 in 静海), the areas tell them apart.
    posts = [
        (post.pk, _post_label(post.title, [area.name for area in covered]), [area.pk for area in covered])
        for post in LeaderPost.objects.filter(district=district)
        .order_by("order", "code")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.order_by("order", "code")))
        if (covered := list(post.areas.all()))
    ]
    by_leader = _fold_by_posts(by_area, posts)

    channels = dict(cohort.order_by().values("channel").annotate(n=Count("pk")).values_list("channel", "n"))
    by_channel = [(value, str(label), channels.get(value, 0)) for value, label in ChannelChoices.choices]

    # The trend's twelve months hold the previous month and every month of the year so far: their figures are
    # sums of its rows, not two more scans of the district's demands.
    trend = _trend(demands, month, now)
    year_to_date = _summed([row for row in trend if row.key.year == month.year])
    overdue_all = demands.filter(response_overdue_q(now) | completion_overdue_q(now))
    responses = WhistleResponse.objects.filter(whistle__district=district)
    office = district.service_office()
    return MonthlyReport(
        district=district,
        month=month,
        generated_at=now,
        totals=summary.totals,
        previous=replace(trend[-2], key=None, label=""),
        year_to_date=year_to_date,
        by_channel=by_channel,
        by_area=ranked(by_area),
        by_department=ranked(by_department),
        by_leader=ranked(by_leader),
        by_tier=[replace(r, label=_("Not yet triaged")) if r.key is None else r for r in summary.by_tier],
        trend=trend,
        overdue_count=overdue_all.count(),
        overdue=overdue_demands(demands, now=now, limit=OVERDUE_LISTED),
        whistles=whistle_figures(responses, now=now, since=month.start, until=month.end),
        common_problems=month_problems(district, month) if with_problems else [],
        office_name=office.name if office else district.name,
        department_names=dict(district.departments.values_list("code", "name")),
    )

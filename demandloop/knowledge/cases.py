"""Reads of the quality module: who reads which typical case, who may nominate a demand, the facts of a handled
demand, and the draft a nomination starts from (静海 §三(二): 做好服务企业典型案例的收集).

Who reads a case (one rule, `scope_cases`; outside it is 404, STYLE.md rule 3):

* the district's service office (hub): every case of its district — it reviews them and chooses the 十佳;
* the author: their own cases, in every state, to see where they stand and revise a returned one;
* the district's other staff: the accepted cases — the library is there to spread good practice
  (南开: 区政务服务办 "典型经验推广");
* the district's enterprises: the cases of a published 十佳服务案例 only (静海 §三(三): 宣传).

Who nominates (DESIGN.md §1 and the brief of the module): a service officer from its area's demands, a department
coordinator or lead from its department's, the hub from any of its district — the roles through which the person
reaches the demand, so the demand's own scope rules decide. A demand qualifies once it is resolved (resolved,
answered on the spot, evaluated or closed), never when it was out of scope, merged or withdrawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.queries import DemandFacts, demand_grants, is_hub_of
from demandloop.knowledge.choices import CaseStatusChoices, SelectionStatusChoices
from demandloop.lib.lookups import get_for_user_or_404
from demandloop.org.choices import RoleChoices as R
from demandloop.sla.services import get_calendar

if TYPE_CHECKING:
    from demandloop.demands.models import Demand
    from demandloop.knowledge.models import TypicalCase, TypicalCaseQuerySet

# The roles that nominate, most specific first (the first reaching the demand is the author's role).
NOMINATING_ROLES = (
    R.OFFICER,
    R.SOCIAL_OFFICER,
    R.INDUSTRY_OFFICER,
    R.COORDINATOR,
    R.DEPT_LEAD,
    R.HUB,
)
# Staff who read the district's library of accepted cases.
LIBRARY_ROLES = frozenset(NOMINATING_ROLES) | {R.LEADER, R.DISPATCHER}
# A demand whose matter was settled: the story has an outcome to tell.
NOMINABLE_STATUSES = frozenset({S.ANSWERED, S.RESOLVED, S.EVALUATED, S.CLOSED})
# At most ten cases a year (静海 §三(三): 每年评选"十佳服务案例").
SELECTION_SIZE = 10


def _district_ids(user: Any, roles: frozenset[str] | set[str]) -> frozenset[int]:
    """The districts in which the user holds one of `roles` (one query, cached on the user for the request)."""
    cache: dict[frozenset[str], frozenset[int]] = getattr(user, "_demandloop_case_districts", None) or {}
    key = frozenset(roles)
    if key not in cache:
        cache[key] = frozenset(
            user.memberships.filter(is_active=True, role__in=key, district__isnull=False).values_list(
                "district_id", flat=True
            )
        )
        user._demandloop_case_districts = cache
    return cache[key]


def hub_district_ids(user: Any) -> frozenset[int]:
    return demand_grants(user).hub_district_ids


def scope_cases(qs: TypicalCaseQuerySet, user: Any) -> TypicalCaseQuerySet:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    cond = Q(author_id=user.pk)
    hubs = hub_district_ids(user)
    if hubs:
        cond |= Q(district_id__in=hubs)
    staff = _district_ids(user, LIBRARY_ROLES)
    if staff:
        cond |= Q(district_id__in=staff, status=CaseStatusChoices.ACCEPTED)
    enterprises = _district_ids(user, {R.ENTERPRISE})
    if enterprises:
        cond |= Q(
            district_id__in=enterprises,
            status=CaseStatusChoices.ACCEPTED,
            selection_entries__selection__status=SelectionStatusChoices.PUBLISHED,
        )
    return qs.filter(cond).distinct()


def get_case_for_user(user: Any, pk: Any) -> TypicalCase:
    """The case `pk` if `user` reads it; otherwise 404, exactly as if it did not exist."""
    from demandloop.knowledge.models import TypicalCase

    queryset = TypicalCase.objects.select_related("district", "author", "demand__enterprise", "demand__tier")
    case: TypicalCase = get_for_user_or_404(queryset, user, pk)
    return case


def sees_enterprise(user: Any, case: TypicalCase) -> bool:
    """Whether the page may name the enterprise: a case not anonymised, or its author, or the hub."""
    return not case.anonymous or case.author_id == user.pk or is_hub_of(user, case.district_id)


def enterprise_label(case: TypicalCase, user: Any = None) -> str:
    if user is not None and sees_enterprise(user, case):
        return str(case.demand.enterprise.name)
    return str(case.demand.enterprise.name) if not case.anonymous else _("an enterprise")


def nominating_role(user: Any, demand: Demand) -> str | None:
    """The role in which `user` nominates `demand` (its most specific role reaching it), or None."""
    if not demand_grants(user).roles & set(NOMINATING_ROLES):
        return None  # an enterprise, a leader, the 12345 centre: no need to read the demand's departments
    facts = DemandFacts.of(demand)
    reaching = demand_grants(user).roles_reaching(facts)
    return next((role for role in reaching if role in NOMINATING_ROLES), None)


def nomination_refusal(user: Any, demand: Demand) -> str:
    """Why `user` may not nominate `demand` now, or "" when they may."""
    if demand.status not in NOMINABLE_STATUSES:
        return _("Only a resolved demand (resolved, evaluated or closed) can become a typical case.")
    if demand.resolved_at is None:
        return _("Only a resolved demand (resolved, evaluated or closed) can become a typical case.")
    if nominating_role(user, demand) is None:
        return _("Service officers, department coordinators and leads, and the hub nominate typical cases.")
    from demandloop.knowledge.models import TypicalCase

    if TypicalCase.objects.filter(demand=demand).exists():
        return _("This demand is already a typical case.")
    return ""


def case_year(demand: Demand) -> int:
    """The year a case belongs to: the year (Asia/Shanghai) its demand was resolved."""
    moment = demand.resolved_at or demand.closed_at or demand.received_at
    return timezone.localtime(moment).year


# --- The facts of a handled demand ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandFacts4Case:
    """What helps judge a case: the tiers it passed, the departments, how long it took, the evaluation."""

    tier_level: int | None
    tier_name: str
    tiers_passed: tuple[int, ...]
    departments: tuple[str, ...]
    whistles: int
    meetings: tuple[str, ...]
    received_at: datetime
    resolved_at: datetime | None
    working_days: int | None
    completion_due: datetime | None
    on_time: bool | None
    solved: str
    satisfied: str
    evaluation_comment: str

    @property
    def evaluation(self) -> str:
        if not self.solved:
            return _("not evaluated")
        from demandloop.demands.choices import SatisfiedChoices, SolvedChoices

        return f"{SolvedChoices(self.solved).label} · {SatisfiedChoices(self.satisfied).label}"

    @property
    def timing(self) -> str:
        if self.working_days is None:
            return "—"
        text = _("%(days)d working days") % {"days": self.working_days}
        if self.on_time is True:
            return text + _(", within the deadline")
        if self.on_time is False:
            return text + _(", past the deadline")
        return text


def demand_facts(demand: Demand) -> DemandFacts4Case:
    """The facts of one demand."""
    return facts_of([demand])[demand.pk]


def facts_of(demands: list[Demand]) -> dict[int, DemandFacts4Case]:
    """The facts of many demands by id, in five queries whatever their number (the selection page, the casebook
    of a whole year)."""
    from demandloop.demands.models import DemandCoDepartment, DemandEvent
    from demandloop.meetings.models import MeetingAgendaItem, Whistle
    from demandloop.org.models import Department, Tier

    ids = [d.pk for d in demands]
    tiers: dict[int, set[int]] = {pk: set() for pk in ids}
    for demand_id, level in DemandEvent.objects.filter(demand_id__in=ids, to_tier__isnull=False).values_list(
        "demand_id", "to_tier"
    ):
        if level:
            tiers[demand_id].add(level)
    co: dict[int, list[str]] = {pk: [] for pk in ids}
    for demand_id, name in (
        DemandCoDepartment.objects.filter(demand_id__in=ids)
        .order_by("pk")
        .values_list("demand_id", "department__name")
    ):
        co[demand_id].append(name)
    whistles = dict(
        Whistle.objects.filter(demand_id__in=ids)
        .values("demand_id")
        .annotate(n=Count("pk"))
        .values_list("demand_id", "n")
    )
    meetings: dict[int, list[str]] = {pk: [] for pk in ids}
    for demand_id, title in (
        MeetingAgendaItem.objects.filter(demand_id__in=ids)
        .order_by("meeting__scheduled_at", "pk")
        .values_list("demand_id", "meeting__title")
    ):
        meetings[demand_id].append(title)
    tier_rows = {t.pk: t for t in Tier.objects.filter(pk__in={d.tier_id for d in demands if d.tier_id})}
    leads = dict(
        Department.objects.filter(
            pk__in={d.lead_department_id for d in demands if d.lead_department_id}
        ).values_list("pk", "name")
    )
    calendar = get_calendar()
    result = {}
    for demand in demands:
        working_days = None
        if demand.resolved_at is not None:
            working_days = calendar.working_days_between(demand.received_at, demand.resolved_at)
        on_time = None
        if demand.resolved_at is not None and demand.completion_due is not None:
            on_time = demand.resolved_at <= demand.completion_due
        tier = tier_rows.get(demand.tier_id) if demand.tier_id else None
        lead = [leads[demand.lead_department_id]] if demand.lead_department_id in leads else []
        result[demand.pk] = DemandFacts4Case(
            tier_level=tier.level if tier else None,
            tier_name=tier.name if tier else "",
            tiers_passed=tuple(sorted(tiers[demand.pk])),
            departments=tuple(dict.fromkeys(lead + co[demand.pk])),
            whistles=whistles.get(demand.pk, 0),
            meetings=tuple(dict.fromkeys(meetings[demand.pk])),
            received_at=demand.received_at,
            resolved_at=demand.resolved_at,
            working_days=working_days,
            completion_due=demand.completion_due,
            on_time=on_time,
            solved=demand.evaluation_solved,
            satisfied=demand.evaluation_satisfied,
            evaluation_comment=demand.evaluation_comment,
        )
    return result


# --- The draft of a nomination ----------------------------------------------------------------------------


# Room left in a case's title for the words around the demand's own.
CASE_TITLE_QUOTE_CHARS = 180


def case_title(demand_title: str) -> str:
    """A case's title drafted from its demand's: the enterprise's words quoted, named as a case of handling a
    demand — a published case does not read "我们饭店的外摆……" as if the district were speaking."""
    quoted = demand_title.strip().rstrip("。？！?!，,；;：:")
    if len(quoted) > CASE_TITLE_QUOTE_CHARS:
        quoted = quoted[: CASE_TITLE_QUOTE_CHARS - 1] + "…"
    return _("“%(title)s”: a demand handled") % {"title": quoted}


def case_draft(demand: Demand) -> dict[str, Any]:
    """The texts a nomination starts from, written from the demand and its events, for the author to edit
    rather than type (the enterprise's words, who handled it at which tier, how long it took, the evaluation)."""
    from demandloop.org.models import Tier

    facts = demand_facts(demand)
    enterprise = demand.enterprise.name
    background = _("%(enterprise)s raised on %(date)s: %(content)s") % {
        "enterprise": enterprise,
        "date": timezone.localtime(demand.received_at).strftime("%Y-%m-%d"),
        "content": demand.content.strip(),
    }
    names = dict(Tier.objects.filter(district_id=demand.district_id).values_list("level", "name"))
    steps = []
    if facts.tiers_passed:
        steps.append(
            _("Handled at %(tiers)s.")
            % {"tiers": "、".join(f"{names.get(level, level)}" for level in facts.tiers_passed)}
        )
    if facts.departments:
        steps.append(_("Departments: %(names)s.") % {"names": "、".join(facts.departments)})
    if facts.whistles:
        steps.append(
            _("The officer blew the whistle %(n)d time(s) to summon departments.") % {"n": facts.whistles}
        )
    if facts.meetings:
        steps.append(_("Discussed at: %(meetings)s.") % {"meetings": "、".join(facts.meetings)})
    if demand.plan.strip():
        steps.append(_("Plan: %(plan)s") % {"plan": demand.plan.strip()})
    outcome = []
    if demand.result.strip():
        outcome.append(demand.result.strip())
    if facts.working_days is not None:
        outcome.append(_("Resolved in %(timing)s.") % {"timing": facts.timing})
    if facts.solved:
        outcome.append(_("The enterprise's evaluation: %(evaluation)s.") % {"evaluation": facts.evaluation})
        if facts.evaluation_comment.strip():
            outcome.append(f"“{facts.evaluation_comment.strip()}”")
    return {
        "title": case_title(demand.title),
        "background": background,
        "approach": "\n".join(steps),
        "outcome": "\n".join(outcome),
        "lessons": "",
        "tags": [demand.domain.name] if demand.domain is not None else [],
    }


def anonymise(text: str, names: list[str]) -> str:
    """`text` with the enterprise's names replaced by 某企业 (the longest first, so a name containing another
    is replaced whole)."""
    placeholder = _("an enterprise")
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = re.sub(re.escape(name), placeholder, text)
    return text

"""Who reaches which demand, in one place (DESIGN.md §1, STYLE.md rule 3).

A user's memberships become `DemandGrants`: per role, the ids through which that role reaches a demand. The same
grants answer two questions that must always agree:

* `grants.q()` — the queryset filter behind `Demand.objects.for_user(user)` (pages, API, search, counts, exports);
* `grants.roles_reaching(facts)` — which of the user's roles reach one demand, in pure Python; the actions use
  it to decide in which role the user acts (a coordinator acts only on its department's demands).

Outside the scope is 404 (`get_demand_for_user`), the same as missing. Administrators (三权分立) handle users,
security and the audit trail, not demands: they reach none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from demandloop.lib.lookups import get_for_user_or_404
from demandloop.org.choices import RoleChoices
from demandloop.org.scope import city_district_ids

if TYPE_CHECKING:
    from demandloop.demands.models import Demand, DemandQuerySet

R = RoleChoices

# When a user reaches a demand in several roles, it acts in the first of these (the most specific).
ROLE_PRIORITY: tuple[str, ...] = (
    R.ENTERPRISE,
    R.OFFICER,
    R.SOCIAL_OFFICER,
    R.INDUSTRY_OFFICER,
    R.COORDINATOR,
    R.DEPT_LEAD,
    R.LEADER,
    R.DISPATCHER,
    R.HUB,
    R.CITY,
)


@dataclass(frozen=True)
class DemandFacts:
    """What the scope rules read from a demand, detached from the database."""

    district_id: int
    area_id: int | None
    enterprise_id: int
    park_id: int | None
    enterprise_is_key: bool
    key_department_id: int | None
    lead_department_id: int | None
    co_department_ids: frozenset[int]
    created_by_id: int | None
    # Departments summoned by a whistle (吹哨报到): they see the demand they must report in on, nothing more —
    # acting on it still needs the lead or a co-department (permissions.py).
    whistled_department_ids: frozenset[int] = frozenset()
    # Sent to the platform's city desk at some time: what the desk reaches — awaiting it, answered or returned.
    at_city_desk: bool = False

    @classmethod
    def of(
        cls,
        demand: Demand,
        co_department_ids: frozenset[int] | None = None,
        whistled_department_ids: frozenset[int] | None = None,
    ) -> DemandFacts:
        """Facts of a demand whose enterprise is loaded; co- and whistled departments are read unless given."""
        from demandloop.meetings.models import WhistleResponse

        enterprise = demand.enterprise
        if co_department_ids is None:
            co_department_ids = frozenset(demand.co_department_links.values_list("department_id", flat=True))
        if whistled_department_ids is None and demand.pk is None:
            whistled_department_ids = frozenset()  # a demand being received has no whistle yet
        elif whistled_department_ids is None:
            whistled_department_ids = frozenset(
                WhistleResponse.objects.filter(whistle__demand=demand).values_list("department_id", flat=True)
            )
        return cls(
            district_id=demand.district_id,
            area_id=demand.area_id,
            enterprise_id=demand.enterprise_id,
            park_id=enterprise.park_id,
            enterprise_is_key=enterprise.is_key,
            key_department_id=enterprise.key_department_id,
            lead_department_id=demand.lead_department_id,
            co_department_ids=co_department_ids,
            created_by_id=demand.created_by_id,
            whistled_department_ids=whistled_department_ids,
            at_city_desk=demand.at_city_desk,
        )

    @property
    def department_ids(self) -> frozenset[int]:
        lead = {self.lead_department_id} if self.lead_department_id else set()
        return self.co_department_ids | lead


@dataclass(frozen=True)
class DemandGrants:
    """Per role, the ids through which a user reaches demands. Empty sets reach nothing."""

    user_id: int | None = None
    hub_district_ids: frozenset[int] = frozenset()
    dispatcher_district_ids: frozenset[int] = frozenset()
    officer_area_ids: frozenset[int] = frozenset()
    social_area_ids: frozenset[int] = frozenset()
    social_locality_ids: frozenset[int] = frozenset()
    industry_department_ids: frozenset[int] = frozenset()
    coordinator_department_ids: frozenset[int] = frozenset()
    dept_lead_department_ids: frozenset[int] = frozenset()
    leader_area_ids: frozenset[int] = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    # Districts whose transfers to the city a city desk receives (a city-wide deployment).
    city_district_ids: frozenset[int] = frozenset()

    def roles_reaching(self, facts: DemandFacts) -> list[str]:
        """The user's roles that reach the demand, most specific first."""
        reached: dict[str, bool] = {
            R.ENTERPRISE: facts.enterprise_id in self.enterprise_ids,
            R.OFFICER: facts.area_id in self.officer_area_ids,
            R.SOCIAL_OFFICER: facts.area_id in self.social_area_ids
            or facts.park_id in self.social_locality_ids,
            R.INDUSTRY_OFFICER: facts.enterprise_is_key
            and facts.key_department_id in self.industry_department_ids,
            R.COORDINATOR: bool(
                (facts.department_ids | facts.whistled_department_ids) & self.coordinator_department_ids
            ),
            R.DEPT_LEAD: bool(
                (facts.department_ids | facts.whistled_department_ids) & self.dept_lead_department_ids
            ),
            R.LEADER: facts.area_id in self.leader_area_ids,
            R.DISPATCHER: facts.district_id in self.dispatcher_district_ids,
            R.HUB: facts.district_id in self.hub_district_ids,
            R.CITY: facts.at_city_desk and facts.district_id in self.city_district_ids,
        }
        return [role for role in ROLE_PRIORITY if reached[role]]

    def q(self) -> Q:
        """The same rules as `roles_reaching`, as a filter on `Demand`."""
        from demandloop.demands.models import DemandCoDepartment
        from demandloop.meetings.models import WhistleResponse

        cond = Q(pk__in=[])
        districts = self.hub_district_ids | self.dispatcher_district_ids
        if districts:
            cond |= Q(district_id__in=districts)
        areas = self.officer_area_ids | self.social_area_ids | self.leader_area_ids
        if areas:
            cond |= Q(area_id__in=areas)
        if self.social_locality_ids:
            cond |= Q(enterprise__park_id__in=self.social_locality_ids)
        if self.industry_department_ids:
            cond |= Q(enterprise__is_key=True, enterprise__key_department_id__in=self.industry_department_ids)
        departments = self.coordinator_department_ids | self.dept_lead_department_ids
        if departments:
            co_department = DemandCoDepartment.objects.filter(
                demand=OuterRef("pk"), department_id__in=departments
            )
            whistled = WhistleResponse.objects.filter(
                whistle__demand=OuterRef("pk"), department_id__in=departments
            )
            cond |= Q(lead_department_id__in=departments) | Q(Exists(co_department)) | Q(Exists(whistled))
        if self.enterprise_ids:
            cond |= Q(enterprise_id__in=self.enterprise_ids)
        if self.city_district_ids:
            cond |= Q(district_id__in=self.city_district_ids, at_city_desk=True)
        return cond

    @property
    def roles(self) -> frozenset[str]:
        present = {
            R.HUB: self.hub_district_ids,
            R.DISPATCHER: self.dispatcher_district_ids,
            R.OFFICER: self.officer_area_ids,
            R.SOCIAL_OFFICER: self.social_area_ids | self.social_locality_ids,
            R.INDUSTRY_OFFICER: self.industry_department_ids,
            R.COORDINATOR: self.coordinator_department_ids,
            R.DEPT_LEAD: self.dept_lead_department_ids,
            R.LEADER: self.leader_area_ids,
            R.ENTERPRISE: self.enterprise_ids,
            R.CITY: self.city_district_ids,
        }
        return frozenset(role for role, ids in present.items() if ids)


NO_GRANTS = DemandGrants()


def is_hub_of(user: Any, district_id: int) -> bool:
    """Whether `user` works for the government service office (区政务服务办, the hub) of the district."""
    return district_id in demand_grants(user).hub_district_ids


def demand_grants(user: Any) -> DemandGrants:
    """The grants of `user`, resolved once and cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_GRANTS
    cached = getattr(user, "_demandloop_demand_grants", None)
    if isinstance(cached, DemandGrants):
        return cached
    ids: dict[str, set[int]] = {
        name: set()
        for name in (
            "hub",
            "dispatcher",
            "officer",
            "social_area",
            "social_locality",
            "industry",
            "coordinator",
            "dept_lead",
            "leader",
            "enterprise",
            "city",
        )
    }
    memberships = (
        user.memberships.filter(is_active=True)
        .select_related("leader_post")
        .prefetch_related("areas", "leader_post__areas")
    )
    for m in memberships:
        area_ids = {a.pk for a in m.areas.all()}
        if m.role == R.HUB and m.district_id:
            ids["hub"].add(m.district_id)
        elif m.role == R.DISPATCHER and m.district_id:
            ids["dispatcher"].add(m.district_id)
        elif m.role == R.OFFICER:
            ids["officer"] |= area_ids
        elif m.role == R.SOCIAL_OFFICER:
            # A 双重服务员 serves its park or business district (南开 §二(二)).
            ids["social_area"] |= area_ids
            if m.locality_id:
                ids["social_locality"].add(m.locality_id)
        elif m.role == R.INDUSTRY_OFFICER and m.department_id:
            ids["industry"].add(m.department_id)
        elif m.role == R.COORDINATOR and m.department_id:
            ids["coordinator"].add(m.department_id)
        elif m.role == R.DEPT_LEAD and m.department_id:
            ids["dept_lead"].add(m.department_id)
        elif m.role == R.LEADER:
            # 29 leaders share 24 areas (静海 §一(一)3): a leader reaches its post's areas.
            ids["leader"] |= area_ids
            if m.leader_post is not None:
                ids["leader"] |= {a.pk for a in m.leader_post.areas.all()}
        elif m.role == R.ENTERPRISE and m.enterprise_id:
            ids["enterprise"].add(m.enterprise_id)
        elif m.role == R.CITY:
            ids["city"] |= {m.district_id} if m.district_id else city_district_ids()
    grants = DemandGrants(
        user_id=user.pk,
        hub_district_ids=frozenset(ids["hub"]),
        dispatcher_district_ids=frozenset(ids["dispatcher"]),
        officer_area_ids=frozenset(ids["officer"]),
        social_area_ids=frozenset(ids["social_area"]),
        social_locality_ids=frozenset(ids["social_locality"]),
        industry_department_ids=frozenset(ids["industry"]),
        coordinator_department_ids=frozenset(ids["coordinator"]),
        dept_lead_department_ids=frozenset(ids["dept_lead"]),
        leader_area_ids=frozenset(ids["leader"]),
        enterprise_ids=frozenset(ids["enterprise"]),
        city_district_ids=frozenset(ids["city"]),
    )
    user._demandloop_demand_grants = grants
    return grants


def city_steps(demand: Any = None, since: Any = None) -> Any:
    """The city's progress steps (受理, 办理中) on a demand since its latest transfer: on `demand` transferred at
    `since`, or — both left out — as a subquery of a demand queryset (`Exists(city_steps())`: accepted)."""
    from demandloop.demands.choices import DemandActionChoices
    from demandloop.demands.models import DemandEvent

    of_demand = Q(demand=OuterRef("pk")) if demand is None else Q(demand=demand)
    since_transfer = Q(at__gte=OuterRef("transferred_at")) if since is None else Q(at__gte=since)
    return DemandEvent.objects.filter(of_demand, since_transfer, action=DemandActionChoices.CITY_PROGRESS)


def city_figures(user: Any) -> DemandQuerySet:
    """Every demand of the districts a city desk serves, for their figures only (counts and rates by district):
    the city follows the districts' 三率 without reaching their demands. Never list or open its rows — that is
    `Demand.objects.for_user`. Empty for anyone but a city desk."""
    from demandloop.demands.models import Demand

    return Demand.objects.filter(district_id__in=demand_grants(user).city_district_ids)


def district_of(user: Any, code: str | None, *, hub_only: bool) -> Any:
    """The district asked for by code, or the user's first; 404 when it is not one of theirs (or, `hub_only`,
    not one they are the hub of) — the same answer as for a district that does not exist."""
    from django.http import Http404

    from demandloop.org.models import District
    from demandloop.org.scope import resolve_scope

    ids = demand_grants(user).hub_district_ids if hub_only else resolve_scope(user).district_ids
    districts = District.objects.filter(pk__in=ids).order_by("code")
    district = districts.filter(code=code).first() if code else districts.first()
    if district is None:
        raise Http404
    return district


def forget_grants(user: Any) -> None:
    """Drop the cached grants, e.g. after the user's memberships changed."""
    if hasattr(user, "_demandloop_demand_grants"):
        del user._demandloop_demand_grants


def scope_demands(qs: DemandQuerySet, user: Any) -> DemandQuerySet:
    return qs.filter(demand_grants(user).q())


def get_demand_for_user(user: Any, pk: Any, *, queryset: DemandQuerySet | None = None) -> Demand:
    """The demand `pk` if `user` reaches it; otherwise 404, exactly as if it did not exist."""
    from demandloop.demands.models import Demand

    base = queryset if queryset is not None else Demand.objects.all()
    found: Demand = get_for_user_or_404(base.select_related("enterprise", "tier", "district"), user, pk)
    return found


def response_overdue_q(now: Any) -> Q:
    """Demands whose plan + ETA is owed and late: the tier's response deadline has passed without a plan."""
    from demandloop.demands.flow import AWAITING_RESPONSE_STATUSES

    return Q(status__in=AWAITING_RESPONSE_STATUSES, responded_at__isnull=True, response_due__lt=now)


def completion_overdue_q(now: Any) -> Q:
    """Demands being handled past their committed completion deadline."""
    from demandloop.demands.choices import DemandStatusChoices as S

    return Q(status__in=[S.IN_PROGRESS, S.PLANNED, S.INFORMED], completion_due__lt=now)

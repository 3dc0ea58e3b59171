"""The demo data obeys every rule of a demand's life: checked over every demand the generator makes."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone

from demandloop.core.audit import SYSTEM_ROLE
from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.demo import COVERAGE, ROUND_THE_CLOCK, TITLE_CHARS, title_of
from demandloop.demands.flow import targets
from demandloop.demands.models import Demand, DemandEvent
from demandloop.demands.queries import DemandFacts, demand_grants
from demandloop.demands.tests.world import DEMO_PER_DISTRICT
from demandloop.org.choices import RoleChoices
from demandloop.org.demo import OFFICE_CLOSES, OFFICE_OPENS
from demandloop.org.models import User
from demandloop.sla.services import compute_due, get_calendar

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

PER_DISTRICT = len(COVERAGE) + DEMO_PER_DISTRICT


def test_a_title_is_the_first_clause_or_two_when_the_first_only_sets_the_scene() -> None:
    assert (
        title_of("我们是一般纳税人，进项发票认证平台勾选不了，影响当月抵扣")
        == "我们是一般纳税人，进项发票认证平台勾选不了"
    )
    assert (
        title_of("企业生产许可证变更生产地址后，现场审查一直没安排，影响投产")
        == "企业生产许可证变更生产地址后，现场审查一直没安排"
    )
    assert (
        title_of("企业反映：有人冒用我公司商标在网上销售假货，请协助维权")
        == "企业反映：有人冒用我公司商标在网上销售假货"
    )
    assert title_of("企业扩大生产需要流动资金约500万元，希望协调银行") == "企业扩大生产需要流动资金约500万元"
    long = "园区多家企业的土地证与规划用途不符（工业用地实际做仓储），希望协调"
    assert title_of(long) == long[: TITLE_CHARS - 1] + "…"


def test_it_creates_every_status_at_every_tier_in_both_districts(demo: list[Any]) -> None:
    for district in demo:
        pairs = set(Demand.objects.filter(district=district).values_list("status", "tier__level"))
        assert pairs >= set(COVERAGE), set(COVERAGE) - pairs
        assert Demand.objects.filter(district=district, is_demo=True).count() == PER_DISTRICT


def test_it_reaches_every_demand_through_flow_edges_with_one_event_and_audit_row_each(
    demo: list[Any],
) -> None:
    events: dict[int, list[DemandEvent]] = defaultdict(list)
    for event in DemandEvent.objects.order_by("demand", "at", "pk"):
        events[event.demand_id].append(event)
    audits = defaultdict(int)
    for object_id, action in AuditEvent.objects.filter(
        object_type="demands.demand", success=True
    ).values_list("object_id", "action"):
        audits[(int(object_id), action)] += 1
    now = timezone.now()
    for demand in Demand.objects.all():
        trail = events[demand.pk]
        assert trail[0].action == "receive" and trail[0].to_status == S.RECEIVED
        assert trail[0].at >= demand.received_at
        for before, after in pairwise(trail):
            assert after.from_status == before.to_status, (demand.pk, after.action)
            assert after.to_status in targets(after.from_status, after.action), (demand.pk, after.action)
            assert before.at <= after.at <= now
        assert trail[-1].to_status == demand.status
        # Every action after the intake bumped the version exactly once.
        assert demand.version == len(trail) - 1
        per_action: dict[str, int] = defaultdict(int)
        for event in trail:
            per_action[event.action] += 1
        for action, count in per_action.items():
            assert audits[(demand.pk, f"demand.{action}")] == count, (demand.pk, action)


def test_it_keeps_each_status_consistent_with_its_fields(demo: list[Any]) -> None:
    pre_triage = {S.RECEIVED, S.SCREENED, S.OUT_OF_SCOPE, S.MERGED, S.WITHDRAWN}
    for demand in Demand.objects.select_related("tier", "exclusion", "duplicate_of").prefetch_related(
        "co_department_links"
    ):
        status = demand.status
        assert (demand.tier_id is None) == (status in pre_triage), demand.pk
        if status == S.OUT_OF_SCOPE:
            assert demand.exclusion_id and demand.redirect_text == demand.exclusion.redirect_text
        if status == S.MERGED:
            assert demand.duplicate_of.status not in (S.MERGED, S.OUT_OF_SCOPE)
            assert demand.duplicate_of.district_id == demand.district_id
        if status == S.TRANSFERRED:
            assert demand.tier.level == 4 and demand.transferred_at
            # The city desk of the city-wide demo knows a matter by its own number; an outside channel's is typed.
            assert demand.at_city_desk or demand.city_reference
        if status == S.ANSWERED:
            assert demand.tier.level == 1 and demand.complexity == "simple" and demand.result
        if status in (S.PLANNED, S.INFORMED):
            assert demand.plan and demand.completion_due and demand.responded_at
        if status == S.INFORMED:
            assert demand.informed_at
        if status in (S.RESOLVED, S.ANSWERED):
            assert demand.result and demand.resolved_at
        if status == S.EVALUATED:
            assert demand.evaluation_solved and demand.evaluation_satisfied and demand.evaluated_at
        if status in (S.CLOSED, S.OUT_OF_SCOPE, S.MERGED, S.WITHDRAWN):
            assert demand.closed_at
        if status in (S.RESOLVED, S.EVALUATED, S.CLOSED) and demand.result:
            # Co-handled matters resolve only once every co-department reported its part.
            assert all(link.reported_at for link in demand.co_department_links.all()), demand.pk
        if demand.tier_id and demand.tier.level >= 3 and status in (S.IN_PROGRESS, S.PLANNED, S.INFORMED):
            assert demand.lead_department_id and demand.completion_due


def test_the_district_s_people_act_in_office_hours(demo: list[Any]) -> None:
    """Only the 12345 hotline and the portal take a matter in at any hour; every other step of the demo lands on a
    working day between 08:30 and 18:00 — the last steps of stories that ran out of time too: they crowd at the
    last office moment before now (org/tests/test_demo_any_hour.py makes the demo at awkward hours)."""
    calendar = get_calendar()
    # The platform's own steps (the supervision sweep's escalations, actor "system") come when the clock says.
    events = (
        DemandEvent.objects.filter(demand__district__in=demo)
        .exclude(actor_role=SYSTEM_ROLE)
        .select_related("demand")
    )
    outside = []
    for event in events:
        local = timezone.localtime(event.at)
        if calendar.is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
            continue
        if event.action == A.RECEIVE and event.demand.channel in ROUND_THE_CLOCK:
            continue
        outside.append((event.demand_id, event.action, local))
    assert not outside, outside[:5]
    assert events.count() > 500, "the check has events to look at"


def test_a_duplicate_repeats_an_open_demand_of_its_enterprise_and_no_other_matter_is_raised_twice(
    demo: list[Any],
) -> None:
    merged = Demand.objects.filter(district__in=demo, status=S.MERGED).select_related("duplicate_of")
    assert merged.exists()
    for duplicate in merged:
        original = duplicate.duplicate_of
        assert (duplicate.enterprise_id, duplicate.title) == (original.enterprise_id, original.title)
        assert original.received_at < duplicate.received_at
        assert original.closed_at is None or duplicate.closed_at < original.closed_at, "merged while open"
    raised = (
        Demand.objects.filter(district__in=demo).exclude(status=S.MERGED).values_list("enterprise", "title")
    )
    assert len(set(raised)) == len(raised), "an enterprise raises a matter once"


def test_it_sets_every_response_deadline_from_the_calendar_on_entering_the_tier(demo: list[Any]) -> None:
    checked = 0
    for demand in Demand.objects.filter(tier__isnull=False).select_related("tier", "district"):
        days = demand.tier.response_days
        if days is None:
            assert demand.response_due is None
            continue
        due = compute_due(demand.tier_entered_at, days, demand.district)
        assert (demand.response_due, demand.response_due_provisional) == (due.due, due.provisional), demand.pk
        checked += 1
    assert checked > 100


def test_it_answers_the_same_scope_in_sql_and_in_python_for_every_demo_person(demo: list[Any]) -> None:
    demands = list(Demand.objects.select_related("enterprise").prefetch_related("co_department_links"))
    facts = {
        d.pk: DemandFacts.of(d, frozenset(link.department_id for link in d.co_department_links.all()))
        for d in demands
    }
    # The district's people, and the city desk, which serves every district without one of its own.
    people = User.objects.filter(
        Q(memberships__district__isnull=False) | Q(memberships__role=RoleChoices.CITY), is_demo=True
    ).distinct()
    assert people.count() > 50
    for user in people:
        grants = demand_grants(user)
        by_sql = set(Demand.objects.for_user(user).values_list("pk", flat=True))
        by_python = {pk for pk, f in facts.items() if grants.roles_reaching(f)}
        assert by_sql == by_python, user.username
    desk = set(
        Demand.objects.for_user(User.objects.get(username="city-desk")).values_list("district", flat=True)
    )
    assert desk == {district.pk for district in demo}, "the desk has transfers of both districts"


def test_the_printed_demo_logins_are_the_busiest_of_each_role(demo: list[Any]) -> None:
    from demandloop.demands.demo import busiest_logins
    from demandloop.demands.flow import OPEN_STATUSES
    from demandloop.org.choices import RoleChoices as R
    from demandloop.org.models import Membership

    for district in demo:
        logins = busiest_logins(district)
        roles = set(
            Membership.objects.filter(district=district, user__is_demo=True).values_list("role", flat=True)
        )
        assert set(logins) == roles, "one login for every role the district's demo people hold"

        def open_seen(username: str) -> int:
            user = User.objects.get(username=username)
            return Demand.objects.for_user(user).filter(status__in=OPEN_STATUSES).count()

        for role, username in logins.items():
            others = Membership.objects.filter(district=district, role=role, user__is_demo=True)
            assert all(open_seen(username) >= open_seen(m.user.username) for m in others), (district, role)
        # The pages an officer and a coordinator open first have work on them.
        assert open_seen(logins[R.OFFICER]) > 0
        assert open_seen(logins[R.COORDINATOR]) > 0


def test_demo_matters_come_from_the_corpus_and_go_to_the_department_they_belong_to(demo: list[Any]) -> None:
    from demandloop.demands.choices import DemandActionChoices
    from demandloop.routing.corpus import load_corpus

    for district in demo:
        train = {row.text: row for row in load_corpus(district.code, split="train")}
        held_back = {row.text for row in load_corpus(district.code, split="test")}
        demands = list(
            Demand.objects.filter(district=district).select_related("lead_department", "exclusion")
        )
        assert all(d.content in train for d in demands), "every matter is a training row of the corpus"
        assert not any(d.content in held_back for d in demands), "a retrain must not see the held-back slice"
        assert len({d.content for d in demands}) > len(demands) // 2, "many different matters, not a dozen"
        returned = set(
            DemandEvent.objects.filter(
                demand__district=district, action=DemandActionChoices.RETURN
            ).values_list("demand_id", flat=True)
        )
        led = [d for d in demands if d.lead_department_id and d.pk not in returned]
        assert led
        for demand in led:
            assert demand.lead_department.code == train[demand.content].department, (
                demand.title,
                demand.status,
                list(demand.events.values_list("action", flat=True)),
            )
        for demand in demands:
            if demand.status == S.OUT_OF_SCOPE:
                assert demand.exclusion.code == train[demand.content].exclusion, demand.title


def test_each_demo_matter_comes_from_an_enterprise_that_would_raise_it(demo: list[Any]) -> None:
    from demandloop.demands.demo import Matter, raises

    demands = Demand.objects.filter(district__in=demo).select_related("enterprise")
    misfits = [
        (d.pk, d.enterprise.name, d.content[:30])
        for d in demands
        if not raises(d.enterprise, Matter("", d.title, d.content))
    ]
    assert not misfits, misfits[:5]
    spheres = {Matter("", d.title, d.content).spheres for d in demands}
    assert {frozenset({"farm"}), frozenset({"shop"}), frozenset({"company"})} <= spheres, (
        "the check sees them"
    )


def test_a_farm_s_matter_is_a_cooperative_s_and_a_shop_s_a_shopkeeper_s() -> None:
    from demandloop.demands.demo import Matter, raises
    from demandloop.enterprises.models import Enterprise

    coop = Enterprise(kind="cooperative", industry="农业")
    barber = Enterprise(kind="individual", industry="居民服务业")
    factory = Enterprise(kind="company", industry="通用设备制造业")
    caterer = Enterprise(kind="company", industry="餐饮业")
    subsidy = Matter("", "", "我们合作社申请的农机购置补贴公示后还没发放")
    tables = Matter("", "", "饭店门前外摆被罚款，希望明确可以外摆的时段")
    workshop = Matter("", "", "我厂新建车间，环评、能评、施工许可分别在不同窗口排队")
    invoice = Matter("", "", "数电发票开具时提示纳税人状态异常，无法开票")
    assert [raises(e, subsidy) for e in (coop, barber, factory, caterer)] == [True, False, False, False]
    assert [raises(e, tables) for e in (coop, barber, factory, caterer)] == [False, True, False, True]
    assert [raises(e, workshop) for e in (coop, barber, factory, caterer)] == [False, False, True, True]
    assert all(raises(e, invoice) for e in (coop, barber, factory, caterer))


def test_the_city_desk_has_each_district_s_matters_waiting_and_answered(demo: list[Any]) -> None:
    """The city-wide demo leaves the desk work whatever the hour it is made at: the open matters take turns
    between awaiting acceptance and accepted, the first of each district waiting."""
    for district in demo:
        at_desk = Demand.objects.filter(district=district, at_city_desk=True)
        still_open = at_desk.filter(status=S.TRANSFERRED)
        accepted = still_open.filter(events__action=A.CITY_PROGRESS).distinct()
        assert still_open.count() > accepted.count(), district.code
        assert accepted.count() == still_open.count() // 2, district.code
        assert at_desk.filter(events__action=A.RESOLVE, events__actor_role=RoleChoices.CITY).exists()


def test_every_phone_number_of_the_demo_is_one_the_platform_accepts(demo: list[Any]) -> None:
    """The demo is what the forms would have let in: people's numbers are mobiles (text messages go to them),
    contacts' numbers are phone numbers, a demand's contact number may be masked as 12345 gives it."""
    from demandloop.enterprises.models import EnterpriseContact
    from demandloop.lib.phones import is_mobile, phone_kind

    people = list(User.objects.exclude(phone="").values_list("username", "phone"))
    assert people and [p for p in people if not is_mobile(p[1])] == []
    contacts = list(EnterpriseContact.objects.values_list("phone", flat=True))
    assert contacts and [p for p in contacts if phone_kind(p) is None] == []
    demands = list(Demand.objects.exclude(contact_phone="").values_list("contact_phone", flat=True))
    assert demands and [p for p in demands if phone_kind(p, masked_ok=True) is None] == []


def test_the_sweep_s_steps_of_the_demo_s_past_are_taken_at_their_own_moments(demo: list[Any]) -> None:
    """Made at once, the demo's overdue matters would otherwise all be escalated the minute the platform starts:
    `init` takes each step of the past at its time (`sla.sweep.catch_up`), so nothing is left for the first
    sweep, and the escalations lie on the days they fell due, each after the demand's earlier steps."""
    from demandloop.meetings.models import DeadlineWatch, Supervision
    from demandloop.sla.sweep import catch_up

    now = timezone.now()
    assert DeadlineWatch.objects.filter(demand__district__in=demo, next_at__lte=now).exists(), (
        "a past to catch up"
    )
    assert catch_up(now, Demand.objects.filter(district__in=demo)) > 10
    assert not DeadlineWatch.objects.filter(demand__district__in=demo, next_at__lte=now).exists()
    escalations = DemandEvent.objects.filter(
        demand__district__in=demo, action=A.ESCALATE, actor_role=SYSTEM_ROLE
    )
    days = {timezone.localtime(e.at).date() for e in escalations}
    assert len(days) >= 3, sorted(days)
    assert all(e.at <= now for e in escalations)
    for event in escalations:
        earlier = DemandEvent.objects.filter(demand_id=event.demand_id, at__gt=event.at)
        assert not earlier.exclude(actor_role=SYSTEM_ROLE).filter(pk__lt=event.pk).exists(), event.demand_id
    reminders = Supervision.objects.filter(demand__district__in=demo, step="reminder")
    assert reminders.filter(outcome="reminded").exists(), (
        "reminders went out in time, not recorded as overtaken"
    )

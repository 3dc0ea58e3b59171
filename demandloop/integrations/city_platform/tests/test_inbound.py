"""A matter the city sends: taken in as a `city` demand through `do_receive`, its enterprise found by 统一社会信用代码
(or registered for the hub's review), idempotent by the city's reference; the district's progress on it goes back
to the city through the outbox."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from demandloop.demands import actions
from demandloop.demands.models import Demand
from demandloop.enterprises.models import Enterprise
from demandloop.integrations.city_platform.models import CityInboundMessage, CityMatter
from demandloop.integrations.city_platform.outbound import CHANNEL
from demandloop.integrations.city_platform.tests.conftest import deliver_everything_due
from demandloop.integrations.models import OutboxMessage
from demandloop.org.demo import make_uscc


def matter(w: Any, **change: Any) -> dict[str, Any]:
    body = {
        "event_id": "in-1",
        "reference": "JCF2026100001",
        "district": w.district.code,
        "enterprise": {"name": w.ent_b.name, "uscc": w.ent_b.uscc},
        "contact": {"name": "李四", "phone": "13900001111"},
        "title": "企业反映跨区物流车辆通行证办理难",
        "content": "企业物流车辆需跨区通行，市级平台转区办理。",
        "received_at": "2026-11-20T09:30:00+08:00",
        "attachments": ["通行证申请表.pdf"],
    }
    body.update(change)
    return body


def test_it_takes_the_matter_in_as_a_city_demand(world: Any, city_posts: Any) -> None:
    w = world.jinghai
    response = city_posts("demands", matter(w))
    assert response.status_code == 201, response.content
    demand = Demand.objects.get(pk=int(response.json()["district_reference"]))
    assert response.json() == {
        "code": 0,
        "reference": "JCF2026100001",
        "district_reference": str(demand.pk),
        "enterprise_registered": False,
    }
    assert (demand.channel, demand.status, demand.enterprise, demand.area) == (
        "city",
        "received",
        w.ent_b,
        w.b,
    )
    assert (demand.city_reference, demand.contact_name, demand.contact_phone) == (
        "JCF2026100001",
        "李四",
        "13900001111",
    )
    assert demand.received_at.isoformat() == "2026-11-20T01:30:00+00:00"
    [event] = demand.events.all()
    assert event.actor is None and "通行证申请表.pdf" in event.note and "JCF2026100001" in event.note
    assert CityMatter.objects.get(demand=demand).direction == "received"


def test_it_takes_the_same_matter_once(world: Any, city_posts: Any) -> None:
    w = world.jinghai
    first = city_posts("demands", matter(w))
    repeat = city_posts("demands", matter(w))
    resent = city_posts("demands", matter(w, event_id="in-2"))
    assert (first.status_code, repeat.status_code, resent.status_code) == (201, 200, 200)
    assert repeat.json()["duplicate"] is True and resent.json()["duplicate"] is True
    assert repeat.json()["district_reference"] == first.json()["district_reference"]
    assert Demand.objects.filter(channel="city").count() == 1
    assert CityInboundMessage.objects.count() == 2


def test_it_registers_an_enterprise_the_ledger_lacks_for_the_hub_s_review(
    world: Any, city_posts: Any
) -> None:
    w = world.jinghai
    code = make_uscc(random.Random(77), w.district, "company")
    response = city_posts("demands", matter(w, enterprise={"name": "新设物流有限公司", "uscc": code}))
    assert response.status_code == 201 and response.json()["enterprise_registered"] is True
    enterprise = Enterprise.objects.get(uscc=code)
    assert (enterprise.name, enterprise.district, enterprise.needs_review) == (
        "新设物流有限公司",
        w.district,
        True,
    )


@pytest.mark.parametrize(
    ("enterprise", "field"),
    [
        ({"name": "某公司", "uscc": "91120223MA05X0000X"}, "enterprise.uscc"),
        ({"name": "某公司", "uscc": "91120223ma05x0000x"}, "enterprise.uscc"),
        ({"name": "某公司"}, "enterprise.uscc"),
        ("not an object", "enterprise"),
    ],
)
def test_it_refuses_a_wrong_code_naming_the_field(
    world: Any, city_posts: Any, enterprise: Any, field: str
) -> None:
    response = city_posts("demands", matter(world.jinghai, enterprise=enterprise))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Demand.objects.filter(channel="city").exists() and not CityInboundMessage.objects.exists()


def test_it_refuses_an_enterprise_of_another_district_s_ledger(world: Any, city_posts: Any) -> None:
    other = world.nankai.ent_a
    response = city_posts(
        "demands", matter(world.jinghai, enterprise={"name": other.name, "uscc": other.uscc})
    )
    assert response.status_code == 400 and response.json()["field"] == "enterprise.uscc"
    assert world.nankai.district.name in response.json()["msg"]
    assert not Demand.objects.filter(channel="city").exists()


def test_it_wants_a_name_to_register_an_unknown_code(world: Any, city_posts: Any) -> None:
    code = make_uscc(random.Random(78), world.jinghai.district, "company")
    response = city_posts("demands", matter(world.jinghai, enterprise={"uscc": code}))
    assert response.status_code == 400 and response.json()["field"] == "enterprise.name"
    assert not Enterprise.objects.filter(uscc=code).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"district": "atlantis"}, "district"),
        ({"title": ""}, "title"),
        ({"content": "   "}, "content"),
        ({"reference": "x" * 65}, "reference"),
        ({"received_at": "20 November"}, "received_at"),
        ({"attachments": "a.pdf"}, "attachments"),
    ],
)
def test_it_names_the_wrong_field_of_a_matter(
    world: Any, city_posts: Any, change: dict[str, Any], field: str
) -> None:
    response = city_posts("demands", matter(world.jinghai, **change))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Demand.objects.filter(channel="city").exists()


def test_it_refuses_a_reference_of_a_matter_the_district_transferred(
    world: Any, city: Any, city_posts: Any
) -> None:
    from demandloop.integrations.city_platform.tests.ladder import at_tier_4, transfer

    w = world.jinghai
    transfer(w, at_tier_4(w), city_reference="JCF2026100001")
    response = city_posts("demands", matter(w))
    assert response.status_code == 409 and response.json()["field"] == "reference"


def test_it_reports_the_district_s_progress_back_to_the_city(world: Any, city: Any, city_posts: Any) -> None:
    w = world.jinghai
    demand = Demand.objects.get(pk=int(city_posts("demands", matter(w)).json()["district_reference"]))
    actions.do_screen(demand, w.hub, in_scope=True)
    actions.do_triage(demand, w.hub, domain=w.domain(), complexity="complex", tier=w.tier(2))
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"))
    actions.do_accept(demand, w.coord_lead)
    assert not OutboxMessage.objects.filter(channel=CHANNEL).exists(), "intake steps are not reported"
    from demandloop.demands.tests.world import in_days

    actions.do_plan(demand, w.coord_lead, plan="五个工作日内办结通行证", eta=in_days(10))
    [message] = OutboxMessage.objects.filter(channel=CHANNEL)
    body = json.loads(message.body)
    assert (body["type"], body["reference"], body["status"], body["sequence"]) == (
        "status",
        "JCF2026100001",
        "planned",
        demand.version,
    )
    assert body["plan"] == "五个工作日内办结通行证" and body["unit"] == w.dep("scjgj").name
    matter_row = CityMatter.objects.get(demand=demand)
    assert matter_row.sync_state == "pending"

    city.answers = [(502, {"code": 502})]
    deliver_everything_due()
    deliver_everything_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 2)
    assert city.statuses["JCF2026100001"]["status"] == "planned"
    assert all(request.signature_ok for request in city.requests)
    assert CityMatter.objects.get(demand=demand).sync_state == "delivered"

"""For each preset, a demand walks the whole ladder through the API, with the calendar's deadlines and the events.

The clock is set around the 2025 National Day holiday (1–8 October off, Sunday 28 September and Saturday
11 October working days), so the expected deadlines below are worked out by hand from the State Council's
arrangement, not by the code under test:

- received Tuesday 30 September 10:00 → tier 1 (1 working day): Thursday 9 October 24:00;
  tier 2 (3 working days): 9, 10, 11 October → Saturday 11 October 24:00 (a make-up working day);
- escalated Monday 13 October → tier 3 (7 working days): 14–17, 20–22 → Wednesday 22 October 24:00;
- tier 4 has no district deadline: tracked until the city answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from demandloop.sla.calendar import SHANGHAI

pytestmark = pytest.mark.django_db

END = (23, 59, 59, 999999)


def end_of(year: int, month: int, day: int) -> str:
    return datetime(year, month, day, *END, tzinfo=SHANGHAI).isoformat()


def same_instant(value: str | None, expected: str) -> bool:
    return value is not None and datetime.fromisoformat(value) == datetime.fromisoformat(expected)


def act(client: Any, demand_id: int, name: str, expect: int = 200, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/demands/{demand_id}/actions/{name}/", body, format="json")
    assert response.status_code == expect, (name, response.status_code, response.json())
    return response.json()


def register(client: Any, w: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "enterprise": w.ent_a.pk,
        "channel": "officer",
        "source": "phone",
        "title": "新建厂房消防验收咨询",
        "content": "企业新建厂房，咨询消防验收需要准备的材料。",
        "contact_name": "李四",
        "contact_phone": "13912345678",
        **extra,
    }
    response = client.post("/api/v1/demands/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def history(client: Any, demand_id: int) -> list[tuple[str, str, str, int | None]]:
    response = client.get(f"/api/v1/demands/{demand_id}/events/")
    assert response.status_code == 200
    return [(e["action"], e["from_status"], e["to_status"], e["to_tier"]) for e in response.json()]


@pytest.mark.parametrize("preset", ["jinghai", "nankai"])
def test_it_answers_a_simple_matter_on_the_spot_at_tier_1(
    preset: str, world: Any, clock: Any, api_as: Any
) -> None:
    w = world.d[preset]
    officer = api_as(w.officer_a)
    demand = register(officer, w)
    assert demand["status"] == "received"
    assert demand["contact"] == {"name": "李四", "phone": "13912345678", "masked": False}
    act(officer, demand["id"], "screen", in_scope=True)
    triaged = act(officer, demand["id"], "triage", domain="public", complexity="simple", tier=1)
    assert same_instant(triaged["response_due"], end_of(2025, 10, 9))
    assert triaged["response_due_provisional"] is False
    assert triaged["tier"]["level"] == 1
    assert triaged["routing_choice"]["tier"] == 1
    answered = act(officer, demand["id"], "answer", answer="消防验收材料清单已发企业，可在政务网预约。")
    assert answered["status"] == "answered"
    assert answered["responded_at"] is not None
    rated = act(api_as(w.ent_user_a), demand["id"], "evaluate", solved="solved", satisfied="satisfied")
    assert rated["evaluation"]["solved"] == "solved"
    assert rated["can_reopen"] is False
    act(officer, demand["id"], "close")
    assert history(officer, demand["id"]) == [
        ("receive", "", "received", None),
        ("screen", "received", "screened", None),
        ("triage", "screened", "triaged", 1),
        ("answer", "triaged", "answered", 1),
        ("evaluate", "answered", "evaluated", 1),
        ("close", "evaluated", "closed", 1),
    ]


@pytest.mark.parametrize("preset", ["jinghai", "nankai"])
def test_it_dispatches_plans_escalates_decides_and_transfers_up_the_ladder(
    preset: str, world: Any, clock: Any, api_as: Any
) -> None:
    w = world.d[preset]
    officer, hub = api_as(w.officer_a), api_as(w.hub)
    coordinator, co_department = api_as(w.coord_lead), api_as(w.coord_co)
    demand_id = register(officer, w)["id"]

    # Tier 2: the officer routes it straight to the department's coordinator (部门直通).
    act(officer, demand_id, "screen", in_scope=True)
    triaged = act(officer, demand_id, "triage", domain="market", complexity="complex", tier=2)
    assert same_instant(triaged["response_due"], end_of(2025, 10, 11))
    dispatched = act(officer, demand_id, "dispatch", lead_department="scjgj", co_departments=["swj"])
    assert dispatched["lead_department"]["code"] == "scjgj"
    assert [c["code"] for c in dispatched["co_departments"]] == ["swj"]
    # The coordinator reads the contact masked; the officer does not.
    accepted = act(coordinator, demand_id, "accept")
    assert accepted["contact"] == {"name": "李*", "phone": "139****5678", "masked": True}
    clock.set(2025, 10, 9, 15)
    planned = act(coordinator, demand_id, "plan", plan="两个工作日内上门核查", eta="2025-10-20")
    assert same_instant(planned["completion_due"], end_of(2025, 10, 20))
    assert planned["responded_at"] is not None

    # Not solvable by one department: escalated to tier 3 on Monday 13 October.
    clock.set(2025, 10, 13, 9)
    escalated = act(coordinator, demand_id, "escalate", reason="multi_department", note="涉及规划与消防")
    assert escalated["status"] == "escalated"
    assert escalated["tier"]["level"] == 3
    assert same_instant(escalated["response_due"], end_of(2025, 10, 22))
    assert escalated["responded_at"] is None
    # A tier-3 decision must name co-departments.
    refused = act(hub, demand_id, "decide", expect=400, lead_department="scjgj", deadline="2025-11-14")
    assert "co_departments" in refused
    decided = act(
        hub,
        demand_id,
        "decide",
        lead_department="scjgj",
        co_departments=["swj", "rsj"],
        deadline="2025-11-14",
        note="联席会决定",
    )
    assert decided["status"] == "in_progress"
    assert same_instant(decided["completion_due"], end_of(2025, 11, 14))
    assert sorted(c["code"] for c in decided["co_departments"]) == ["rsj", "swj"]
    act(coordinator, demand_id, "plan", plan="联合现场办公", eta="2025-11-10")
    act(officer, demand_id, "inform", note="已电话告知企业")
    # Still two parts missing: the demand cannot resolve.
    act(co_department, demand_id, "report_part", part="税务部分已落实")
    blocked = act(coordinator, demand_id, "resolve", expect=409, result="已解决")
    assert "区人社局" in blocked["detail"]

    # The matter needs the city after all: tier 4, no district deadline, transferred with its reference.
    clock.set(2025, 10, 20, 9)
    lifted = act(hub, demand_id, "escalate", reason="not_solvable")
    assert lifted["tier"]["level"] == 4
    assert lifted["response_due"] is None
    transferring = api_as(w.officer_a) if preset == "nankai" else hub
    channel = "hotline_desk" if preset == "nankai" else "city_office"
    moved = act(transferring, demand_id, "transfer", city_channel=channel, city_reference="TJ-2025-10-0042")
    assert (moved["status"], moved["city_reference"]) == ("transferred", "TJ-2025-10-0042")
    clock.set(2025, 11, 3, 9)
    act(hub, demand_id, "resolve", result="市级部门协调，已办结")
    rated = act(api_as(w.ent_user_a), demand_id, "evaluate", solved="partly", satisfied="basically")
    assert rated["can_reopen"] is True

    assert history(officer, demand_id) == [
        ("receive", "", "received", None),
        ("screen", "received", "screened", None),
        ("triage", "screened", "triaged", 2),
        ("dispatch", "triaged", "dispatched", 2),
        ("accept", "dispatched", "in_progress", 2),
        ("plan", "in_progress", "planned", 2),
        ("escalate", "planned", "escalated", 3),
        ("decide", "escalated", "in_progress", 3),
        ("plan", "in_progress", "planned", 3),
        ("inform", "planned", "informed", 3),
        ("report_part", "informed", "informed", 3),
        ("escalate", "informed", "escalated", 4),
        ("transfer", "escalated", "transferred", 4),
        ("resolve", "transferred", "resolved", 4),
        ("evaluate", "resolved", "evaluated", 4),
    ]
    events = officer.get(f"/api/v1/demands/{demand_id}/events/").json()
    # Every event carries the deadline in force after it.
    by_action = {(e["action"], e["to_tier"]): e for e in events}
    assert same_instant(by_action[("triage", 2)]["response_due"], end_of(2025, 10, 11))
    assert same_instant(by_action[("escalate", 3)]["response_due"], end_of(2025, 10, 22))
    assert same_instant(by_action[("decide", 3)]["completion_due"], end_of(2025, 11, 14))
    assert by_action[("escalate", 4)]["response_due"] is None
    assert {e["actor_role"] for e in events} >= {"officer", "coordinator", "hub", "enterprise"}


@pytest.mark.parametrize("preset", ["jinghai", "nankai"])
def test_it_lets_the_tier_4_handlers_of_each_preset_decide(
    preset: str, world: Any, clock: Any, api_as: Any
) -> None:
    # 静海 tier 4 is 分管副区长、区长、书记: the district leader of the area may decide there; 南开 has no leaders.
    w = world.d[preset]
    officer = api_as(w.officer_a)
    demand_id = register(officer, w)["id"]
    act(officer, demand_id, "screen", in_scope=True)
    act(api_as(w.hub), demand_id, "triage", domain="economic", complexity="complex", tier=4)
    expected = 200 if preset == "jinghai" else 403
    act(
        api_as(w.leader),
        demand_id,
        "decide",
        expect=expected,
        lead_department="gxj" if preset == "jinghai" else "fgw",
        deadline="2025-12-31",
    )

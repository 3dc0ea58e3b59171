"""The router over the API and in the registration form: for district staff, with explanations; 404 for others."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from demandloop.demands.tests.world import build_world, receive
from demandloop.knowledge.handbook import load_handbook


@pytest.fixture
def world(db):
    return build_world()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_officer_gets_the_decision_with_its_explanation(world):
    w = world.jinghai
    load_handbook("jinghai")
    response = client_for(w.officer_a).post(
        "/api/v1/routing/decisions/",
        {"text": "排污许可证快到期了，延续申请交了一个月没有消息", "enterprise": w.ent_a.pk, "area": w.a.pk},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["district"] == "jinghai"
    assert data["departments"][0]["code"] == "sthjj"
    assert data["departments"][0]["because"][0]["feature"]
    assert data["faq"][0]["code"] == "discharge-permit"
    assert data["faq"][0]["answer"] and data["faq"][0]["contacts"]


def test_an_enterprise_account_gets_404(world):
    response = client_for(world.jinghai.ent_user_a).post(
        "/api/v1/routing/decisions/", {"text": "发票额度不够"}, format="json"
    )
    assert response.status_code == 404


def test_another_districts_router_is_out_of_reach(world):
    response = client_for(world.jinghai.officer_a).post(
        "/api/v1/routing/decisions/", {"text": "发票额度不够", "district": "nankai"}, format="json"
    )
    assert response.status_code == 404


def test_an_empty_text_is_refused_with_the_field_named(world):
    response = client_for(world.jinghai.officer_a).post(
        "/api/v1/routing/decisions/", {"text": ""}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()


def test_the_hub_sees_common_problems_of_the_period(world):
    w = world.jinghai
    receive(w, enterprise=w.ent_a, title="天然气供应不足", content="园区天然气供应不足，价格太高，影响生产")
    receive(w, enterprise=w.ent_key, title="天然气价格高", content="天然气供应不足价格高，生产受影响")
    receive(w, enterprise=w.ent_a, title="路灯坏了", content="厂区门口路灯坏了没人修")
    today = timezone.localdate()
    response = client_for(w.hub).get(
        "/api/v1/routing/common-problems/",
        {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200
    problems = response.json()["problems"]
    assert len(problems) == 1
    assert problems[0]["count"] == 2 and problems[0]["enterprise_count"] == 2
    assert "天然气" in problems[0]["keywords"]


def test_an_officer_cannot_list_the_districts_common_problems(world):
    assert client_for(world.jinghai.officer_a).get("/api/v1/routing/common-problems/").status_code == 404


def test_the_handbook_is_searchable_by_everyone_of_the_district(world):
    load_handbook("jinghai")
    load_handbook("nankai")
    response = client_for(world.jinghai.ent_user_a).get("/api/v1/faq/", {"q": "出口退税多久到账"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["code"] == "export-refund"
    assert {r["district"] for r in results} == {"jinghai"}
    everything = client_for(world.jinghai.ent_user_a).get("/api/v1/faq/").json()
    assert everything["count"] >= 40


def test_the_registration_form_partial_shows_suggestions_and_evidence(world, client):
    w = world.jinghai
    client.force_login(w.officer_a)
    response = client.get(
        "/routing/decision/",
        {"title": "法院判决后对方不执行", "content": "合同纠纷法院已经判决，请区里帮忙催款"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "法院已经判决" in html  # the evidence
    assert "法院" in html and "routing-decision" in html
    client.force_login(w.ent_user_a)
    assert client.get("/routing/decision/", {"title": "发票额度不够用了"}).status_code == 404


def test_the_hub_reads_common_problems_on_its_console_and_puts_one_on_a_meetings_agenda(world, client):
    from demandloop.meetings import actions as meeting_actions

    w = world.jinghai
    gas = [
        receive(
            w, enterprise=w.ent_a, title="天然气供应不足", content="园区天然气供应不足，价格太高，影响生产"
        ),
        receive(w, enterprise=w.ent_key, title="天然气价格高", content="天然气供应不足价格高，生产受影响"),
    ]
    receive(w, enterprise=w.ent_a, title="路灯坏了", content="厂区门口路灯坏了没人修")
    receive(
        world.nankai, enterprise=world.nankai.ent_a, title="天然气供应不足", content="天然气供应不足价格高"
    )
    client.force_login(w.hub)

    page = client.get("/hub/common-problems/").content.decode()
    assert page.count("data-problem=") == 1
    assert 'data-enterprises="2" data-demands="2"' in page
    assert all(f"#{d.pk} {d.title}" in page for d in gas)
    assert "路灯" not in page and world.nankai.ent_a.name not in page
    # A period that ends before it starts is refused with the field named, and nothing is listed.
    today = timezone.localdate()
    refused = client.get(
        "/hub/common-problems/", {"start": today.isoformat(), "end": (today - timedelta(days=3)).isoformat()}
    ).content.decode()
    assert "结束日期早于开始日期" in refused and "data-problem=" not in refused
    # A start after today (the end left empty) or more than a year back is refused too.
    for start in (today + timedelta(days=2), today - timedelta(days=400)):
        answer = client.get("/hub/common-problems/", {"start": start.isoformat()}).content.decode()
        assert "data-problem=" not in answer and "is-invalid" in answer, start
    # An earlier period has none.
    past = client.get(
        "/hub/common-problems/",
        {"start": (today - timedelta(days=90)).isoformat(), "end": (today - timedelta(days=60)).isoformat()},
    ).content.decode()
    assert "本期没有共性问题" in past

    meeting = meeting_actions.do_call_meeting(
        w.district, w.hub, kind="joint", title="联席会", scheduled_at=timezone.now(), departments=[]
    )
    detail = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "会议前 30 天的共性问题" in detail
    topic = "共性问题：天然气"
    assert topic in detail
    value = detail.split('name="topic" value="', 1)[1].split('"', 1)[0]
    client.post(f"/meetings/{meeting.pk}/topic/", {"topic": value})
    assert [item.topic for item in meeting.agenda.all()] == [value]
    assert "（2 家企业，2 件诉求）" in value
    assert "已列入议程" in client.get(f"/meetings/{meeting.pk}/").content.decode()
    # A department attending the meeting sees its page without the district's clusters.
    attended = meeting_actions.do_call_meeting(
        w.district,
        w.hub,
        kind="joint",
        title="另一次会",
        scheduled_at=timezone.now(),
        departments=[w.dep("scjgj")],
    )
    client.force_login(w.coord_lead)
    answer = client.get(f"/meetings/{attended.pk}/")
    assert answer.status_code == 200 and "会议前 30 天的共性问题" not in answer.content.decode()


def test_common_problems_are_clustered_anew_when_a_demand_of_the_period_changes(world, monkeypatch):
    from demandloop.demands import actions as demand_actions
    from demandloop.routing import queries
    from demandloop.routing.queries import common_problems, period_bounds

    clusterings = []
    original = queries.find_common_problems
    monkeypatch.setattr(
        queries, "find_common_problems", lambda *a, **k: clusterings.append(1) or original(*a, **k)
    )

    w = world.jinghai
    receive(w, enterprise=w.ent_a, title="天然气供应不足", content="园区天然气供应不足，价格太高，影响生产")
    receive(w, enterprise=w.ent_key, title="天然气价格高", content="天然气供应不足价格高，生产受影响")
    start, end = period_bounds(None, None)
    assert [p.count for p in common_problems(w.district.pk, start, end)] == [2]
    assert common_problems(w.district.pk, start, end) == common_problems(w.district.pk, start, end)
    assert len(clusterings) == 1, "the same period, unchanged, is clustered once"

    third = receive(
        w,
        enterprise=w.ent_b,
        by=w.officer_b,
        title="天然气涨价",
        content="天然气供应不足，价格上涨，影响生产",
    )
    assert [p.count for p in common_problems(w.district.pk, start, end)] == [3]
    demand_actions.do_screen(third, w.officer_b, in_scope=False, exclusion=w.district.exclusions.first())
    # Refused as out of scope, it no longer counts: the cached three are not served again.
    assert [p.count for p in common_problems(w.district.pk, start, end)] == [2]
    assert len(clusterings) == 3

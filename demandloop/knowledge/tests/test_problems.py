"""Typical problems (典型问题): the hub records a common problem from the similar demands of several enterprises
and puts it on the working group's topic meeting (南开: 召开专题会议进行会商，提出解决方案)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed
from demandloop.demands.tests.world import World, build_world, drive, receive
from demandloop.integrations.models import Notification
from demandloop.knowledge import actions
from demandloop.knowledge.models import TypicalProblem
from demandloop.meetings.actions import do_call_meeting

pytestmark = pytest.mark.django_db

TITLE = "园区企业普遍反映用电增容难"


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def meeting(w: Any, kind: str = "topic") -> Any:
    return do_call_meeting(
        w.district,
        w.hub,
        kind=kind,
        title=f"{kind}会议",
        scheduled_at=timezone.now() + timedelta(days=2),
        demands=[],
    )


def recorded(w: Any) -> TypicalProblem:
    demands = [receive(w, enterprise=w.ent_a), receive(w, enterprise=w.ent_key)]
    return actions.do_record_problem(
        w.district, w.hub, title=TITLE, description="多家企业反映", demands=demands
    )


def test_the_hub_records_a_problem_and_puts_it_on_a_topic_meeting(world):
    w = world.jinghai
    problem = recorded(w)
    assert problem.demands.count() == 2 and problem.recorded_by == w.hub
    topic = meeting(w)
    with pytest.raises(ActionInvalid) as error:
        actions.do_table_problem(problem, w.hub, meeting=meeting(w, "joint"))
    assert error.value.field == "meeting"
    actions.do_table_problem(problem, w.hub, meeting=topic)
    item = topic.agenda.get(topic__startswith="典型问题")
    assert TITLE in item.topic and "2件" in item.topic and item.note == "多家企业反映"
    assert TypicalProblem.objects.get().agenda_item == item
    with pytest.raises(ActionNotAllowed):
        actions.do_table_problem(problem, w.hub, meeting=topic)


def test_only_the_hub_and_the_service_officers_record_and_the_input_is_named(world):
    w = world.jinghai
    demand = receive(w)
    for person in (w.coord_lead, w.leader, world.nankai.hub, world.nankai.officer_a):
        with pytest.raises(ActionForbidden):
            actions.do_record_problem(w.district, person, title=TITLE, demands=[demand])
    with pytest.raises(ActionInvalid) as error:
        actions.do_record_problem(w.district, w.hub, title=" ", demands=[demand])
    assert error.value.field == "title"
    with pytest.raises(ActionInvalid) as error:
        actions.do_record_problem(w.district, w.hub, title=TITLE, demands=[])
    assert error.value.field == "demands"
    with pytest.raises(ActionInvalid) as error:
        actions.do_record_problem(w.district, w.hub, title=TITLE, demands=[receive(world.nankai)])
    assert error.value.field == "demands"
    with pytest.raises(ActionForbidden):
        actions.do_table_problem(recorded(w), world.nankai.hub, meeting=meeting(w))
    assert TypicalProblem.objects.count() == 1


def test_a_service_officer_records_a_problem_from_the_demands_they_serve_and_the_hub_is_told(world, client):
    """静海 §四(二): 为企服务人员…及时记录企业存在共性、难点问题."""
    w = world.jinghai
    mine, theirs = receive(w), receive(w, enterprise=w.ent_b, by=w.officer_b)
    with pytest.raises(ActionInvalid) as error:
        actions.do_record_problem(w.district, w.officer_a, title=TITLE, demands=[mine, theirs])
    assert error.value.field == "demands", "only demands the officer serves"

    client.force_login(w.officer_a)
    page = client.get(reverse("demand_detail", args=[mine.pk])).content.decode()
    assert 'id="problem-panel"' in page
    back = reverse("demand_detail", args=[mine.pk])
    sent = client.post(
        reverse("problem_record"),
        {
            "district": w.district.code,
            "demands": [mine.pk],
            "title": TITLE,
            "description": "三家企业都提到",
            "next": back,
        },
        follow=True,
    )
    assert sent.redirect_chain[-1][0] == back
    text = sent.content.decode()
    assert (
        "已记录，并已告知区政务服务办" in text and f"{TITLE}" in text.split('id="demand-typical-problems"')[1]
    )
    problem = TypicalProblem.objects.get()
    assert (problem.recorded_by, list(problem.demands.all())) == (w.officer_a, [mine])
    told = Notification.objects.get(user=w.hub, topic="problem")
    assert TITLE in told.subject and told.link == f"/cases/problems/{problem.pk}/"
    assert AuditEvent.objects.filter(
        action="knowledge.problem.record", user=w.officer_a, role="officer"
    ).exists()
    api = APIClient()
    api.force_authenticate(w.officer_b)
    made = api.post("/api/v1/typical-problems/", {"title": "招工难", "demands": [theirs.pk]}, format="json")
    assert made.status_code == 201, made.json()
    api.force_authenticate(w.coord_lead)
    assert (
        api.post(
            "/api/v1/typical-problems/", {"title": "招工难", "demands": [theirs.pk]}, format="json"
        ).status_code
        == 404
    )
    # The hub finds it in its list; a coordinator gets no recording panel.
    client.force_login(w.hub)
    assert TITLE in client.get(reverse("problem_list")).content.decode()
    client.force_login(w.coord_lead)
    dispatched = drive(w, S.DISPATCHED)
    page = client.get(reverse("demand_detail", args=[dispatched.pk]))
    assert page.status_code == 200 and 'id="problem-panel"' not in page.content.decode()


def test_the_api_records_and_tables_a_problem_for_the_hub_only(world):
    w = world.jinghai
    demands = [receive(w).pk, receive(w, enterprise=w.ent_b, by=w.officer_b).pk]
    hub = APIClient()
    hub.force_authenticate(w.hub)
    created = hub.post("/api/v1/typical-problems/", {"title": TITLE, "demands": demands}, format="json")
    assert created.status_code == 201 and sorted(created.json()["demands"]) == sorted(demands)
    pk = created.json()["id"]
    other = receive(world.nankai).pk
    refused = hub.post("/api/v1/typical-problems/", {"title": TITLE, "demands": [other]}, format="json")
    assert refused.status_code == 400 and "demands" in refused.json()
    tabled = hub.post(f"/api/v1/typical-problems/{pk}/agenda/", {"meeting": meeting(w).pk}, format="json")
    assert tabled.status_code == 200 and tabled.json()["meeting"]
    officer = APIClient()
    officer.force_authenticate(w.officer_a)
    assert officer.get(f"/api/v1/typical-problems/{pk}/").status_code == 404
    assert officer.get("/api/v1/typical-problems/").json()["results"] == []
    nankai = APIClient()
    nankai.force_authenticate(world.nankai.hub)
    assert nankai.get(f"/api/v1/typical-problems/{pk}/").status_code == 404


def test_the_hub_records_from_the_problems_page_and_tables_it(world, client):
    w = world.jinghai
    demands = [receive(w), receive(w, enterprise=w.ent_key)]
    topic = meeting(w)
    client.force_login(w.hub)
    assert client.get(reverse("problem_list")).status_code == 200
    empty = client.post(reverse("problem_record"), {"title": "", "demands": [d.pk for d in demands]})
    assert empty.status_code == 302 and not TypicalProblem.objects.exists()
    client.post(reverse("problem_record"), {"title": TITLE, "demands": [d.pk for d in demands]})
    problem = TypicalProblem.objects.get()
    page = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert TITLE in page and topic.title in page
    client.post(reverse("problem_table", args=[problem.pk]), {"meeting": topic.pk})
    assert TypicalProblem.objects.get().agenda_item.meeting == topic
    assert TITLE in client.get(reverse("problem_list")).content.decode()
    client.force_login(w.officer_a)
    assert client.get(reverse("problem_detail", args=[problem.pk])).status_code == 404


def test_the_problems_page_loads_the_common_problems_on_their_own(world, client):
    # Two enterprises asking the same thing within 90 days make a common problem; a third demand does not join.
    w = world.jinghai
    same = [receive(w), receive(w, enterprise=w.ent_key)]
    other = receive(w, title="路灯损坏", content="园区门前道路路灯损坏已半月，夜间通行不便。")
    client.force_login(w.hub)
    page = client.get(reverse("problem_list")).content.decode()
    assert reverse("problem_clusters") in page and "data-cluster" not in page, (
        "the page does not wait for them"
    )
    clusters = client.get(reverse("problem_clusters") + "?district=jinghai").content.decode()
    assert clusters.count('class="card card-body mb-2 cluster"') == 1
    for demand in same:
        assert f'name="demands" value="{demand.pk}"' in clusters
    assert f'value="{other.pk}"' not in clusters
    # A period of the hub's choosing, checked as the console checks it: one that ends before it starts shows
    # the error and no clusters; one before the demands were received has none.
    url = reverse("problem_clusters") + "?district=jinghai"
    backwards = client.get(url + "&start=2026-03-01&end=2026-02-01").content.decode()
    assert "结束日期早于开始日期。" in backwards
    assert "data-cluster" not in backwards
    before = client.get(url + "&start=2020-01-01&end=2020-01-31").content.decode()
    assert "data-cluster" not in before and "2020-01-01" in before
    client.force_login(world.nankai.hub)
    assert client.get(reverse("problem_clusters") + "?district=jinghai").status_code == 404

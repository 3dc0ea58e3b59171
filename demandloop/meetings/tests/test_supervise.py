"""督办 by hand (跟踪督办): the hub and the grid centre urge a demand's handlers and their leads, any number of
times, on the page and in the API; everyone else is refused; the records and the figures count it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from demandloop.core.models import AuditEvent
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed
from demandloop.demands.tests.world import drive
from demandloop.integrations.models import Notification
from demandloop.meetings import actions
from demandloop.meetings.models import Supervision
from demandloop.meetings.queries import supervision_figures

NOTE = "请于明日前联系企业，说明办理进度。"


def test_the_hub_urges_the_handlers_and_their_leads_again_and_again(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)  # dispatched to scjgj, response clock running
    record = actions.do_supervise(demand, w.hub, note=NOTE)
    assert (record.step, record.by, record.note, record.clock) == ("manual", w.hub, NOTE, "response")
    assert record.due == demand.response_due and record.department == w.dep("scjgj")
    told = set(Notification.objects.filter(topic="supervision").values_list("user__username", flat=True))
    assert told == {w.coord_lead.username, w.lead.username} and record.recipients == 2
    assert NOTE in Notification.objects.filter(user=w.coord_lead).latest("pk").body
    assert AuditEvent.objects.filter(action="meetings.supervise", user=w.hub, role="hub").count() == 1

    again = actions.do_supervise(demand, w.dispatcher, note="再次督办：今日下班前反馈。")
    assert Supervision.objects.filter(demand=demand, step="manual").count() == 2
    assert AuditEvent.objects.filter(
        action="meetings.supervise", user=w.dispatcher, role="dispatcher"
    ).exists()
    figures = {row["department"]: row for row in supervision_figures(Supervision.objects.filter(pk=again.pk))}
    assert figures[w.dep("scjgj").name]["supervisions"] == 1, "a 督办 by hand counts as a 督办"


def test_only_the_districts_hub_and_grid_centre_urge_and_only_open_demands(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    for someone in (w.officer_a, w.coord_lead, w.leader, world.nankai.hub):
        with pytest.raises(ActionForbidden):
            actions.do_supervise(demand, someone, note=NOTE)
    with pytest.raises(ActionInvalid) as caught:
        actions.do_supervise(demand, w.hub, note="  ")
    assert caught.value.field == "note"
    with pytest.raises(ActionNotAllowed):
        actions.do_supervise(drive(w, S.CLOSED), w.hub, note=NOTE)
    assert not Supervision.objects.exists() and not Notification.objects.filter(topic="supervision").exists()
    # Before a tier is set no clock runs: the 督办 is recorded without one, the area's officer told.
    received = drive(w, S.RECEIVED)
    record = actions.do_supervise(received, w.hub, note="请尽快甄别。")
    assert (record.clock, record.due) == ("", None) and record.recipients >= 1


def test_the_demand_page_offers_the_hub_the_supervise_form(world: Any, client: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    page = reverse("demand_detail", args=[demand.pk])
    client.force_login(w.officer_a)
    assert 'id="supervise-panel"' not in client.get(page).content.decode()
    assert (
        client.post(reverse("demand_supervise", args=[demand.pk]), {"supervise-note": NOTE}).status_code
        == 404
    )
    client.force_login(w.hub)
    assert 'id="supervise-panel"' in client.get(page).content.decode()
    sent = client.post(reverse("demand_supervise", args=[demand.pk]), {"supervise-note": NOTE}, follow=True)
    text = sent.content.decode()
    assert "督办已发送给 2 人" in text and NOTE in text.split('class="list-group mb-3 supervisions"')[1]


def test_the_api_lists_and_takes_a_supervision(world: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.DISPATCHED)
    api = APIClient()
    api.force_authenticate(w.dispatcher)
    made = api.post("/api/v1/supervisions/", {"demand": demand.pk, "note": NOTE}, format="json")
    assert made.status_code == 201 and made.json()["step"] == "manual" and made.json()["note"] == NOTE
    api.force_authenticate(w.officer_a)
    assert (
        api.post("/api/v1/supervisions/", {"demand": demand.pk, "note": NOTE}, format="json").status_code
        == 403
    )
    listed = api.get("/api/v1/supervisions/", {"demand": demand.pk}).json()["results"]
    assert [row["by"] for row in listed] == [w.dispatcher.get_full_name()]
    api.force_authenticate(world.nankai.hub)
    assert api.get("/api/v1/supervisions/", {"demand": demand.pk}).json()["results"] == []

"""The whole loop, as the people and the city live it: the hub transfers a tier-4 demand through 津产发 on its
page without typing a reference, the platform pushes it, the city accepts and answers, the demand is resolved
with the city's answer, the enterprise evaluates it, its officer closes it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from demandloop.demands.choices import DemandActionChoices as A
from demandloop.integrations.city_platform.models import CityMatter
from demandloop.integrations.city_platform.tests.conftest import deliver_everything_due
from demandloop.integrations.city_platform.tests.ladder import at_tier_4


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_runs_the_whole_loop_from_transfer_to_closing(world: Any, city: Any, city_posts: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    hub = signed_in(w.hub)

    # The transfer form: 津产发 needs no reference while the integration is on.
    page = hub.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    # The reference is asked only for the channels it does not push; 津产发 comes first, so it starts hidden.
    block = re.search(r'<div class="mb-3 field-city_reference"([^>]*)>', page)
    assert block is not None, "the transfer form has its reference field"
    assert block.group(1) == (
        ' data-asked-by="transfer-city_channel" data-asked-when="hotline_desk city_office" hidden'
    )
    response = hub.post(
        reverse("demand_action", args=[demand.pk, "transfer"]),
        {
            "transfer-city_channel": "jinchanfa",
            "transfer-city_reference": "",
            "transfer-note": "提请市级协调",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    demand.refresh_from_db()
    assert (demand.status, demand.city_reference) == ("transferred", "")
    page = hub.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert 'data-state="pending"' in page

    # The platform pushes it; the city answers with its reference.
    deliver_everything_due()
    [pushed] = city.requests
    assert pushed.body["district_reference"] == str(demand.pk) and pushed.signature_ok
    demand.refresh_from_db()
    reference = demand.city_reference
    assert reference == "JCF2026000001"
    page = hub.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert reference in page and 'data-state="delivered"' in page

    # The city accepts (受理), then answers (办结).
    accepted = city_posts(
        "status", {"event_id": "c-1", "reference": reference, "sequence": 1, "status": "accepted"}
    )
    assert accepted.status_code == 200
    answer = "市电力公司已将企业用电增容纳入年度改造计划，预计明年3月送电。"
    answered = city_posts(
        "status",
        {"event_id": "c-2", "reference": reference, "sequence": 2, "status": "answered", "result": answer},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "resolved"
    demand.refresh_from_db()
    assert (demand.status, demand.result) == ("resolved", answer)
    assert CityMatter.objects.get(demand=demand).city_status == "answered"

    # The enterprise reads the answer and evaluates; its officer closes the demand.
    enterprise = APIClient()
    enterprise.force_authenticate(w.ent_user_a)
    seen = enterprise.get(f"/api/v1/demands/{demand.pk}/")
    assert seen.status_code == 200 and seen.json()["result"] == answer
    rated = enterprise.post(
        f"/api/v1/demands/{demand.pk}/actions/evaluate/",
        {"solved": "solved", "satisfied": "satisfied", "comment": "市区联动，问题解决了"},
        format="json",
    )
    assert rated.status_code == 200, rated.content
    officer = APIClient()
    officer.force_authenticate(w.officer_a)
    closed = officer.post(f"/api/v1/demands/{demand.pk}/actions/close/", {}, format="json")
    assert closed.status_code == 200, closed.content
    demand.refresh_from_db()
    assert demand.status == "closed"
    actions = list(demand.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions[-6:] == [A.TRANSFER, A.CITY_PROGRESS, A.CITY_PROGRESS, A.RESOLVE, A.EVALUATE, A.CLOSE]
    # The enterprise's page shows the whole path, without the platform's sync panel.
    page = signed_in(w.ent_user_a).get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert answer in page and 'id="city-matter"' not in page
    # It reads the city's progress notes: the matter is tracked until the city answers (南开 §三(四)).
    assert "津产发已接收该事项，编号JCF2026000001。" in page and "市级已受理" in page


def test_it_transfers_through_the_api_without_a_reference(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    hub = APIClient()
    hub.force_authenticate(w.hub)
    response = hub.post(
        f"/api/v1/demands/{demand.pk}/actions/transfer/", {"city_channel": "jinchanfa"}, format="json"
    )
    assert response.status_code == 200, response.content
    refused = hub.post(
        f"/api/v1/demands/{at_tier_4(w).pk}/actions/transfer/", {"city_channel": "city_office"}, format="json"
    )
    assert refused.status_code == 400 and "city_reference" in refused.json()


def test_it_asks_for_the_reference_on_the_page_without_the_integration(world: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    hub = signed_in(w.hub)
    page = hub.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    reference = page.split('<div class="mb-3 field-city_reference">', 1)
    assert len(reference) == 2, "asked for every channel, never hidden"
    assert "（选填）" not in reference[1].split("</label>", 1)[0], "and not labelled optional"
    response = hub.post(
        reverse("demand_action", args=[demand.pk, "transfer"]),
        {"transfer-city_channel": "jinchanfa", "transfer-city_reference": ""},
    )
    assert response.status_code == 400
    demand.refresh_from_db()
    assert demand.status == "escalated"


def test_it_shows_a_failed_push_with_its_error_on_the_demand_page(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    hub = signed_in(w.hub)
    hub.post(reverse("demand_action", args=[demand.pk, "transfer"]), {"transfer-city_channel": "jinchanfa"})
    city.answers = [(400, {"code": 400, "msg": "bad matter"})]
    deliver_everything_due()
    page = hub.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert 'data-state="failed"' in page and "HTTP 400" in page
    # And on the hub's page of failed deliveries.
    assert "HTTP 400" in hub.get(reverse("delivery_list")).content.decode()

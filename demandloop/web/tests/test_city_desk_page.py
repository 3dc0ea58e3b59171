"""The city desk's page and forms in a city-wide deployment (DESIGN.md §1), and the hub's transfer to it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand, DemandEvent
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Department


@pytest.fixture
def desk(make_user: Any) -> Any:
    return make_user("city-desk", R.CITY, None, full_name="市级专席")


def at_tier_4(world: Any, key: str) -> Demand:
    """Demand `key` (dispatched at tier 2) taken up the ladder to tier 4, awaiting the hub's transfer."""
    code = key[0]
    demand = world.demand(key)
    hub, coordinator = world.person(f"{code}:hub"), world.person(f"{code}:coordinator")
    actions.do_accept(demand, coordinator)
    actions.do_escalate(demand, coordinator, reason="multi_department")
    department = world.districts[code].department
    co = Department.objects.filter(district=department.district).exclude(pk=department.pk).first()
    deadline = date.today() + timedelta(days=20)
    actions.do_decide(demand, hub, lead_department=department, co_departments=[co], deadline=deadline)
    actions.do_escalate(demand, hub, reason="not_solvable")
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 4)
    return demand


def table_rows(html: str, table_id: str) -> list[str]:
    """The demand numbers listed in the table `table_id` (empty when the table is not on the page)."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    return re.findall(r'data-demand="(\d+)"', found.group(0)) if found else []


def test_the_desk_lands_on_its_page_which_lists_what_awaits_it_by_stage_and_district(world, client, desk):
    sent = at_tier_4(world, "J1")
    actions.do_transfer(sent, world.person("J:hub"), city_channel="city_office")
    client.force_login(desk)
    assert client.get("/").url == reverse("city_desk")
    page = client.get(reverse("city_desk")).content.decode()
    assert table_rows(page, "city-new") == [str(sent.pk)]
    assert table_rows(page, "city-working") == []
    assert "市政务服务办" in page and "诉求标记-J1" in page
    actions.do_city_progress(sent, desk, stage="accepted", note="市级已受理")
    page = client.get(reverse("city_desk")).content.decode()
    assert (table_rows(page, "city-new"), table_rows(page, "city-working")) == ([], [str(sent.pk)])
    by_district = re.search(r'<table[^>]*id="by-district".*?</table>', page, re.S).group(0)
    jinghai = re.search(r'data-district="jinghai">(.*?)</tr>', by_district, re.S).group(1)
    nankai = re.search(r'data-district="nankai">(.*?)</tr>', by_district, re.S).group(1)
    number = r'<td class="text-end">(\d+)</td>'
    assert re.findall(number, jinghai) == ["1", "1", "1", "0", "0"]
    assert re.findall(number, nankai) == ["0", "0", "0", "0", "0"]
    # Nothing of the districts' own work shows: the other demands are not the desk's.
    assert "诉求标记-J2" not in page and "诉求标记-N1" not in page


def test_the_desk_page_is_the_desk_s_alone_and_the_desk_opens_no_other_demand(world, client, desk):
    client.force_login(world.person("J:hub"))
    assert client.get(reverse("city_desk")).status_code == 404
    client.force_login(desk)
    assert client.get(reverse("demand_detail", args=[world.demand("J2").pk])).status_code == 404
    assert client.get(reverse("hub")).status_code == 404
    assert client.get(reverse("dashboard")).status_code == 404


def test_the_desk_accepts_then_reports_then_answers_from_the_demand_page(world, client, desk):
    demand = at_tier_4(world, "J1")
    actions.do_transfer(demand, world.person("J:hub"), city_channel="hotline_desk")
    client.force_login(desk)
    url = reverse("demand_detail", args=[demand.pk])
    page = client.get(url).content.decode()
    offered = re.findall(r'action="/demands/\d+/actions/([a-z_]+)/"', page)
    assert offered[0] == A.CITY_PROGRESS and {A.RESOLVE, A.CITY_RETURN} <= set(offered)
    assert A.WITHDRAW not in offered and A.DECIDE not in offered
    assert re.search(r'<option value="accepted" selected>', page), "a new matter is accepted first"
    assert "市级答复" in page, "the desk's answer is the city's answer"

    posted = client.post(
        reverse("demand_action", args=[demand.pk, A.CITY_PROGRESS]),
        {
            "city_progress-stage": "accepted",
            "city_progress-unit": "市发展改革委",
            "city_progress-note": "已派单",
        },
    )
    assert posted.status_code == 302
    event = DemandEvent.objects.get(demand=demand, action=A.CITY_PROGRESS)
    assert (event.note, event.data["unit"], event.actor_role) == (
        "市级已受理，市发展改革委：已派单",
        "市发展改革委",
        R.CITY,
    )
    page = client.get(url).content.decode()
    assert re.search(r'<option value="in_progress" selected>', page), (
        "once accepted, the desk reports progress"
    )

    refused = client.post(
        reverse("demand_action", args=[demand.pk, A.CITY_RETURN]), {"city_return-reason": ""}
    )
    assert refused.status_code == 400
    assert "该字段是必填项。" in refused.content.decode()
    # The wrong field takes the focus, so a phone scrolls down to it.
    assert re.search(r'<textarea name="city_return-reason"[^>]*autofocus', refused.content.decode())
    demand.refresh_from_db()
    assert demand.status == S.TRANSFERRED, "a refused return changes nothing"

    answered = client.post(
        reverse("demand_action", args=[demand.pk, A.RESOLVE]), {"resolve-result": "已纳入市级年度计划。"}
    )
    assert answered.status_code == 302
    demand.refresh_from_db()
    assert (demand.status, demand.result) == (S.RESOLVED, "已纳入市级年度计划。")


def test_in_a_city_wide_deployment_the_hub_transfers_without_a_reference(world, client, desk):
    demand = at_tier_4(world, "N1")
    client.force_login(world.person("N:hub"))
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert "本平台的市级专席按诉求编号接收" in page
    posted = client.post(
        reverse("demand_action", args=[demand.pk, A.TRANSFER]),
        {"transfer-city_channel": "jinchanfa", "transfer-city_reference": "", "transfer-note": ""},
    )
    assert posted.status_code == 302
    demand.refresh_from_db()
    assert (demand.status, demand.at_city_desk, demand.city_reference) == (S.TRANSFERRED, True, "")
    # The hub may still resolve by hand, warned that the matter awaits the desk.
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert "此诉求正等待市级专席答复" in page


def test_without_a_desk_the_hub_must_give_the_city_s_reference(world, client):
    demand = at_tier_4(world, "N1")
    client.force_login(world.person("N:hub"))
    posted = client.post(
        reverse("demand_action", args=[demand.pk, A.TRANSFER]),
        {"transfer-city_channel": "city_office", "transfer-city_reference": ""},
    )
    assert posted.status_code == 400
    assert "请填写市级平台的受理编号。" in posted.content.decode()
    demand.refresh_from_db()
    assert demand.status == S.ESCALATED

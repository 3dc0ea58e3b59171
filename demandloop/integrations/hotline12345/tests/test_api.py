"""`/api/v1/hotline-orders/`: the dispatcher and the hub see their district's orders, everyone else the orders of
the demands they see; outside the scope is 404; callers' personal data is masked for those who do not need it;
importing and linking belong to the dispatcher and the hub."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demandloop.demands.models import Demand
from demandloop.integrations.hotline12345.imports import import_hotline
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.tests.files import order, write_csv

URL = "/api/v1/hotline-orders/"
MISSING = 2**31 - 7


@pytest.fixture
def orders(world: Any, tmp_path: Path) -> dict[str, HotlineOrder]:
    """Jinghai: GD-A (enterprise a, area a), GD-B (enterprise b, area b), GD-U (not in the ledger);
    Nankai: NK-A (its enterprise a)."""
    jinghai, nankai = world.jinghai, world.nankai
    rows = [
        order("GD-A", jinghai.ent_a),
        order("GD-B", jinghai.ent_b),
        order("GD-U", 企业名称="不在台账的公司"),
    ]
    import_hotline(
        write_csv(tmp_path / "j.csv", rows), district=jinghai.district, acting_user=jinghai.dispatcher
    )
    import_hotline(
        write_csv(tmp_path / "n.csv", [order("NK-A", nankai.ent_a)]),
        district=nankai.district,
        acting_user=nankai.dispatcher,
    )
    return {o.number: o for o in HotlineOrder.objects.all()}


def listed(client: Any, query: str = "") -> set[str]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# Which jinghai orders each person of Jinghai reaches (and nothing of Nankai, ever).
REACH = {
    "dispatcher": {"GD-A", "GD-B", "GD-U"},
    "hub": {"GD-A", "GD-B", "GD-U"},
    "officer_a": {"GD-A"},
    "officer_b": {"GD-B"},
    "leader": {"GD-A"},
    "ent_user_a": {"GD-A"},
    "ent_user_b": {"GD-B"},
    "social": set(),
    "industry": set(),
    "coord_lead": set(),
    "lead": set(),
}


@pytest.mark.parametrize("who", sorted(REACH))
def test_each_person_lists_and_opens_exactly_the_orders_in_reach(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any], who: str
) -> None:
    client = api_as(world.jinghai.people[who])

    assert listed(client) == REACH[who]
    for number, placed in orders.items():
        response = client.get(f"{URL}{placed.pk}/")
        expected = 200 if number in REACH[who] else 404
        assert response.status_code == expected, (who, number)
    assert client.get(f"{URL}{MISSING}/").status_code == 404
    assert client.get(f"{URL}not-a-number/").status_code == 404


def test_administrators_and_strangers_see_no_order(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any], client: Any
) -> None:
    for admin in world.admins.values():
        assert listed(api_as(admin)) == set()
    assert client.get(URL).status_code in (401, 403)
    assert listed(api_as(world.nankai.dispatcher)) == {"NK-A"}


def test_the_caller_is_masked_for_those_who_do_not_need_it(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    pk = orders["GD-A"].pk
    for who in ("dispatcher", "hub", "officer_a"):
        body = api_as(w.people[who]).get(f"{URL}{pk}/").json()
        assert body["caller"] == {"name": "王小明", "phone": "13912345678", "masked": False}, who
    for who in ("leader", "ent_user_a"):
        body = api_as(w.people[who]).get(f"{URL}{pk}/").json()
        assert body["caller"] == {"name": "王**", "phone": "139****5678", "masked": True}, who
        # The whole imported row holds the same personal data: the dispatcher and the hub only.
        assert body["raw_row"] is None
    assert api_as(w.dispatcher).get(f"{URL}{pk}/").json()["raw_row"]["联系电话"] == "13912345678"


def test_an_order_reads_with_its_demand_and_its_status_back(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    body = api_as(w.dispatcher).get(f"{URL}{orders['GD-A'].pk}/").json()
    assert body["number"] == "GD-A" and body["district"] == "jinghai"
    assert body["received_at"] == "2025-09-28T09:15:00+08:00"
    assert body["enterprise_match"] == "uscc"
    demand = orders["GD-A"].demand
    assert body["demand"]["id"] == demand.pk and body["demand"]["status"] == "received"
    assert body["demand"]["enterprise_name"] == w.ent_a.name
    assert body["sync"]["state"] == "idle" and body["sync"]["count"] == 0
    unlinked = api_as(w.dispatcher).get(f"{URL}{orders['GD-U'].pk}/").json()
    assert unlinked["demand"] is None and unlinked["enterprise_match"] == "unmatched"
    assert unlinked["match_note"]


def test_the_list_filters_within_the_scope(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any]
) -> None:
    dispatcher = api_as(world.jinghai.dispatcher)
    assert listed(dispatcher, "?linked=false") == {"GD-U"}
    assert listed(dispatcher, "?linked=true") == {"GD-A", "GD-B"}
    assert listed(dispatcher, "?q=gd-b") == {"GD-B"}
    assert listed(dispatcher, "?sync_state=idle") == {"GD-A", "GD-B", "GD-U"}
    assert listed(dispatcher, "?enterprise_match=unmatched") == {"GD-U"}
    assert listed(dispatcher, "?district=nankai") == set()
    assert listed(dispatcher, "?received_after=2025-09-29") == set()
    assert dispatcher.get(URL + "?sync_state=lost").status_code == 400


# --- Import -----------------------------------------------------------------------------------------------


def upload(tmp_path: Path, rows: list[dict[str, Any]], name: str = "工单.csv") -> SimpleUploadedFile:
    path = write_csv(tmp_path / "upload.csv", rows, encoding="gbk")
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def test_the_dispatcher_imports_a_file_and_gets_the_report(
    world: Any, tmp_path: Path, api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    client = api_as(w.dispatcher)
    rows = [order("GD1", w.ent_a), order("GD2", 企业名称="不在台账的公司")]

    dry = client.post(URL + "import/", {"file": upload(tmp_path, rows), "dry_run": True}, format="multipart")
    assert dry.status_code == 200 and dry.json()["applied"] is False
    assert HotlineOrder.objects.count() == 0

    response = client.post(URL + "import/", {"file": upload(tmp_path, rows)}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] is True and body["district"] == "jinghai" and body["file"] == "工单.csv"
    new = {row["number"]: row for row in body["new"]}
    assert new["GD1"]["demand"] == HotlineOrder.objects.get(number="GD1").demand_id
    assert new["GD2"]["demand"] is None and new["GD2"]["enterprise_match"] == "unmatched"

    again = client.post(URL + "import/", {"file": upload(tmp_path, rows)}, format="multipart")
    assert again.json()["unchanged"] == 2 and again.json()["new"] == []


def test_a_refused_file_answers_400_with_every_row_error_in_chinese(
    world: Any, tmp_path: Path, api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    client = api_as(w.hub)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    rows = [order("GD1", w.ent_a), order("GD2", w.ent_a, 受理时间="下午三点")]

    response = client.post(URL + "import/", {"file": upload(tmp_path, rows)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 3,
            "column": "受理时间",
            "message": "“下午三点”不是日期时间，请写成 2025-09-30 14:05 的格式。",
        }
    ]
    assert HotlineOrder.objects.count() == Demand.objects.count() == 0


@pytest.mark.parametrize("who", ["officer_a", "coord_lead", "leader", "ent_user_a"])
def test_only_the_dispatcher_and_the_hub_import(
    world: Any, tmp_path: Path, api_as: Callable[[Any], Any], who: str
) -> None:
    w = world.jinghai
    response = api_as(w.people[who]).post(
        URL + "import/", {"file": upload(tmp_path, [order("GD1", w.ent_a)])}, format="multipart"
    )
    assert response.status_code == 403
    assert HotlineOrder.objects.count() == 0


def test_a_dispatcher_imports_only_into_its_own_district(
    world: Any, tmp_path: Path, api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    response = api_as(w.dispatcher).post(
        URL + "import/",
        {"file": upload(tmp_path, [order("GD1", w.ent_a)]), "district": "nankai"},
        format="multipart",
    )
    assert response.status_code == 400 and "district" in response.json()
    assert HotlineOrder.objects.count() == 0


# --- Link ------------------------------------------------------------------------------------------------


def test_the_dispatcher_links_an_unmatched_order_and_it_becomes_a_demand(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    unlinked = orders["GD-U"]
    client = api_as(w.dispatcher)

    response = client.post(f"{URL}{unlinked.pk}/link/", {"enterprise": w.ent_b.pk}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enterprise_match"] == "chosen" and body["match_note"] == ""
    demand = Demand.objects.get(pk=body["demand"]["id"])
    assert (demand.enterprise, demand.channel, demand.hotline_number) == (w.ent_b, "hotline", "GD-U")
    assert demand.received_at == unlinked.received_at
    assert demand.events.get().actor == w.dispatcher
    # Now the officer of area b reaches it through its demand.
    assert "GD-U" in listed(api_as(w.officer_b))

    twice = client.post(f"{URL}{unlinked.pk}/link/", {"enterprise": w.ent_a.pk}, format="json")
    assert twice.status_code == 409
    assert Demand.objects.filter(hotline_number="GD-U").count() == 1


def test_linking_refuses_enterprises_out_of_reach_and_hides_orders_out_of_scope(
    world: Any, orders: dict[str, HotlineOrder], api_as: Callable[[Any], Any]
) -> None:
    w = world.jinghai
    unlinked = orders["GD-U"]
    other_district = world.nankai.ent_a
    response = api_as(w.dispatcher).post(f"{URL}{unlinked.pk}/link/", {"enterprise": other_district.pk})
    assert response.status_code == 400 and "enterprise" in response.json()
    assert (
        api_as(w.officer_a).post(f"{URL}{unlinked.pk}/link/", {"enterprise": w.ent_a.pk}).status_code == 404
    )
    assert (
        api_as(world.nankai.dispatcher)
        .post(f"{URL}{unlinked.pk}/link/", {"enterprise": w.ent_a.pk})
        .status_code
        == 404
    )
    # An officer who reaches a linked order through its demand still may not link.
    linked = orders["GD-A"]
    assert api_as(w.officer_a).post(f"{URL}{linked.pk}/link/", {"enterprise": w.ent_a.pk}).status_code == 403
    unlinked.refresh_from_db()
    assert unlinked.demand is None

"""The ledger's API: scoped reads (404 outside), writes by the hub and the area's officers, masked contacts."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.tests.conftest import make_uscc

LIST = "/api/v1/enterprises/"


def detail(enterprise: Any, suffix: str = "") -> str:
    return f"{LIST}{enterprise.pk}/{suffix}"


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_an_officer_lists_only_the_enterprises_of_its_area(api: Any, people: Any, firms: Any) -> None:
    assert names(api(people.alice).get(LIST)) == {firms.a.name}
    assert names(api(people.bob).get(LIST)) == {firms.b.name, firms.park.name}


def test_an_officer_gets_404_for_another_areas_enterprise(api: Any, people: Any, firms: Any) -> None:
    client = api(people.alice)
    assert client.get(detail(firms.a)).status_code == 200
    assert client.get(detail(firms.b)).status_code == 404
    assert client.patch(detail(firms.b), {"industry": "x"}, format="json").status_code == 404
    assert client.get(detail(firms.b, "history/")).status_code == 404
    assert client.post(detail(firms.b, "contacts/"), {"name": "x", "phone": "13800000000"}).status_code == 404


def test_the_hub_lists_its_whole_district_and_nothing_else(api: Any, people: Any, firms: Any) -> None:
    assert names(api(people.henry).get(LIST)) == {
        firms.a.name,
        firms.b.name,
        firms.c.name,
        firms.park.name,
        firms.key.name,
    }
    assert api(people.henry).get(detail(firms.other)).status_code == 404


def test_each_role_sees_its_own_reach(api: Any, people: Any, firms: Any) -> None:
    assert names(api(people.lee).get(LIST)) == {firms.a.name}
    assert names(api(people.sam).get(LIST)) == {firms.park.name}
    assert names(api(people.ivan).get(LIST)) == {firms.key.name}
    assert names(api(people.erin).get(LIST)) == {firms.a.name}
    assert names(api(people.carol).get(LIST)) == set()


def test_anonymous_callers_are_refused(db: Any, firms: Any) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code in (401, 403)


def test_contacts_are_masked_per_role(api: Any, people: Any, firms: Any) -> None:
    (alice_view,) = api(people.alice).get(detail(firms.a)).json()["contacts"]
    assert (alice_view["name"], alice_view["phone"], alice_view["masked"]) == ("张三丰", "13812341234", False)
    (lee_view,) = api(people.lee).get(detail(firms.a)).json()["contacts"]
    assert (lee_view["name"], lee_view["phone"], lee_view["masked"]) == ("张**", "138****1234", True)
    (erin_view,) = api(people.erin).get(LIST).json()["results"][0]["contacts"]
    assert erin_view["phone"] == "138****1234"


def test_an_officer_registers_an_enterprise_in_its_area(api: Any, people: Any, place: Any) -> None:
    response = api(people.alice).post(
        LIST,
        {
            "district": place.district.pk,
            "uscc": "91 120223 000000100" + make_uscc(100)[-1],
            "name": "新设有限公司",
            "area": place.area_a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get(pk=response.json()["id"])
    assert enterprise.uscc == make_uscc(100)
    assert enterprise.locality == place.street
    assert enterprise.history.get().history_user == people.alice


def test_an_officer_registers_by_address_when_it_lands_in_its_area(api: Any, people: Any, place: Any) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": make_uscc(101),
        "name": "地址有限公司",
        "address": "长虹街道红旗路7号",
    }
    response = api(people.alice).post(LIST, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["area"] == place.area_a.pk
    assert response.json()["area_name"] == "长虹一片区"


def test_an_officer_cannot_register_in_another_area(api: Any, people: Any, place: Any) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": make_uscc(102),
        "name": "越界有限公司",
        "area": place.area_b.pk,
    }
    assert api(people.alice).post(LIST, payload, format="json").status_code == 403
    by_address = {**payload, "area": None, "address": "长虹街道白堤路3号"}
    assert api(people.alice).post(LIST, by_address, format="json").status_code == 403
    assert not Enterprise.objects.filter(uscc=make_uscc(102)).exists()


def test_an_officer_must_choose_an_area_when_the_address_does_not_settle_it(
    api: Any, people: Any, place: Any
) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": make_uscc(103),
        "name": "无片区有限公司",
        "address": "不知道在哪",
    }
    response = api(people.alice).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["area"]
    assert not Enterprise.objects.filter(uscc=make_uscc(103)).exists()


def test_the_hub_registers_without_an_area(api: Any, people: Any, place: Any) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": make_uscc(104),
        "name": "待分片有限公司",
        "address": "不知道在哪",
    }
    response = api(people.henry).post(LIST, payload, format="json")
    assert response.status_code == 201
    assert response.json()["area"] is None


@pytest.mark.parametrize("who", ["lee", "sam", "ivan", "carol", "erin", "otto"])
def test_other_roles_cannot_register(api: Any, people: Any, place: Any, who: str) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": make_uscc(105),
        "name": "无权有限公司",
        "area": place.area_a.pk,
    }
    assert api(getattr(people, who)).post(LIST, payload, format="json").status_code == 403


def test_an_invalid_code_is_a_400_naming_the_field_in_chinese(api: Any, people: Any, place: Any) -> None:
    payload = {
        "district": place.district.pk,
        "uscc": "91110000600037341M",
        "name": "错码有限公司",
        "area": place.area_a.pk,
    }
    response = api(people.alice).post(LIST, payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["uscc"]
    assert "统一社会信用代码" in body["uscc"][0]


def test_an_officer_changes_an_enterprise_of_its_area(api: Any, people: Any, firms: Any) -> None:
    response = api(people.alice).patch(detail(firms.a), {"industry": "装备制造"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["industry"] == "装备制造"
    firms.a.refresh_from_db()
    assert firms.a.history.first().history_user == people.alice


def test_an_officer_cannot_move_an_enterprise_out_of_its_areas(
    api: Any, people: Any, firms: Any, place: Any
) -> None:
    response = api(people.alice).patch(detail(firms.a), {"area": place.area_b.pk}, format="json")
    assert response.status_code == 403
    firms.a.refresh_from_db()
    assert firms.a.area == place.area_a
    assert firms.a.history.count() == 1


def test_a_leader_sees_but_cannot_change(api: Any, people: Any, firms: Any) -> None:
    assert api(people.lee).patch(detail(firms.a), {"industry": "x"}, format="json").status_code == 403


def test_put_and_delete_are_not_offered(api: Any, people: Any, firms: Any) -> None:
    client = api(people.henry)
    assert client.put(detail(firms.a), {"name": "x"}, format="json").status_code == 405
    assert client.delete(detail(firms.a)).status_code == 405
    assert Enterprise.objects.filter(pk=firms.a.pk).exists()


def test_status_is_read_only_and_deregistration_has_its_own_action(api: Any, people: Any, firms: Any) -> None:
    client = api(people.henry)
    client.patch(detail(firms.b), {"status": "deregistered"}, format="json")
    firms.b.refresh_from_db()
    assert firms.b.status == "active"
    response = client.post(detail(firms.b, "deregister/"), {"deregistered_on": "2024-06-30"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "deregistered"
    assert response.json()["deregistered_on"] == "2024-06-30"


def test_an_officer_adds_a_contact_and_reads_it(api: Any, people: Any, firms: Any) -> None:
    response = api(people.alice).post(
        detail(firms.a, "contacts/"),
        {"name": "李四", "phone": "022-28395678", "position": "会计"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "022-28395678"
    assert firms.a.contacts.get(name="李四").created_by == people.alice


@pytest.mark.parametrize("phone", ["没有", "1381234567", "13812345678/02228395678"])
def test_a_contact_phone_that_is_not_a_number_is_refused(
    api: Any, people: Any, firms: Any, phone: str
) -> None:
    response = api(people.alice).post(
        detail(firms.a, "contacts/"), {"name": "李四", "phone": phone}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert "11 位手机号" in response.json()["phone"][0], "the message says what a number looks like"
    assert not firms.a.contacts.filter(name="李四").exists()


def test_a_contact_phone_typed_full_width_is_stored_in_ascii(api: Any, people: Any, firms: Any) -> None:
    response = api(people.alice).post(
        detail(firms.a, "contacts/"), {"name": "李四", "phone": "０２２－２８３９５６７８"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert firms.a.contacts.get(name="李四").phone == "022-28395678"


def test_the_history_names_who_changed_what(api: Any, people: Any, firms: Any) -> None:
    api(people.alice).patch(detail(firms.a), {"industry": "装备制造"}, format="json")
    response = api(people.henry).get(detail(firms.a, "history/"))
    assert response.status_code == 200
    latest = response.json()[0]
    assert latest["user"] == "艾丽丝"
    assert latest["history_type"] == "~"
    assert latest["changes"] == [{"field": "industry", "label": "行业", "old": "", "new": "装备制造"}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=红旗", {"红旗机械有限公司"}),
        ("q=91120223 0000000", None),
        ("kind=cooperative", {"团泊农业合作社"}),
        ("is_key=true", {"重点制造股份有限公司"}),
        ("status=deregistered", set()),
    ],
)
def test_the_hub_filters_the_ledger(api: Any, people: Any, firms: Any, query: str, expected: Any) -> None:
    found = names(api(people.henry).get(f"{LIST}?{query}"))
    assert found == (
        expected
        if expected is not None
        else {firms.a.name, firms.b.name, firms.c.name, firms.park.name, firms.key.name}
    )


def test_the_hub_filters_by_area_and_locality(api: Any, people: Any, firms: Any, place: Any) -> None:
    assert names(api(people.henry).get(f"{LIST}?area={place.area_b.pk}")) == {firms.b.name, firms.park.name}
    assert names(api(people.henry).get(f"{LIST}?locality={place.town.pk}")) == {firms.c.name}
    assert names(api(people.henry).get(f"{LIST}?district={place.district.pk}&q={firms.c.uscc}")) == {
        firms.c.name
    }


def test_the_list_does_not_query_per_enterprise(
    api: Any, people: Any, firms: Any, django_assert_max_num_queries: Any
) -> None:
    client = api(people.henry)
    client.get(LIST)
    with django_assert_max_num_queries(8):
        assert len(client.get(LIST).json()["results"]) == 5

"""The Chinese admin: the deployment's administrator sees every district, a hub only its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.tests.conftest import make_uscc
from demandloop.org.models import Membership, User


@pytest.fixture
def browser(db: Any) -> Any:
    def login(user: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return login


def changelist_names(response: Any, model: Any, field: str = "name") -> set[str]:
    assert response.status_code == 200
    shown = response.context["cl"].result_list
    return {getattr(obj, field) for obj in shown}


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_the_admin_speaks_chinese(browser: Any, people: Any) -> None:
    page = browser(people.henry).get("/admin/").content.decode()
    assert "企业台账" in page
    assert "片区" in page


def test_a_hub_lists_only_its_districts_enterprises(browser: Any, people: Any, firms: Any) -> None:
    response = browser(people.henry).get("/admin/enterprises/enterprise/")
    assert changelist_names(response, Enterprise) == {
        f.name for f in (firms.a, firms.b, firms.c, firms.park, firms.key)
    }


def test_the_administrator_lists_every_district(browser: Any, people: Any, firms: Any) -> None:
    response = browser(people.ada).get("/admin/enterprises/enterprise/")
    assert firms.other.name in changelist_names(response, Enterprise)


def test_a_hub_cannot_open_another_districts_enterprise(browser: Any, people: Any, firms: Any) -> None:
    client = browser(people.henry)
    assert client.get(f"/admin/enterprises/enterprise/{firms.a.pk}/change/").status_code == 200
    # Django's admin answers an object outside the queryset as a missing one: back to the index.
    response = client.get(f"/admin/enterprises/enterprise/{firms.other.pk}/change/")
    assert response.status_code == 302
    assert client.get(f"/admin/enterprises/enterprise/{firms.other.pk}/history/").status_code == 404


def test_a_hub_lists_only_its_districts_areas_and_departments(browser: Any, people: Any, place: Any) -> None:
    client = browser(people.henry)
    assert changelist_names(client.get("/admin/org/area/"), None) == {"长虹一片区", "长虹二片区", "团泊片区"}
    assert changelist_names(client.get("/admin/org/department/"), None) == {"区市场监管局"}
    assert changelist_names(client.get("/admin/org/district/"), None) == {"测试区"}
    assert client.get(f"/admin/org/area/{place.area_x.pk}/change/").status_code == 302


def test_a_hub_edits_the_address_keywords_of_its_area(browser: Any, people: Any, place: Any) -> None:
    response = browser(people.henry).post(
        f"/admin/org/area/{place.area_c.pk}/change/",
        {
            "district": place.district.pk,
            "locality": place.town.pk,
            "code": "c",
            "name": "团泊片区",
            "address_keywords": '["团泊湖", "健康产业园"]',
            "order": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    place.area_c.refresh_from_db()
    assert place.area_c.address_keywords == ["团泊湖", "健康产业园"]


def test_a_hub_cannot_put_its_area_in_another_district(browser: Any, people: Any, place: Any) -> None:
    response = browser(people.henry).post(
        f"/admin/org/area/{place.area_c.pk}/change/",
        {
            "district": place.other.pk,
            "locality": place.town.pk,
            "code": "c",
            "name": "团泊片区",
            "address_keywords": "[]",
            "order": "0",
        },
    )
    assert response.status_code == 200
    assert "district" in response.context["adminform"].form.errors
    place.area_c.refresh_from_db()
    assert place.area_c.district == place.district


def test_a_hub_cannot_delete_reference_data(browser: Any, people: Any, place: Any) -> None:
    assert browser(people.henry).get(f"/admin/org/area/{place.area_c.pk}/delete/").status_code == 403


def test_a_hub_lists_its_districts_people_but_no_administrator(browser: Any, people: Any) -> None:
    usernames = changelist_names(browser(people.henry).get("/admin/org/user/"), None, "username")
    assert usernames == {"alice", "bob", "henry", "lee", "sam", "ivan", "carol", "erin"}


def new_officer_form(place: Any, **changes: Any) -> dict[str, Any]:
    """The admin's form for a new officer of area C, with `changes`."""
    return {
        "username": "dora",
        "full_name": "朵拉",
        "phone": "13700001111",
        "usable_password": "true",
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        **inline_management("memberships", total=1),
        "memberships-0-role": "officer",
        "memberships-0-district": place.district.pk,
        "memberships-0-areas": [place.area_c.pk],
        "memberships-0-is_active": "on",
        **changes,
    }


def test_a_hub_creates_a_person_with_a_role_in_its_district(browser: Any, people: Any, place: Any) -> None:
    response = browser(people.henry).post("/admin/org/user/add/", new_officer_form(place))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    dora = User.objects.get(username="dora")
    assert dora.full_name == "朵拉"
    membership = dora.memberships.get()
    assert (membership.role, membership.district, list(membership.areas.all())) == (
        "officer",
        place.district,
        [place.area_c],
    )


def test_a_person_s_phone_must_be_a_mobile_number_for_text_messages(
    browser: Any, people: Any, place: Any
) -> None:
    response = browser(people.henry).post(
        "/admin/org/user/add/", new_officer_form(place, phone="022-28395678")
    )
    assert response.status_code == 200 and not User.objects.filter(username="dora").exists()
    assert "短信提醒发送到这个号码" in str(response.context["adminform"].form.errors["phone"])


def test_a_hub_cannot_create_a_person_without_a_role_in_its_district(browser: Any, people: Any) -> None:
    data = {
        "username": "nobody",
        "usable_password": "true",
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        **inline_management("memberships"),
    }
    response = browser(people.henry).post("/admin/org/user/add/", data)
    assert response.status_code == 200
    assert not User.objects.filter(username="nobody").exists()


def test_a_hub_cannot_hand_out_administrator_roles(browser: Any, people: Any, place: Any) -> None:
    data = {
        "username": "mallory",
        "usable_password": "true",
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        **inline_management("memberships", total=1),
        "memberships-0-role": "sysadmin",
        "memberships-0-district": place.district.pk,
        "memberships-0-is_active": "on",
    }
    response = browser(people.henry).post("/admin/org/user/add/", data)
    assert response.status_code == 200
    assert not User.objects.filter(username="mallory").exists()


def test_a_hub_cannot_make_anyone_a_superuser(browser: Any, people: Any) -> None:
    page = browser(people.henry).get(f"/admin/org/user/{people.alice.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    assert browser(people.ada).get(f"/admin/org/user/{people.alice.pk}/change/").status_code == 200


def test_the_user_admin_uses_the_platforms_user_fields(browser: Any, people: Any) -> None:
    page = browser(people.ada).get(f"/admin/org/user/{people.alice.pk}/change/").content.decode()
    for field in ("full_name", "phone", "is_demo"):
        assert f'name="{field}"' in page
    assert 'name="first_name"' not in page


def test_a_hub_registers_an_enterprise_through_the_actions(browser: Any, people: Any, place: Any) -> None:
    data = {
        "district": place.district.pk,
        "uscc": make_uscc(200),
        "name": "后台登记有限公司",
        "kind": "company",
        "address": "长虹街道白堤路10号",
        **inline_management("contacts", total=1),
        "contacts-0-name": "赵六",
        "contacts-0-phone": "13600001111",
        "contacts-0-is_primary": "on",
    }
    response = browser(people.henry).post("/admin/enterprises/enterprise/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    enterprise = Enterprise.objects.get(uscc=make_uscc(200))
    assert enterprise.area == place.area_b
    assert enterprise.history.get().history_user == people.henry
    contact = enterprise.contacts.get()
    assert (contact.name, contact.created_by) == ("赵六", people.henry)


def test_the_admin_refuses_a_bad_code_on_the_field(browser: Any, people: Any, place: Any) -> None:
    data = {
        "district": place.district.pk,
        "uscc": "91110000600037341M",
        "name": "错码有限公司",
        "kind": "company",
        **inline_management("contacts"),
    }
    response = browser(people.henry).post("/admin/enterprises/enterprise/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["uscc"]
    assert "统一社会信用代码" in errors["uscc"][0]


def test_a_hub_changes_an_enterprise_and_the_history_names_it(
    browser: Any, people: Any, firms: Any, place: Any
) -> None:
    contact = firms.a.contacts.get()
    data = {
        "name": firms.a.name,
        "kind": "company",
        "address": firms.a.address,
        "area": place.area_a.pk,
        "industry": "通用设备制造",
        **inline_management("contacts", total=1, initial=1),
        "contacts-0-id": contact.pk,
        "contacts-0-enterprise": firms.a.pk,
        "contacts-0-name": "张三丰",
        "contacts-0-phone": "13999998888",
        "contacts-0-position": "经理",
        "contacts-0-is_primary": "on",
    }
    response = browser(people.henry).post(f"/admin/enterprises/enterprise/{firms.a.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    firms.a.refresh_from_db()
    assert firms.a.industry == "通用设备制造"
    assert firms.a.history.first().history_user == people.henry
    contact.refresh_from_db()
    assert contact.phone == "13999998888"
    assert contact.history.first().history_user == people.henry


def test_the_administrator_reads_contacts_masked_in_the_admin(browser: Any, people: Any, firms: Any) -> None:
    page = browser(people.ada).get(f"/admin/enterprises/enterprise/{firms.a.pk}/change/").content.decode()
    assert "138****1234" in page
    assert "13812341234" not in page
    assert "张**" in page


def test_the_hub_reads_contacts_unmasked_in_the_admin(browser: Any, people: Any, firms: Any) -> None:
    page = browser(people.henry).get(f"/admin/enterprises/enterprise/{firms.a.pk}/change/").content.decode()
    assert "13812341234" in page


def test_the_history_view_names_the_user(browser: Any, people: Any, firms: Any) -> None:
    from demandloop.enterprises.actions import do_update_enterprise

    do_update_enterprise(firms.a, {"industry": "批发业"}, acting_user=people.alice)
    page = browser(people.henry).get(f"/admin/enterprises/enterprise/{firms.a.pk}/history/").content.decode()
    assert "艾丽丝" in page or "alice" in page


def test_people_without_an_admin_role_stay_out(browser: Any, people: Any) -> None:
    people.alice.is_staff = True
    people.alice.save()
    assert browser(people.alice).get("/admin/enterprises/enterprise/").status_code == 403


def test_a_district_bound_sysadmin_is_scoped_like_a_hub(
    browser: Any, people: Any, firms: Any, place: Any, make_user: Any
) -> None:
    sysadmin = make_user("sid", "sysadmin", place.other, is_staff=True)
    response = browser(sysadmin).get("/admin/enterprises/enterprise/")
    assert changelist_names(response, Enterprise) == {firms.other.name}
    assert Membership.objects.filter(user=sysadmin).count() == 1

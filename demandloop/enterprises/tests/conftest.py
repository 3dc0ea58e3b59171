"""A small district of its own for the ledger's tests, and the people of STYLE.md rule 10.

Places: 长虹街道 (areas A and B, told apart by their streets) with the park 科技园 inside it; 团泊镇 (area C).
People: alice (officer of A), bob (officer of B), henry (hub), lee (leader of A), sam (双重服务员 of the park),
ivan (industry officer of the market regulation department), carol (coordinator), ada (administrator),
erin (the account of enterprise in A), and otto (hub of another district).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from demandloop.lib.uscc import check_character


def make_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 for test enterprises (region 120223, 静海)."""
    body = f"91120223{serial:09d}"
    return body + check_character(body)


@pytest.fixture
def place(db: Any) -> SimpleNamespace:
    from demandloop.org.models import Area, Department, District, Locality

    district = District.objects.create(code="ceshi", name="测试区")
    other = District.objects.create(code="qita", name="其他区")
    street = Locality.objects.create(district=district, code="changhong", name="长虹街道", kind="street")
    town = Locality.objects.create(district=district, code="tuanbo", name="团泊镇", kind="town")
    park = Locality.objects.create(district=district, code="keji", name="科技园", kind="park", parent=street)
    other_street = Locality.objects.create(district=other, code="x", name="其他街道", kind="street")
    return SimpleNamespace(
        district=district,
        other=other,
        street=street,
        town=town,
        park=park,
        area_a=Area.objects.create(
            district=district,
            locality=street,
            code="a",
            name="长虹一片区",
            address_keywords=["红旗路", "科技园"],
        ),
        area_b=Area.objects.create(
            district=district, locality=street, code="b", name="长虹二片区", address_keywords=["白堤路"]
        ),
        area_c=Area.objects.create(district=district, locality=town, code="c", name="团泊片区"),
        area_x=Area.objects.create(district=other, locality=other_street, code="x", name="其他片区"),
        market=Department.objects.create(district=district, code="scjgj", name="区市场监管局"),
        other_department=Department.objects.create(district=other, code="scjgj", name="其他区市场监管局"),
    )


@pytest.fixture
def firms(place: SimpleNamespace) -> SimpleNamespace:
    """Enterprises of areas A, B, C, of the park, a key enterprise, and one of the other district."""
    from demandloop.enterprises.models import Enterprise, EnterpriseContact

    def firm(serial: int, name: str, **fields: Any) -> Any:
        fields.setdefault("district", place.district)
        enterprise = Enterprise.objects.create(uscc=make_uscc(serial), name=name, **fields)
        EnterpriseContact.objects.create(
            enterprise=enterprise, name="张三丰", phone="13812341234", position="经理", is_primary=True
        )
        return enterprise

    return SimpleNamespace(
        a=firm(1, "红旗机械有限公司", area=place.area_a, locality=place.street, address="长虹街道红旗路1号"),
        b=firm(2, "白堤商贸有限公司", area=place.area_b, locality=place.street, address="长虹街道白堤路2号"),
        c=firm(3, "团泊农业合作社", area=place.area_c, locality=place.town, kind="cooperative"),
        park=firm(4, "科技园软件有限公司", area=place.area_b, locality=place.street, park=place.park),
        key=firm(5, "重点制造股份有限公司", area=place.area_c, is_key=True, key_department=place.market),
        other=firm(6, "其他区企业有限公司", district=place.other, area=place.area_x),
    )


@pytest.fixture
def people(place: SimpleNamespace, firms: SimpleNamespace, make_user: Any) -> SimpleNamespace:
    d = place.district
    return SimpleNamespace(
        alice=make_user("alice", "officer", d, areas=[place.area_a], full_name="艾丽丝"),
        bob=make_user("bob", "officer", d, areas=[place.area_b], full_name="鲍勃"),
        henry=make_user("henry", "hub", d, is_staff=True, full_name="亨利"),
        lee=make_user("lee", "leader", d, areas=[place.area_a], full_name="李区长"),
        sam=make_user("sam", "social_officer", d, locality=place.park, full_name="萨姆"),
        ivan=make_user("ivan", "industry_officer", d, department=place.market, full_name="伊万"),
        carol=make_user("carol", "coordinator", d, department=place.market, full_name="卡罗"),
        ada=make_user("ada", "sysadmin", None, is_staff=True, full_name="艾达"),
        erin=make_user("erin", "enterprise", d, enterprise=firms.a, full_name="企业用户"),
        otto=make_user("otto", "hub", place.other, is_staff=True, full_name="奥托"),
    )


@pytest.fixture
def api(db: Any) -> Any:
    from rest_framework.test import APIClient

    def client_for(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for

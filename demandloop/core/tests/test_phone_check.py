"""`demandloop phones`: the saved numbers the checks refuse, found in every phone field, with where to correct
each; nothing is changed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from demandloop.core.phone_check import phone_fields
from demandloop.demands.models import Demand
from demandloop.demands.tests.world import build_world, receive
from demandloop.enterprises.models import EnterpriseContact
from demandloop.org.models import Department, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("phones", *args, stdout=out)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_every_phone_field_of_the_platform_is_checked() -> None:
    checked = {f"{model._meta.label_lower}.{field.name}" for model, field, _check in phone_fields()}
    assert checked == {
        "org.department.phone",
        "org.user.phone",
        "enterprises.enterprisecontact.phone",
        "demands.demand.contact_phone",
    }


def test_numbers_saved_before_the_checks_are_listed_with_where_to_correct_them() -> None:
    world = build_world()
    w = world.jinghai
    assert run() == (0, "所有已保存的电话号码均通过检查（共检查 4 个字段）。\n")

    # Written around the checks, as rows saved before migration org 0009 are.
    department = w.dep("swj")
    Department.objects.filter(pk=department.pk).update(phone="见部门通讯录")
    officer = w.officer_a
    User.objects.filter(pk=officer.pk).update(phone="022-28395678")  # a landline: no text message reaches it
    contact = EnterpriseContact.objects.create(enterprise=w.ent_a, name="李四", phone="138123")
    demand = receive(w)
    Demand.objects.filter(pk=demand.pk).update(contact_phone="13812345678/022")
    before = {
        "department": Department.objects.get(pk=department.pk).phone,
        "contact": EnterpriseContact.objects.get(pk=contact.pk).phone,
    }

    status, printed = run("--json")
    assert status == 1
    found = {(row["model"], row["pk"]): row for row in json.loads(printed)}
    assert set(found) == {
        ("org.department", department.pk),
        ("org.user", officer.pk),
        ("enterprises.enterprisecontact", contact.pk),
        ("demands.demand", demand.pk),
    }
    user_row = found[("org.user", officer.pk)]
    assert user_row["field_name"] == "手机号" and user_row["value"] == "022-28395678"
    assert "短信" in user_row["reason"], user_row["reason"]
    assert user_row["where"] == f"/admin/org/user/{officer.pk}/change/"
    contact_row = found[("enterprises.enterprisecontact", contact.pk)]
    assert contact_row["where"] == f"/admin/enterprises/enterprise/{w.ent_a.pk}/change/", (
        "its contacts are inline"
    )
    assert found[("demands.demand", demand.pk)]["where"] == f"/demands/{demand.pk}/"
    assert found[("org.department", department.pk)]["record"] == department.name

    status, printed = run()
    assert status == 1
    assert (
        f"部门 #{department.pk} {department.name} · 联系电话“见部门通讯录”：请填写电话号码：11 位手机号"
        in printed
    )
    assert printed.rstrip().endswith("4 个已保存的电话号码未通过检查（共检查 4 个字段）。")
    assert {
        "department": Department.objects.get(pk=department.pk).phone,
        "contact": EnterpriseContact.objects.get(pk=contact.pk).phone,
    } == before, "the report changes nothing"

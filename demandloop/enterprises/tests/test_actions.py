"""Writes to the ledger keep every version with who and when, and leave an audit row."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError

from demandloop.core.models import AuditEvent
from demandloop.enterprises.actions import (
    do_add_contact,
    do_deregister_enterprise,
    do_register_enterprise,
    do_remove_contact,
    do_update_contact,
    do_update_enterprise,
)
from demandloop.enterprises.models import Enterprise, EnterpriseContact
from demandloop.enterprises.tests.conftest import make_uscc


def register(place: Any, user: Any, **fields: Any) -> Enterprise:
    fields.setdefault("uscc", make_uscc(100))
    fields.setdefault("name", "新登记有限公司")
    return do_register_enterprise(place.district, fields, acting_user=user)


def test_it_names_the_registering_user_in_the_history(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry, area=place.area_a)
    (record,) = enterprise.history.all()
    assert record.history_type == "+"
    assert record.history_user == people.henry
    assert record.history_date is not None


def test_it_assigns_the_area_from_the_address_when_none_is_given(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry, address="测试区长虹街道白堤路99号")
    assert enterprise.area == place.area_b
    assert enterprise.locality == place.street


def test_it_leaves_the_area_empty_when_the_address_does_not_settle_it(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry, address="测试区长虹街道某小区")
    assert enterprise.area is None


def test_it_keeps_the_given_area_over_the_address(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry, area=place.area_c, address="长虹街道白堤路1号")
    assert enterprise.area == place.area_c
    assert enterprise.locality == place.town


def test_it_records_who_changed_what(firms: Any, people: Any) -> None:
    changed = do_update_enterprise(
        firms.a, {"name": "红旗重工有限公司", "industry": "制造业"}, acting_user=people.alice
    )
    assert sorted(changed) == ["industry", "name"]
    latest = firms.a.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == people.alice
    assert latest.name == "红旗重工有限公司"
    assert firms.a.name == "红旗重工有限公司"


def test_it_keeps_no_version_when_nothing_changed(firms: Any, people: Any) -> None:
    before = firms.a.history.count()
    assert do_update_enterprise(firms.a, {"name": firms.a.name}, acting_user=people.alice) == []
    assert firms.a.history.count() == before
    assert not AuditEvent.objects.filter(action="enterprise.update").exists()


def test_it_moves_the_locality_with_the_area(firms: Any, people: Any, place: Any) -> None:
    changed = do_update_enterprise(firms.a, {"area": place.area_c}, acting_user=people.henry)
    assert changed == ["area", "locality"]
    assert firms.a.locality == place.town


def test_it_assigns_an_area_when_an_unplaced_enterprise_gets_an_address(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry)
    changed = do_update_enterprise(enterprise, {"address": "长虹街道红旗路8号"}, acting_user=people.henry)
    assert changed == ["address", "area", "locality"]
    assert enterprise.area == place.area_a


def test_it_deregisters_with_the_date_and_the_user(firms: Any, people: Any) -> None:
    assert do_deregister_enterprise(
        firms.b, deregistered_on=datetime.date(2024, 5, 31), acting_user=people.henry
    )
    firms.b.refresh_from_db()
    assert firms.b.status == "deregistered"
    assert firms.b.deregistered_on == datetime.date(2024, 5, 31)
    assert firms.b.history.first().history_user == people.henry
    # Twice is once.
    assert not do_deregister_enterprise(
        firms.b, deregistered_on=datetime.date(2024, 5, 31), acting_user=people.henry
    )


def test_it_records_the_reason_for_changes_outside_a_request(firms: Any, people: Any) -> None:
    do_update_enterprise(
        firms.a, {"industry": "批发业"}, acting_user=people.henry, reason="台账导入 2024-05.csv"
    )
    latest = firms.a.history.first()
    assert latest.history_change_reason == "台账导入 2024-05.csv"
    assert latest.history_user == people.henry


def test_it_writes_an_audit_row_with_the_changed_fields(firms: Any, people: Any) -> None:
    do_update_enterprise(firms.a, {"industry": "批发业"}, acting_user=people.alice)
    event = AuditEvent.objects.get(action="enterprise.update")
    assert event.user == people.alice
    assert event.object_id == str(firms.a.pk)
    assert event.district_id == firms.a.district_id
    assert event.detail == {"fields": ["industry"]}


def test_it_names_the_user_who_added_a_contact_and_keeps_one_primary(firms: Any, people: Any) -> None:
    old_primary = firms.a.contacts.get()
    contact = do_add_contact(
        firms.a, {"name": "李四", "phone": "022-28395678", "is_primary": True}, acting_user=people.alice
    )
    assert contact.created_by == people.alice
    assert contact.history.get().history_user == people.alice
    old_primary.refresh_from_db()
    assert not old_primary.is_primary
    assert old_primary.history.first().history_user == people.alice
    assert list(firms.a.contacts.filter(is_primary=True)) == [contact]


def test_it_makes_the_first_contact_primary(place: Any, people: Any) -> None:
    enterprise = register(place, people.henry)
    contact = do_add_contact(enterprise, {"name": "王五", "phone": "13900001111"}, acting_user=people.henry)
    assert contact.is_primary


def test_it_keeps_no_personal_data_in_the_audit_trail(firms: Any, people: Any) -> None:
    contact = do_add_contact(firms.a, {"name": "李四", "phone": "13912345678"}, acting_user=people.alice)
    do_update_contact(contact, {"phone": "13987654321"}, acting_user=people.alice)
    do_remove_contact(contact, acting_user=people.alice)
    events = AuditEvent.objects.filter(action__startswith="enterprise.contact_").order_by("pk")
    assert [e.action for e in events] == [
        "enterprise.contact_add",
        "enterprise.contact_update",
        "enterprise.contact_remove",
    ]
    for event in events:
        text = f"{event.object_repr} {event.message} {event.detail}"
        assert "李四" not in text and "139" not in text
        assert event.detail["contact_id"] == contact.pk


def test_it_keeps_the_history_of_a_removed_contact_with_who_removed_it(firms: Any, people: Any) -> None:
    contact = firms.a.contacts.get()
    contact_id = contact.pk
    do_remove_contact(contact, acting_user=people.henry)
    assert not EnterpriseContact.objects.filter(pk=contact_id).exists()
    removal = EnterpriseContact.history.filter(id=contact_id).first()
    assert removal.history_type == "-"
    assert removal.history_user == people.henry


def test_it_refuses_unknown_fields_loudly(place: Any, people: Any) -> None:
    with pytest.raises(TypeError):
        do_register_enterprise(place.district, {"status": "deregistered"}, acting_user=people.henry)


def test_it_rolls_back_everything_when_the_database_refuses(place: Any, people: Any, firms: Any) -> None:
    with pytest.raises(IntegrityError):
        register(place, people.henry, uscc=firms.a.uscc)
    assert not AuditEvent.objects.filter(action="enterprise.register").exists()

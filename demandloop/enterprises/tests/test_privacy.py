"""Contacts are unmasked for the roles that need them, within their reach, and masked for everyone else."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.enterprises.actions import do_add_contact
from demandloop.enterprises.privacy import contact_for_display, sees_contact_unmasked

UNMASKED = ("张三丰", "13812341234")
MASKED = ("张**", "138****1234")


def shown(enterprise: Any, user: Any) -> tuple[str, str]:
    display = contact_for_display(enterprise.contacts.get(is_primary=True), user)
    assert display.masked == ((display.name, display.phone) == MASKED)
    return display.name, display.phone


def test_an_officer_reads_the_contacts_of_its_own_area(firms: Any, people: Any) -> None:
    assert shown(firms.a, people.alice) == UNMASKED


def test_an_officer_reads_another_areas_contacts_masked(firms: Any, people: Any) -> None:
    # Bob cannot even see firm A; were he shown it (an export, a joint meeting), it would be masked.
    assert shown(firms.a, people.bob) == MASKED


def test_the_hub_reads_every_contact_of_its_district(firms: Any, people: Any) -> None:
    for firm in (firms.a, firms.b, firms.c, firms.park, firms.key):
        assert shown(firm, people.henry) == UNMASKED
    assert shown(firms.other, people.henry) == MASKED


def test_an_industry_officer_reads_the_contacts_of_its_departments_key_enterprises(
    firms: Any, people: Any
) -> None:
    assert shown(firms.key, people.ivan) == UNMASKED
    assert shown(firms.a, people.ivan) == MASKED


@pytest.mark.parametrize("who", ["lee", "carol", "ada", "erin", "sam"])
def test_other_roles_read_contacts_masked(firms: Any, people: Any, who: str) -> None:
    user = getattr(people, who)
    for firm in (firms.a, firms.park, firms.key):
        assert shown(firm, user) == MASKED


def test_a_social_officer_reads_unmasked_only_the_contacts_it_registered(firms: Any, people: Any) -> None:
    mine = do_add_contact(firms.park, {"name": "王小二", "phone": "13900001111"}, acting_user=people.sam)
    others = firms.park.contacts.exclude(pk=mine.pk).get()
    assert contact_for_display(mine, people.sam).name == "王小二"
    assert contact_for_display(mine, people.sam).phone == "13900001111"
    assert contact_for_display(others, people.sam).phone == "138****1234"


def test_a_leader_who_is_also_an_officer_elsewhere_reads_the_leaders_areas_masked(
    firms: Any, people: Any, place: Any
) -> None:
    from demandloop.org.models import Membership

    membership = Membership.objects.create(user=people.lee, role="officer", district=place.district)
    membership.areas.set([place.area_c])
    assert shown(firms.c, people.lee) == UNMASKED
    assert shown(firms.a, people.lee) == MASKED


def test_nobody_anonymous_reads_contacts(firms: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert shown(firms.a, AnonymousUser()) == MASKED
    assert not sees_contact_unmasked(firms.a.contacts.get(), None)


def test_a_deactivated_membership_no_longer_unmasks(firms: Any, people: Any) -> None:
    from demandloop.org.models import User

    people.alice.memberships.update(is_active=False)
    fresh = User.objects.get(pk=people.alice.pk)
    assert shown(firms.a, fresh) == MASKED

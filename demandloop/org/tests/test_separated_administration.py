"""三权分立 in the database (migration org 0007): whoever writes the rows — the admin, a seed, a shell, raw SQL —
an administrator's account holds that one role and no other."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Membership, User

pytestmark = pytest.mark.django_db


def refused(write: Any) -> str:
    """The database's refusal of `write`, in its own words; the write leaves nothing behind."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    return str(caught.value)


def test_an_administrator_s_account_takes_no_second_role(make_user: Any, jinghai: Any) -> None:
    admin = make_user("sysadmin-2", R.SYSADMIN)
    message = refused(lambda: Membership.objects.create(user=admin, role=R.HUB, district=jinghai))
    assert "separated administration" in message
    refused(lambda: Membership.objects.create(user=admin, role=R.AUDITOR))
    assert list(admin.memberships.values_list("role", flat=True)) == [R.SYSADMIN]


def test_a_district_person_is_given_no_administrator_s_role(make_user: Any, jinghai: Any) -> None:
    hub = make_user("hub-2", R.HUB, jinghai)
    refused(lambda: Membership.objects.create(user=hub, role=R.SECADMIN))
    # Nor by turning its own role into one, while it holds another.
    Membership.objects.create(user=hub, role=R.DISPATCHER, district=jinghai)
    dispatcher = hub.memberships.get(role=R.DISPATCHER)
    refused(lambda: Membership.objects.filter(pk=dispatcher.pk).update(role=R.AUDITOR))
    assert sorted(hub.memberships.values_list("role", flat=True)) == [R.DISPATCHER, R.HUB]


def test_an_administrator_s_one_role_may_change_and_move_to_an_account_without_roles(make_user: Any) -> None:
    admin = make_user("auditor-2", R.AUDITOR)
    membership = admin.memberships.get()
    membership.role = R.SECADMIN
    membership.save()
    newcomer = User.objects.create_user(username="newcomer", password="pw")
    Membership.objects.filter(pk=membership.pk).update(user=newcomer)
    assert list(newcomer.memberships.values_list("role", flat=True)) == [R.SECADMIN]


def test_an_administrator_s_role_is_not_moved_onto_an_account_with_roles(
    make_user: Any, jinghai: Any
) -> None:
    admin = make_user("secadmin-2", R.SECADMIN)
    hub = make_user("hub-3", R.HUB, jinghai)
    membership = admin.memberships.get()
    refused(lambda: Membership.objects.filter(pk=membership.pk).update(user=hub))


def test_raw_sql_is_refused_too(make_user: Any, jinghai: Any) -> None:
    admin = make_user("sysadmin-3", R.SYSADMIN)

    def insert() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO org_membership (user_id, role, district_id, title, is_liaison, is_active) "
                "VALUES (%s, %s, %s, '', %s, %s)",
                [admin.pk, R.OFFICER, jinghai.pk, False, True],
            )

    refused(insert)
    assert admin.memberships.count() == 1

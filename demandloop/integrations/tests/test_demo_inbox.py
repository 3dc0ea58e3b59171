"""The inbox dates a message at the moment of its change; the demo's people have read what is older than two
days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.demo import READ_WITHIN, settle_demo_inbox
from demandloop.integrations.models import Notification
from demandloop.integrations.notify.outbox import Note, notify_users

pytestmark = pytest.mark.django_db

NOTE = Note(topic=TopicChoices.MEETING, subject="联席会：第12次会议", link="/meetings/12/")


@pytest.fixture
def people(make_user: Any, jinghai: Any, nankai: Any) -> dict[str, Any]:
    return {
        "alice": make_user("alice", "coordinator", jinghai, department=jinghai.departments.get(code="scjgj")),
        "bob": make_user("bob", "hub", nankai),
    }


def test_a_message_is_dated_at_its_change_or_now(people: Any, jinghai: Any) -> None:
    alice = people["alice"]
    summer = timezone.now() - timedelta(days=120)
    notify_users([alice], NOTE, cause="meeting:12", district=jinghai, at=summer)
    before = timezone.now()
    notify_users([alice], NOTE, cause="meeting:13", district=jinghai)
    dates = sorted(Notification.objects.filter(user=alice).values_list("created_at", flat=True))
    assert dates[0] == summer and dates[1] >= before


def test_the_demo_reads_what_is_older_than_two_days_of_its_district_only(
    people: Any, jinghai: Any, nankai: Any
) -> None:
    now = timezone.now()
    alice, bob = people["alice"], people["bob"]
    for days in (30, 3, 1):
        notify_users([alice], NOTE, cause=f"meeting:{days}", district=jinghai, at=now - timedelta(days=days))
    notify_users([bob], NOTE, cause="meeting:nankai", district=nankai, at=now - timedelta(days=30))
    # One the person opened the same hour keeps its own reading time.
    opened = now - timedelta(days=10, hours=-1)
    notify_users([alice], NOTE, cause="meeting:opened", district=jinghai, at=now - timedelta(days=10))
    Notification.objects.filter(user=alice, created_at=now - timedelta(days=10)).update(read_at=opened)

    assert settle_demo_inbox(jinghai, now) == 2
    rows = {row.created_at: row.read_at for row in Notification.objects.filter(user=alice)}
    assert rows[now - timedelta(days=30)] == now - timedelta(days=30) + READ_WITHIN
    assert rows[now - timedelta(days=3)] == now - timedelta(days=3) + READ_WITHIN
    assert rows[now - timedelta(days=10)] == opened
    assert rows[now - timedelta(days=1)] is None, "the last two days stay unread"
    assert Notification.objects.get(user=bob).read_at is None, "another district is left alone"

"""The in-app inbox page: a person's own messages, newest first, unread marked and counted; opening one reads it
and follows its link into the platform — never to another site, never into another person's message."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from demandloop.integrations.models import Notification
from demandloop.integrations.notify.outbox import Note, notify_users

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_person_reads_their_own_messages_and_follows_one(jinghai: Any, make_user: Any) -> None:
    alice = make_user("alice", "officer", jinghai)
    bob = make_user("bob", "officer", jinghai)
    notify_users(
        [alice], Note(topic="report", subject="月度通报已印发", link="/reports/issued/7/"), cause="t:1"
    )
    notify_users([alice, bob], Note(topic="whistle", subject="请报到", body="诉求#3"), cause="t:2")
    notify_users([alice], Note(topic="case", subject="外链", link="//evil.example/x"), cause="t:3")
    client = _client(alice)
    page = client.get("/messages/").content.decode()
    assert page.index("外链") < page.index("请报到") < page.index("月度通报已印发"), "newest first"
    assert "3条未读" in page
    assert client.get("/messages/unread/").content.decode().strip().endswith(">3</span>")
    report = Notification.objects.get(user=alice, topic="report")
    opened = client.get(f"/messages/{report.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/reports/issued/7/"
    report.refresh_from_db()
    assert report.read_at is not None
    outside = Notification.objects.get(user=alice, topic="case")
    assert client.get(f"/messages/{outside.pk}/")["Location"] == "/messages/", "never to another site"
    theirs = Notification.objects.get(user=bob)
    assert client.get(f"/messages/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "未读" not in _client(make_user("carol", "hub", jinghai)).get("/messages/").content.decode()
    assert Client().get("/messages/").status_code == 302, "signing in comes first"

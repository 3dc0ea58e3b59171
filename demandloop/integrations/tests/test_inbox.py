"""The in-app inbox page: a person's own messages, newest first, unread marked and counted; opening one reads it
and follows its link into the platform — never to another site, never into another person's message."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

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
    listed = page[page.index('id="messages"') :]
    assert listed.index("外链") < listed.index("请报到") < listed.index("月度通报已印发"), "newest first"
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


def test_the_inbox_filters_pages_and_marks_everything_read(jinghai: Any, make_user: Any) -> None:
    alice = make_user("alice", "hub", jinghai)
    bob = make_user("bob", "hub", jinghai)
    for n in range(55):
        notify_users([alice], Note(topic="overdue", subject=f"超期{n:02d}"), cause=f"o:{n}")
    notify_users([alice, bob], Note(topic="report", subject="月度通报已印发"), cause="r:1")
    Notification.objects.filter(user=alice, subject__in=["超期00", "超期01"]).update(read_at=timezone.now())
    client = _client(alice)

    first = client.get("/messages/").content.decode()
    assert first.count('class="list-group-item') == 50 and "较早" in first and "54条未读" in first
    older = client.get("/messages/?page=2").content.decode()
    assert older.count('class="list-group-item') == 6 and "超期00" in older and "较新" in older
    options = client.get("/messages/").context["topics"]
    assert [c.value for c in options] == ["overdue", "report"], "only the topics this person has"

    reports = client.get("/messages/?topic=report").content.decode()
    assert reports.count('class="list-group-item') == 1 and "月度通报已印发" in reports
    unread = client.get("/messages/?unread=1&topic=overdue")
    assert unread.content.decode().count('class="list-group-item') == 50 and "超期00" not in str(
        unread.context["page"].object_list
    )
    assert "unread=1&amp;topic=overdue&amp;page=2" in unread.content.decode(), "paging keeps the filter"
    assert "没有符合条件的消息" in client.get("/messages/?topic=case").content.decode()
    assert client.get("/messages/?topic=nonsense").context["topic"] == "", "an unknown topic shows all"

    done = client.post("/messages/read-all/", follow=True)
    assert "已将 54 条消息标为已读" in done.content.decode()
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(user=bob).read_at is None, "another person's messages are left alone"
    assert "全部标为已读" not in done.content.decode(), "nothing left to mark"
    assert client.get("/messages/read-all/").status_code == 405


def test_a_person_chooses_which_messages_also_come_by_e_mail_or_sms(jinghai: Any, make_user: Any) -> None:
    from demandloop.integrations.models import NotificationPreference, OutboxMessage

    alice = make_user("alice", "hub", jinghai)
    alice.email, alice.phone = "", "13900000000"
    alice.save()
    client = _client(alice)

    page = client.get("/messages/settings/")
    html = page.content.decode()
    assert page.status_code == 200 and "邮件无法送达" in html, "no e-mail on file is said"
    defaults = {row["topic"].value: row["channels"] for row in page.context["rows"]}
    assert "sms" in defaults["overdue"] and "sms" not in defaults["report"]

    alice.email = "alice@jinghai.example.cn"
    alice.save()
    assert "邮件无法送达" not in client.get("/messages/settings/").content.decode()
    notify_users([alice], Note(topic="report", subject="第1期"), cause="r:0")
    assert OutboxMessage.objects.filter(user=alice, channel="email").count() == 1, "by default, also e-mail"

    # Only 超期提级 by SMS, nothing by e-mail: every other box left empty.
    saved = client.post("/messages/settings/", {"overdue:sms": "on"}, follow=True)
    assert "通知设置已保存" in saved.content.decode()
    stored = {p.topic: p.channels() for p in NotificationPreference.objects.filter(user=alice)}
    assert stored["overdue"] == {"in_app", "sms"} and stored["report"] == {"in_app"}, "the inbox always"
    rows = {row["topic"].value: row["channels"] for row in saved.context["rows"]}
    assert rows["overdue"] == {"in_app", "sms"} and rows["whistle"] == {"in_app"}

    notify_users([alice], Note(topic="report", subject="月度通报已印发"), cause="r:1")
    assert Notification.objects.filter(user=alice).count() == 2, "still in the inbox"
    assert OutboxMessage.objects.filter(user=alice, channel="email").count() == 1, "no new e-mail, as chosen"
    assert client.put("/messages/settings/").status_code == 405


def test_an_enterprise_account_sets_only_the_news_of_its_demands(jinghai: Any, make_user: Any) -> None:
    from demandloop.integrations.models import NotificationPreference

    staff = _client(make_user("alice", "hub", jinghai)).get("/messages/settings/")
    assert "demand" not in [row["topic"].value for row in staff.context["rows"]]
    owner = make_user("owner", "enterprise", jinghai)
    client = _client(owner)
    page = client.get("/messages/settings/")
    assert [row["topic"].value for row in page.context["rows"]] == ["demand"]
    assert "我的诉求进展" in page.content.decode()
    client.post("/messages/settings/", {"demand:sms": "on"})
    assert {p.topic: p.channels() for p in NotificationPreference.objects.filter(user=owner)} == {
        "demand": {"in_app", "sms"}
    }, "the other topics are left as they were"

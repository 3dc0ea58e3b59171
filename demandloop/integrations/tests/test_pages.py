"""The hub's outbox page: failed deliveries of its district, retried with one click; nobody else sees it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from demandloop.integrations.choices import DeliveryStatusChoices, TopicChoices
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.outbox import Note, notify_users

pytestmark = pytest.mark.django_db


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hub_sees_failed_deliveries_and_retries_one(make_user: Any, jinghai: Any, nankai: Any) -> None:
    alice = make_user("alice", "coordinator", jinghai, department=jinghai.departments.get(code="scjgj"))
    alice.email = "alice@example.test"
    alice.save()
    [message] = notify_users([alice], Note(TopicChoices.WHISTLE, "请报到"), cause="w:1", district=jinghai)
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed", last_error="550 mailbox unavailable")
    hub = browser(make_user("hannah", "hub", jinghai))

    page = hub.get("/deliveries/").content.decode()
    assert "550 mailbox unavailable" in page and "alice@example.test" in page
    assert "550 mailbox" not in browser(make_user("nick", "hub", nankai)).get("/deliveries/").content.decode()
    assert browser(alice).get("/deliveries/").status_code == 404

    hub.post(f"/deliveries/{message.pk}/retry/")

    message.refresh_from_db()
    assert message.status == DeliveryStatusChoices.PENDING

"""The inbox and the hub's view of the outbox through the API: each sees only its own, a retry puts a failed
message back in line."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from demandloop.integrations.choices import ChannelChoices, DeliveryStatusChoices, TopicChoices
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.outbox import Note, notify_users

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def people(make_user: Any, jinghai: Any, nankai: Any) -> dict[str, Any]:
    alice = make_user("alice", "coordinator", jinghai, department=jinghai.departments.get(code="scjgj"))
    alice.email = "alice@example.test"
    alice.save()
    return {
        "alice": alice,
        "bob": make_user("bob", "coordinator", jinghai, department=jinghai.departments.get(code="swj")),
        "hub": make_user("hannah", "hub", jinghai),
        "other_hub": make_user("nick", "hub", nankai),
    }


def test_it_shows_each_user_only_their_own_inbox_and_marks_it_read(people: Any, jinghai: Any) -> None:
    notify_users([people["alice"]], Note(TopicChoices.WHISTLE, "请报到"), cause="w:1", district=jinghai)

    listed = client_for(people["alice"]).get("/api/v1/notifications/?unread=1").json()
    assert [n["subject"] for n in listed["results"]] == ["请报到"]
    assert client_for(people["bob"]).get("/api/v1/notifications/").json()["results"] == []
    pk = listed["results"][0]["id"]
    assert client_for(people["bob"]).post(f"/api/v1/notifications/{pk}/read/").status_code == 404

    assert client_for(people["alice"]).post(f"/api/v1/notifications/{pk}/read/").json()["read_at"]
    assert client_for(people["alice"]).get("/api/v1/notifications/?unread=1").json()["results"] == []


def test_it_stores_a_users_channels_per_topic(people: Any) -> None:
    client = client_for(people["bob"])

    answer = client.post(
        "/api/v1/notification-preferences/", {"topic": "reminder", "channels": ["sms"]}, format="json"
    )

    assert answer.json() == {"topic": "reminder", "channels": ["in_app", "sms"]}
    listed = {row["topic"]: row["channels"] for row in client.get("/api/v1/notification-preferences/").json()}
    assert listed["reminder"] == ["in_app", "sms"]
    assert listed["whistle"] == ["email", "in_app"]


def test_the_hub_lists_its_districts_failed_deliveries_and_retries_one(people: Any, jinghai: Any) -> None:
    [message] = notify_users(
        [people["alice"]], Note(TopicChoices.WHISTLE, "请报到"), cause="w:1", district=jinghai
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=DeliveryStatusChoices.FAILED, attempts=8, last_error="HTTP 400"
    )
    hub = client_for(people["hub"])

    failed = hub.get("/api/v1/deliveries/?status=failed").json()["results"]
    assert [(m["id"], m["channel"], m["last_error"]) for m in failed] == [
        (message.pk, ChannelChoices.EMAIL, "HTTP 400")
    ]
    # Another district's hub and a coordinator see nothing of it.
    assert client_for(people["other_hub"]).get(f"/api/v1/deliveries/{message.pk}/").status_code == 404
    assert client_for(people["alice"]).get("/api/v1/deliveries/").json()["results"] == []

    retried = hub.post(f"/api/v1/deliveries/{message.pk}/retry/").json()
    assert retried["status"] == DeliveryStatusChoices.PENDING
    assert retried["key"] == message.key
    assert hub.post(f"/api/v1/deliveries/{message.pk}/retry/").status_code == 200
    OutboxMessage.objects.filter(pk=message.pk).update(status=DeliveryStatusChoices.DELIVERED)
    assert hub.post(f"/api/v1/deliveries/{message.pk}/retry/").status_code == 409

"""The outbox: written with the change, once per cause, by the recipients' preferences; delivered by its key
to a real local SMTP server and a real local HTTP receiver, with retries, backoff and the hub's retry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from demandloop.integrations.actions import NotRetryable, do_retry_delivery, do_set_preference
from demandloop.integrations.choices import ChannelChoices, DeliveryStatusChoices, TopicChoices
from demandloop.integrations.models import Notification, OutboxMessage, WebhookEndpoint
from demandloop.integrations.notify import delivery
from demandloop.integrations.notify.delivery import backoff, claim, deliver_due, deliver_message
from demandloop.integrations.notify.outbox import Note, notify_department, notify_users
from demandloop.integrations.notify.transports import EMAIL_KEY_HEADER, dingtalk_signed_url

pytestmark = pytest.mark.django_db

NOTE = Note(
    topic=TopicChoices.WHISTLE,
    subject="请于1个工作日内报到",
    body="诉求 #1：厂区道路积水",
    link="/demands/1/",
)


@pytest.fixture
def alice(make_user: Any, jinghai: Any) -> Any:
    """A coordinator of the market-regulation bureau with an e-mail address and a mobile number."""
    user = make_user("alice", "coordinator", jinghai, department=jinghai.departments.get(code="scjgj"))
    user.email, user.phone = "alice@example.test", "13800000001"
    user.save()
    return user


@pytest.fixture
def sms_gateway(settings: Any, http_receiver: Any) -> Any:
    settings.DEMANDLOOP_SMS_GATEWAY_URL = f"{http_receiver.url}/sms/send"
    settings.DEMANDLOOP_SMS_GATEWAY_TOKEN = "token-123"
    settings.DEMANDLOOP_SMS_SIGN = "静海区政务服务办"
    return http_receiver


def test_it_writes_inbox_and_outbox_rows_by_the_default_preferences(alice: Any, jinghai: Any) -> None:
    messages = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)

    assert Notification.objects.get(user=alice).subject == NOTE.subject
    # A whistle goes to the inbox and by e-mail; SMS is kept for supervision and overdue matters.
    assert {m.channel for m in messages} == {ChannelChoices.EMAIL}
    assert messages[0].recipient == "alice@example.test"
    assert messages[0].status == DeliveryStatusChoices.PENDING


def test_it_follows_the_users_preference_for_a_topic(alice: Any, jinghai: Any, settings: Any) -> None:
    settings.DEMANDLOOP_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})

    messages = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)

    assert {(m.channel, m.recipient) for m in messages} == {(ChannelChoices.SMS, "13800000001")}
    assert Notification.objects.filter(user=alice).count() == 1


def test_it_writes_one_row_per_cause_however_often_it_is_called(alice: Any, jinghai: Any) -> None:
    first = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    again = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    other = notify_users([alice], NOTE, cause="whistle:2", district=jinghai)

    assert [m.pk for m in again] == [m.pk for m in first]
    assert other[0].pk != first[0].pk
    assert OutboxMessage.objects.count() == 2
    assert Notification.objects.filter(user=alice).count() == 2


def test_it_writes_nothing_when_the_change_rolls_back(alice: Any, jinghai: Any) -> None:
    class ChangeFailed(Exception):
        pass

    with pytest.raises(ChangeFailed), transaction.atomic():
        notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
        raise ChangeFailed

    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_it_queues_the_delivery_only_after_commit(
    alice: Any, jinghai: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    scheduled: list[list[int]] = []
    monkeypatch.setattr(delivery, "schedule_delivery", scheduled.append)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
        assert scheduled == []

    assert len(callbacks) == 1
    assert scheduled == [[messages[0].pk]]


def test_it_delivers_an_email_to_a_real_smtp_server_with_its_key(
    alice: Any, jinghai: Any, smtp_server: Any
) -> None:
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)

    assert deliver_message(message.pk) == DeliveryStatusChoices.DELIVERED

    [mail] = smtp_server.messages
    assert mail["To"] == "alice@example.test"
    assert mail[EMAIL_KEY_HEADER] == message.key
    assert message.key in mail["Message-ID"]
    assert "厂区道路积水" in mail.get_payload(decode=True).decode("utf-8")
    message.refresh_from_db()
    assert message.status == DeliveryStatusChoices.DELIVERED
    assert message.delivered_at is not None
    assert message.attempts == 1


def test_it_sends_an_sms_through_the_http_gateway(alice: Any, jinghai: Any, sms_gateway: Any) -> None:
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)

    assert deliver_message(message.pk) == DeliveryStatusChoices.DELIVERED

    [request] = sms_gateway.requests
    assert request.path == "/sms/send"
    assert request.headers["Authorization"] == "Bearer token-123"
    assert request.headers["Idempotency-Key"] == message.key
    assert request.body == {
        "phone": "13800000001",
        "text": f"{NOTE.subject}：{NOTE.body}",
        "sign": "静海区政务服务办",
        "request_id": message.key,
    }


def test_it_posts_to_the_departments_wecom_robot_in_its_markdown_format(
    jinghai: Any, http_receiver: Any
) -> None:
    department = jinghai.departments.get(code="scjgj")
    WebhookEndpoint.objects.create(
        district=jinghai,
        department=department,
        name="市场监管局群",
        kind=ChannelChoices.WECOM,
        url=f"{http_receiver.url}/cgi-bin/webhook/send?key=abc",
    )
    # Another department's robot hears nothing of it.
    WebhookEndpoint.objects.create(
        district=jinghai,
        department=jinghai.departments.get(code="swj"),
        name="税务局群",
        kind=ChannelChoices.WECOM,
        url=f"{http_receiver.url}/other",
    )

    [message] = notify_department(department, NOTE, cause="whistle:1")
    assert deliver_message(message.pk) == DeliveryStatusChoices.DELIVERED

    [request] = http_receiver.requests
    assert request.path == "/cgi-bin/webhook/send?key=abc"
    assert request.body == {
        "msgtype": "markdown",
        "markdown": {"content": f"**{NOTE.subject}**\n{NOTE.body}"},
    }


def test_it_signs_the_dingtalk_robot_request_with_its_secret(jinghai: Any, http_receiver: Any) -> None:
    WebhookEndpoint.objects.create(
        district=jinghai,
        name="政务服务办钉钉群",
        kind=ChannelChoices.DINGTALK,
        url=f"{http_receiver.url}/robot/send?access_token=t0k",
        secret="SEC-secret",
    )

    [message] = notify_department(jinghai.departments.get(code="zwfwb"), NOTE, cause="whistle:1")
    assert deliver_message(message.pk) == DeliveryStatusChoices.DELIVERED

    [request] = http_receiver.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC-secret", f"{timestamp}\nSEC-secret".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["access_token"] == ["t0k"]
    assert query["sign"] == [expected]
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"]["title"] == NOTE.subject


def test_it_signs_a_dingtalk_address_without_a_query_with_a_question_mark() -> None:
    assert dingtalk_signed_url("http://robot/send", "s", 1).startswith("http://robot/send?timestamp=1&sign=")


def test_it_retries_a_failed_send_later_with_a_growing_backoff(
    alice: Any, jinghai: Any, sms_gateway: Any
) -> None:
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    sms_gateway.responses = [(503, {"error": "busy"}), (503, {"error": "busy"})]

    before = timezone.now()
    assert deliver_message(message.pk) == DeliveryStatusChoices.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert "HTTP 503" in message.last_error
    assert message.next_attempt_at >= before + backoff(1)
    # Not due yet: neither the sweep nor a direct delivery sends it again before its time.
    assert deliver_message(message.pk) is None
    assert deliver_due() == 0

    later = message.next_attempt_at + timedelta(seconds=1)
    assert deliver_message(message.pk, now=later) == DeliveryStatusChoices.PENDING
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == later + backoff(2)
    assert backoff(2) == 2 * backoff(1)

    assert deliver_message(message.pk, now=message.next_attempt_at) == DeliveryStatusChoices.DELIVERED
    assert len(sms_gateway.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in sms_gateway.requests} == {message.key}


def test_it_gives_up_after_the_last_attempt_and_at_once_on_a_refusal(
    alice: Any, jinghai: Any, sms_gateway: Any, settings: Any
) -> None:
    settings.DEMANDLOOP_OUTBOX_MAX_ATTEMPTS = 2
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})
    do_set_preference(alice, TopicChoices.MEETING, {ChannelChoices.SMS})
    [flaky] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    [refused] = notify_users(
        [alice], Note(TopicChoices.MEETING, "会议通知"), cause="meeting:1", district=jinghai
    )
    sms_gateway.responses = [(500, {}), (500, {}), (400, {"error": "bad number"})]

    deliver_message(flaky.pk)
    flaky.refresh_from_db()
    assert deliver_message(flaky.pk, now=flaky.next_attempt_at) == DeliveryStatusChoices.FAILED
    # A 400 is the request's own fault: repeating it cannot help.
    assert deliver_message(refused.pk) == DeliveryStatusChoices.FAILED
    refused.refresh_from_db()
    assert refused.attempts == 1
    assert "HTTP 400" in refused.last_error


def test_it_writes_no_sms_without_a_gateway_but_keeps_the_inbox_note(
    alice: Any, jinghai: Any, settings: Any
) -> None:
    settings.DEMANDLOOP_SMS_GATEWAY_URL = ""
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.IN_APP, ChannelChoices.SMS})

    assert notify_users([alice], NOTE, cause="whistle:1", district=jinghai) == []
    assert not OutboxMessage.objects.filter(channel=ChannelChoices.SMS).exists()
    assert Notification.objects.filter(user=alice).count() == 1


def test_it_keeps_an_sms_whose_gateway_was_removed_after_it_was_written(
    alice: Any, jinghai: Any, settings: Any
) -> None:
    settings.DEMANDLOOP_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    settings.DEMANDLOOP_SMS_GATEWAY_URL = ""

    assert deliver_message(message.pk) == DeliveryStatusChoices.PENDING
    message.refresh_from_db()
    assert "no SMS gateway" in message.last_error


def test_it_lets_only_one_worker_claim_a_message(alice: Any, jinghai: Any) -> None:
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)

    assert claim(message.pk) is not None
    assert claim(message.pk) is None


def test_it_claims_again_a_message_whose_worker_died(alice: Any, jinghai: Any, smtp_server: Any) -> None:
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    assert claim(message.pk) is not None  # … and the worker is killed before it records anything.

    assert deliver_due() == 0  # the claim has not expired yet

    after_claim = timezone.now() + timedelta(seconds=delivery.claim_seconds() + 1)
    assert message.pk in delivery.due_message_ids(now=after_claim)
    assert deliver_message(message.pk, now=after_claim) == DeliveryStatusChoices.DELIVERED
    message.refresh_from_db()
    assert message.attempts == 2
    assert len(smtp_server.messages) == 1


def test_the_hub_retries_a_failed_message_with_the_same_key(
    alice: Any, jinghai: Any, sms_gateway: Any, make_user: Any
) -> None:
    hub = make_user("hannah", "hub", jinghai)
    do_set_preference(alice, TopicChoices.WHISTLE, {ChannelChoices.SMS})
    [message] = notify_users([alice], NOTE, cause="whistle:1", district=jinghai)
    sms_gateway.responses = [(400, {"error": "bad sign"})]
    assert deliver_message(message.pk) == DeliveryStatusChoices.FAILED

    do_retry_delivery(hub, message)
    assert deliver_due() == 1

    message.refresh_from_db()
    assert message.status == DeliveryStatusChoices.DELIVERED
    assert [r.headers["Idempotency-Key"] for r in sms_gateway.requests] == [message.key, message.key]
    with pytest.raises(NotRetryable):
        do_retry_delivery(hub, message)


def test_messages_due_at_the_same_moment_leave_in_the_order_they_were_written(jinghai: Any) -> None:
    from demandloop.integrations.notify.delivery import due_message_ids

    written = [
        OutboxMessage.objects.create(
            key=f"order-{n}",
            channel="email",
            topic="reminder",
            district=jinghai,
            recipient="a@example.org",
            subject=str(n),
        )
        for n in range(6)
    ]
    moment = timezone.now()
    # The same due time for all (a retry sweep, or a test moving every wait to now), written in reverse.
    for message in reversed(written):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=moment)
    assert due_message_ids(now=moment) == [message.pk for message in written]

"""Write notifications with the change that causes them: the inbox row and the outbox rows, in one transaction.

Callers (the meetings actions, the supervision sweep) call `notify_users` / `notify_department` inside their own
`transaction.atomic`; if the change rolls back, nothing was notified. After commit, delivery is kicked off
(`delivery.schedule_delivery`); a kick that fails (the broker is down) is harmless, the periodic
`deliver_due` finds every pending row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from demandloop.integrations.choices import DEFAULT_CHANNELS, ChannelChoices
from demandloop.integrations.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookEndpoint,
)
from demandloop.integrations.notify.transports import sms_configured

if TYPE_CHECKING:
    from demandloop.org.models import Department, District, User


@dataclass(frozen=True)
class Note:
    """What to say: the topic (for preferences), a subject line, a body and an optional link into the platform."""

    topic: str
    subject: str
    body: str = ""
    link: str = ""


def idempotency_key(cause: str, channel: str, recipient: str) -> str:
    """A stable key for "this cause, to this recipient, on this channel": the same inputs, the same key."""
    return hashlib.sha256(f"{cause}\x1f{channel}\x1f{recipient}".encode()).hexdigest()[:40]


def channels_for(
    user: User, topic: str, preferences: dict[tuple[int, str], frozenset[str]]
) -> frozenset[str]:
    # A topic of another integration without its own defaults reaches the inbox only.
    return preferences.get((user.pk, topic), DEFAULT_CHANNELS.get(topic, frozenset({ChannelChoices.IN_APP})))


def _load_preferences(users: list[User], topic: str) -> dict[tuple[int, str], frozenset[str]]:
    rows = NotificationPreference.objects.filter(user__in=users, topic=topic)
    return {(row.user_id, row.topic): row.channels() for row in rows}


def notify_users(
    users: Iterable[User],
    note: Note,
    *,
    cause: str,
    district: District | None = None,
    at: datetime | None = None,
) -> list[OutboxMessage]:
    """Inbox rows and outbox rows for every user, by their preferences; repeats of the same cause are dropped.

    `cause` names the change uniquely ("meetings.whistle:12:summon"), so calling twice for the same cause, or
    retrying the whole action, writes nothing new. `at` is the moment of the change (the action's own `at`): the
    inbox dates its message then, so an action recorded after the fact does not read as news of today.
    """
    people = [user for user in dict.fromkeys(users) if user is not None and user.is_active]
    if not people:
        return []
    preferences = _load_preferences(people, note.topic)
    # A deployment without an SMS gateway sends no SMS: writing them would only fill the hub's outbox with
    # messages that fail an hour later. The inbox row carries the note either way.
    sms_on = sms_configured()
    created_at = at or timezone.now()
    inbox: list[Notification] = []
    outbox: list[OutboxMessage] = []
    for user in people:
        channels = channels_for(user, note.topic, preferences)
        common: dict[str, Any] = {"topic": note.topic, "district": district, "subject": note.subject[:200]}
        if ChannelChoices.IN_APP in channels:
            inbox.append(
                Notification(
                    user=user,
                    key=idempotency_key(cause, ChannelChoices.IN_APP, str(user.pk)),
                    created_at=created_at,
                    body=note.body,
                    link=note.link,
                    **common,
                )
            )
        if ChannelChoices.EMAIL in channels and user.email:
            outbox.append(
                OutboxMessage(
                    key=idempotency_key(cause, ChannelChoices.EMAIL, user.email),
                    channel=ChannelChoices.EMAIL,
                    user=user,
                    recipient=user.email,
                    body=note.body,
                    cause=cause[:100],
                    **common,
                )
            )
        if ChannelChoices.SMS in channels and user.phone and sms_on:
            outbox.append(
                OutboxMessage(
                    key=idempotency_key(cause, ChannelChoices.SMS, user.phone),
                    channel=ChannelChoices.SMS,
                    user=user,
                    recipient=user.phone,
                    body=note.body,
                    cause=cause[:100],
                    **common,
                )
            )
    return _write(inbox, outbox)


def notify_department(department: Department, note: Note, *, cause: str) -> list[OutboxMessage]:
    """Outbox rows for the department's robots (and the district-wide ones) that want this topic."""
    endpoints = WebhookEndpoint.objects.filter(district_id=department.district_id, is_active=True).filter(
        Q(department=department) | Q(department__isnull=True)
    )
    return notify_endpoints(endpoints, note, cause=cause, district_id=department.district_id)


def notify_endpoints(
    endpoints: Iterable[WebhookEndpoint], note: Note, *, cause: str, district_id: int | None = None
) -> list[OutboxMessage]:
    outbox = [
        OutboxMessage(
            key=idempotency_key(cause, endpoint.kind, f"endpoint:{endpoint.pk}"),
            channel=endpoint.kind,
            topic=note.topic,
            district_id=district_id or endpoint.district_id,
            endpoint=endpoint,
            subject=note.subject[:200],
            body=note.body,
            cause=cause[:100],
        )
        for endpoint in endpoints
        if endpoint.wants(note.topic)
    ]
    return _write([], outbox)


def _write(inbox: list[Notification], outbox: list[OutboxMessage]) -> list[OutboxMessage]:
    if not inbox and not outbox:
        return []
    # A savepoint of the caller's transaction (or a transaction of its own when called outside one).
    with transaction.atomic():
        if inbox:
            Notification.objects.bulk_create(inbox, ignore_conflicts=True)
        if not outbox:
            return []
        keys = [message.key for message in outbox]
        # The unique key drops a repeat of the same cause; the rows read back are the ones that exist now.
        OutboxMessage.objects.bulk_create(outbox, ignore_conflicts=True)
        written = list(OutboxMessage.objects.filter(key__in=keys))
        from demandloop.integrations.notify.delivery import schedule_delivery

        ids = [message.pk for message in written]
        transaction.on_commit(lambda: schedule_delivery(ids))
        return written


def write_event_message(
    *,
    channel: str,
    topic: str,
    district_id: int,
    event_id: int,
    scope: str,
    recipient: str,
    subject: str,
    payload: dict[str, Any],
    cause: str,
) -> tuple[OutboxMessage, bool]:
    """The message telling another system (12345, 津产发) of one demand event, in the caller's transaction, and
    whether it is new. The key is derived from the event, so the same event written twice yields one message;
    a retried delivery keeps the key, by which the receiver drops a repeat. Delivery is scheduled on commit."""
    key = idempotency_key(f"{channel}:event:{event_id}", channel, scope)
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            key=key,
            defaults={
                "channel": channel,
                "topic": topic,
                "district_id": district_id,
                "recipient": recipient,
                "subject": subject[:200],
                "body": json.dumps(payload, ensure_ascii=False, sort_keys=True),
                "cause": cause[:100],
            },
        )
        if created:
            from demandloop.integrations.notify.delivery import schedule_delivery

            transaction.on_commit(lambda: schedule_delivery([message.pk]))
    return message, created

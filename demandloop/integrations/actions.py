"""Writes of the notifications app: a hub retries a failed delivery, a user reads a message or sets preferences."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from demandloop.core import audit
from demandloop.integrations.choices import ChannelChoices
from demandloop.integrations.choices import DeliveryStatusChoices as Status
from demandloop.integrations.models import Notification, NotificationPreference, OutboxMessage
from demandloop.integrations.notify.delivery import schedule_delivery


class NotRetryable(Exception):
    """The message is not in a state that can be retried (it was delivered, or is being sent)."""


def do_retry_delivery(user: Any, message: OutboxMessage, *, role: str = "hub") -> OutboxMessage:
    """Put a failed (or still pending) message back in line now, keeping its key: a retry can never duplicate.
    `role`: who retries (the hub from its deliveries page, the dispatcher a 12345 status-back)."""
    with transaction.atomic():
        changed = OutboxMessage.objects.filter(
            pk=message.pk, status__in=[Status.FAILED, Status.PENDING]
        ).update(status=Status.PENDING, next_attempt_at=timezone.now(), locked_until=None)
        if changed != 1:
            raise NotRetryable(message.pk)
        message.refresh_from_db()
        audit.record(
            "outbox.retry",
            user=user,
            role=role,
            obj=message,
            district_id=message.district_id,
            detail={
                "channel": message.channel,
                "attempts": message.attempts,
                "last_error": message.last_error[:200],
            },
        )
        transaction.on_commit(lambda: schedule_delivery([message.pk]))
    return message


def do_mark_read(user: Any, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
    return notification


def do_mark_all_read(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def do_set_preference(user: Any, topic: str, channels: set[str]) -> NotificationPreference:
    """Store the channels `user` wants for `topic`; the inbox stays on whatever is chosen, so nothing is missed."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        topic=topic,
        defaults={
            "in_app": True,
            "email": ChannelChoices.EMAIL in channels,
            "sms": ChannelChoices.SMS in channels,
        },
    )
    return preference


def do_mark_read_by_link(user: Any, link: str) -> int:
    """Opening what a message points to reads the message: the user's unread messages with that link."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, link=link, read_at__isnull=True).update(
        read_at=timezone.now()
    )

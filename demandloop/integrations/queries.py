"""Scoped reads of the notifications: a user's own inbox, and the outbox of the districts a hub runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from demandloop.integrations.models import Notification, OutboxMessage
from demandloop.org.choices import RoleChoices
from demandloop.org.scope import resolve_scope


def inbox_for(user: Any) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def outbox_for(user: Any) -> QuerySet[OutboxMessage]:
    """The outbound messages of the districts where `user` is the hub (or a district's system administrator)."""
    scope = resolve_scope(user)
    if scope.is_global_admin:
        return OutboxMessage.objects.all()
    if not scope.has_role(RoleChoices.HUB, RoleChoices.SYSADMIN):
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(district_id__in=scope.full_district_ids)

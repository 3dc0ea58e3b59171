"""The demo inbox: what reached the district's people more than two days ago has been read.

Every action dates its inbox message at its own moment (`notify_users(at=...)`), so a demo played over six months
leaves messages over six months; left unread, an officer's inbox would open on hundreds of "new" messages about
whistles and meetings of the summer. People read their messages within hours: those older than `READ_AFTER` are
marked read a few hours after they arrived, the last days' stay unread for the demo's users to open.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from demandloop.integrations.models import Notification

READ_AFTER = timedelta(days=2)
READ_WITHIN = timedelta(hours=3)


def settle_demo_inbox(district: Any, now: datetime | None = None) -> int:
    """Mark read the district's messages older than `READ_AFTER`; returns how many."""
    now = now or timezone.now()
    return Notification.objects.filter(
        district=district, read_at__isnull=True, created_at__lt=now - READ_AFTER
    ).update(read_at=F("created_at") + READ_WITHIN)

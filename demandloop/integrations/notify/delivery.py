"""Delivery of the outbox: claim one message, send it, record the outcome; retry with backoff; never twice at once.

A message is claimed with one conditional UPDATE (pending and due, or sending with an expired claim), so two
workers can never both send it at the same moment; the claim expires after `CLAIM_SECONDS`, so a message held
by a worker that died (SIGKILL, lost machine) is claimed again by the next sweep. Sending happens outside any
transaction, and a message sent by a worker that died before recording it is sent again with the same
idempotency key: delivery is at least once, and the key makes it once at the receiver.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from demandloop.integrations.choices import DeliveryStatusChoices as Status
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.transports import DeliveryError, transport_for

logger = logging.getLogger(__name__)

# Longer than any single send may take (the HTTP and SMTP timeouts are 10 s), short enough to recover soon.
CLAIM_SECONDS = 120
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MAX_ATTEMPTS = 8


def claim_seconds() -> int:
    return int(getattr(settings, "DEMANDLOOP_OUTBOX_CLAIM_SECONDS", CLAIM_SECONDS))


def max_attempts() -> int:
    return int(getattr(settings, "DEMANDLOOP_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS))


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2 …): 30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS))


def _claimable(now: datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, locked_until__lt=now)


def claim(pk: int, now: datetime | None = None) -> OutboxMessage | None:
    """Take message `pk` for this worker, or None when it is not due, already delivered or held by another."""
    now = now or timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=pk)
        .filter(_claimable(now))
        .update(
            status=Status.SENDING,
            locked_until=now + timedelta(seconds=claim_seconds()),
            attempts=F("attempts") + 1,
        )
    )
    if claimed != 1:
        return None
    return OutboxMessage.objects.select_related("endpoint").get(pk=pk)


def deliver_message(pk: int, now: datetime | None = None) -> str | None:
    """Claim and send one message; the status it ended in, or None when it was not ours to send."""
    now = now or timezone.now()
    message = claim(pk, now)
    if message is None:
        return None
    try:
        transport_for(message).send(message)
    except DeliveryError as error:
        return _record_failure(message, str(error), permanent=error.permanent, now=now)
    except Exception as error:  # a bug in an adapter must not leave the message claimed for ever
        logger.exception("outbox message %s: unexpected error", message.pk)
        return _record_failure(message, f"{type(error).__name__}: {error}", permanent=False, now=now)
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.DELIVERED,
        delivered_at=timezone.now(),
        locked_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return Status.DELIVERED


def _record_failure(message: OutboxMessage, error: str, *, permanent: bool, now: datetime) -> str:
    # The backoff counts from the attempt's own clock (`now`), so a late sweep does not shorten the wait.
    if permanent or message.attempts >= max_attempts():
        status, next_at = Status.FAILED, None
    else:
        status, next_at = Status.PENDING, now + backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=status, next_attempt_at=next_at, locked_until=None, last_error=error[:2000]
    )
    logger.warning("outbox message %s attempt %s: %s (%s)", message.pk, message.attempts, error, status)
    return status


def due_message_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Messages whose time has come, read through the two partial indexes only: the longest waiting first, and
    of those due at the same moment the one written first (a receiver hears one demand's changes in order)."""
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    stale = OutboxMessage.objects.filter(status=Status.SENDING, locked_until__lt=now).order_by(
        "locked_until", "pk"
    )
    ids = list(pending.values_list("pk", flat=True)[:limit])
    ids += list(stale.values_list("pk", flat=True)[: max(limit - len(ids), 0)])
    return ids


def deliver_due(limit: int = 500) -> int:
    """The periodic task: deliver every due message here, one by one; the number delivered."""
    delivered = 0
    for pk in due_message_ids(limit=limit):
        if deliver_message(pk) == Status.DELIVERED:
            delivered += 1
    return delivered


def schedule_delivery(ids: Iterable[int]) -> None:
    """After commit: hand each message to a Celery worker when a broker is configured; else the runner's sweep.

    A broker that cannot be reached loses nothing: the rows are pending and `deliver_due` sends them.
    """
    ids = list(ids)
    if not ids or not getattr(settings, "CELERY_BROKER_URL", None):
        return
    from demandloop.integrations.tasks import deliver_outbox_message

    for pk in ids:
        try:
            deliver_outbox_message.delay(pk)
        except Exception:  # the broker is down: the periodic sweep will deliver it
            logger.warning("could not queue outbox message %s; the periodic sweep will send it", pk)
            return

"""Status back to 12345 (DESIGN.md §6 integrations: "12345 (status and result back)"), one adapter behind the
outbox's small interface (STYLE.md rule 7).

When a demand that came from a 12345 work order changes in a way the 12345 system must learn — a plan given, an
answer or a result, a return (退单), an evaluation, a closing, an exclusion, a reopening — `on_demand_changed`
writes one `OutboxMessage` in the action's own transaction (a rolled-back action reports nothing; a committed
one is never lost). The outbox delivers it with retries and backoff through `HotlineStatusTransport`, which is
registered in the outbox's transport registry under the channel `hotline12345` (see `apps.py`).

The interface (接口约定) this adapter speaks, for the 12345 side:

    POST {DEMANDLOOP_HOTLINE12345_URL}
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: <key>            the same key for every attempt of one message: drop repeats
    X-Hotline-App-Id: <app id>
    X-Hotline-Timestamp: <unix seconds>
    X-Hotline-Signature: hex HMAC-SHA256(secret, "<app id>\n<timestamp>\n<key>\n" + body)

    {"order_no", "district", "sequence", "event_id", "status", "status_name", "occurred_at", "unit",
     "plan", "eta", "result", "reason", "exclusion", "evaluation"}

and the answer {"code": 0} for acceptance; {"code": <non-zero>, "msg": …} is a refusal, permanent unless the
answer says {"retry": true}. HTTP 5xx, 408, 409, 425 and 429 are retried. Every message carries the whole current
state and `sequence` (the demand's version, which only grows), so a late retry of an older message can be
recognised and ignored: the 12345 side keeps the highest sequence per order.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.demands.choices import ChannelChoices, DemandStatusChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.outbox import write_event_message
from demandloop.integrations.notify.transports import (
    DeliveryError,
    check_coded_answer,
    post_body,
)

if TYPE_CHECKING:
    from demandloop.demands.models import Demand, DemandEvent
    from demandloop.integrations.hotline12345.models import HotlineOrder

# The outbox channel and topic of a status-back (OutboxMessage.channel / .topic).
CHANNEL = "hotline12345"
TOPIC = "hotline12345"

APP_ID_HEADER = "X-Hotline-App-Id"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
SIGNATURE_HEADER = "X-Hotline-Signature"

# What 12345 hears, by the status the action led to: the status codes of the interface above.
REPORTED_STATUSES: dict[str, str] = {
    S.OUT_OF_SCOPE: "rejected",
    S.ANSWERED: "answered",
    S.PLANNED: "planned",
    S.RETURNED: "returned",
    S.TRANSFERRED: "transferred",
    S.RESOLVED: "resolved",
    S.EVALUATED: "evaluated",
    S.CLOSED: "closed",
    S.WITHDRAWN: "withdrawn",
    S.MERGED: "merged",
}
# A reopening (重办) leads back to "in progress", which other actions reach too: it is reported by its action.
REPORTED_ACTIONS: dict[str, str] = {A.REOPEN: "reopened"}


def reported_code(event: DemandEvent) -> str | None:
    """The interface's status code for this event, or None when 12345 need not hear of it."""
    if event.action in REPORTED_ACTIONS:
        return REPORTED_ACTIONS[event.action]
    if event.to_status == event.from_status:
        return None
    return REPORTED_STATUSES.get(event.to_status)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def demand_state(demand: Demand, event: DemandEvent, code: str) -> dict[str, Any]:
    """The event and the demand's whole current state, as every system the platform reports to hears it (12345
    here, 津产发 for the matters it sent): `code` is the status of the interface (`REPORTED_STATUSES`)."""
    with translation.override("zh-hans"):
        # Read in Chinese on the other side: the status name travels in Chinese whatever the acting user's.
        status_name = str(DemandStatusChoices(demand.status).label)
    unit = demand.lead_department or demand.area or demand.district
    evaluation = None
    if demand.evaluated_at is not None:
        evaluation = {
            "solved": demand.evaluation_solved,
            "satisfied": demand.evaluation_satisfied,
            "comment": demand.evaluation_comment,
        }
    exclusion = None
    if demand.exclusion is not None:
        exclusion = {
            "code": demand.exclusion.code,
            "name": demand.exclusion.name,
            "redirect": demand.redirect_text,
        }
    return {
        "district": demand.district.code,
        "sequence": demand.version,
        "event_id": event.pk,
        "status": code,
        "status_name": status_name,
        "occurred_at": _iso(event.at),
        "unit": unit.name if unit is not None else "",
        "plan": demand.plan,
        "eta": _iso(demand.completion_due),
        "result": demand.result,
        "reason": event.note if event.action in (A.RETURN, A.REOPEN, A.WITHDRAW) else "",
        "exclusion": exclusion,
        "evaluation": evaluation,
    }


def build_payload(order: HotlineOrder, demand: Demand, event: DemandEvent, code: str) -> dict[str, Any]:
    """The message for 12345: its work order's number and `demand_state` (see the module's docstring)."""
    return {"order_no": order.number, **demand_state(demand, event, code)}


def write_status_back(order: HotlineOrder, demand: Demand, event: DemandEvent, code: str) -> OutboxMessage:
    """Write the status-back of `event` to the outbox and point the order at it, in the caller's transaction.

    The key is derived from the event, so writing the same event twice yields one message.
    """
    from demandloop.integrations.hotline12345.models import HotlineOrder

    payload = build_payload(order, demand, event, code)
    message, created = write_event_message(
        channel=CHANNEL,
        topic=TOPIC,
        district_id=demand.district_id,
        event_id=event.pk,
        scope=order.number,
        recipient=order.number,
        subject=_("12345 work order %(number)s: %(status)s")
        % {"number": order.number, "status": payload["status_name"]},
        payload=payload,
        cause=f"{CHANNEL}.order:{order.pk}:event:{event.pk}",
    )
    if created:
        now = timezone.now()
        HotlineOrder.objects.filter(pk=order.pk).update(
            feedback_message=message,
            feedback_status=demand.status,
            feedback_written_at=now,
            feedback_delivered_at=None,
            feedback_count=F("feedback_count") + 1,
        )
        order.feedback_message, order.feedback_status = message, demand.status
        order.feedback_written_at, order.feedback_delivered_at = now, None
    return message


def on_demand_changed(sender: Any, demand: Demand, event: DemandEvent, **kwargs: Any) -> None:
    """`demand_changed` receiver: a linked 12345 demand's reportable change writes its status-back."""
    from demandloop.integrations.hotline12345.models import HotlineOrder

    # Most demands never came from 12345: decide without a query.
    if demand.channel != ChannelChoices.HOTLINE:
        return
    code = reported_code(event)
    if code is None:
        return
    order = HotlineOrder.objects.filter(demand_id=demand.pk).first()
    if order is None:
        # Registered by hand with a 12345 number, not imported: no order of ours to report on.
        return
    write_status_back(order, demand, event, code)


# --- Delivery ----------------------------------------------------------------------------------------------


def signature(secret: str, app_id: str, timestamp: str, key: str, body: bytes) -> str:
    """HMAC-SHA256 over "<app id>\\n<timestamp>\\n<key>\\n" + body, hex: what the 12345 side recomputes."""
    signed = f"{app_id}\n{timestamp}\n{key}\n".encode() + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


class HotlineStatusTransport:
    """Sends a status-back to the 12345 system: signed JSON POST, acceptance recorded on the order."""

    def send(self, message: OutboxMessage) -> None:
        from demandloop.integrations.hotline12345.models import HotlineOrder

        url = getattr(settings, "DEMANDLOOP_HOTLINE12345_URL", "")
        if not url:
            # Not configured yet: keep the message and retry, so nothing is lost once the interface is set up.
            raise DeliveryError("no 12345 interface is configured (DEMANDLOOP_HOTLINE12345_URL)")
        app_id = getattr(settings, "DEMANDLOOP_HOTLINE12345_APP_ID", "")
        secret = getattr(settings, "DEMANDLOOP_HOTLINE12345_SECRET", "")
        body = message.body.encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            APP_ID_HEADER: app_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(secret, app_id, timestamp, message.key, body),
        }
        check_coded_answer(post_body(url, body, key=message.key, headers=headers), "12345")
        # Only the order's latest message says where its status-back stands.
        HotlineOrder.objects.filter(feedback_message_id=message.pk).update(
            feedback_delivered_at=timezone.now()
        )

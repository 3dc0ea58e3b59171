"""What the district sends the city platform 津产发, through the transactional outbox (DESIGN.md §6: "every outbound
message goes through a database outbox"), one adapter behind its small interface (STYLE.md rule 7).

Two messages, both written by `on_demand_changed` in the demand action's own transaction (a rolled-back action
sends nothing; a committed one is never lost), both delivered by `CityPlatformTransport` (registered in the
outbox's transport registry under the channel `city_platform`, see `apps.py`) with retries, backoff and the
message's idempotency key:

* `"type": "transfer"` — a tier-4 demand transferred through 津产发 without a typed reference (静海 §三(四) 上报,
  南开 §三(四) 提级解决) carries the whole matter: the enterprise, the contact as the transferring person could read
  it, the text, the domain, every tier it passed and what was done there, the attachments' names, and the
  district's reference (the demand's number). The city answers `{"code": 0, "reference": "JCF…"}`; the
  reference is recorded on the demand as a "progress reported by the city" event (`do_city_progress`).
* `"type": "status"` — a demand the city sent (channel `city`) changed in a way the city must learn; the same
  status codes as the 12345 status-back (`hotline12345.statusback.reported_code`), with the whole current state
  and `sequence` (the demand's version, which only grows).

The wire format is in the README of this package (接口约定).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.demands.choices import ChannelChoices, CityChannelChoices, DemandStatusChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionInvalid
from demandloop.demands.privacy import sees_contact_unmasked
from demandloop.integrations.city_platform import conf
from demandloop.integrations.city_platform.choices import DirectionChoices
from demandloop.integrations.city_platform.models import CityMatter
from demandloop.integrations.city_platform.signing import signed_headers
from demandloop.integrations.hotline12345.statusback import demand_state, reported_code
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.outbox import write_event_message
from demandloop.integrations.notify.transports import (
    IDEMPOTENCY_HEADER,
    DeliveryError,
    check_coded_answer,
    post_body,
)
from demandloop.lib.masking import mask_name, mask_phone

if TYPE_CHECKING:
    from demandloop.demands.models import Demand, DemandEvent

logger = logging.getLogger(__name__)

# The outbox channel and topic of this integration's messages (OutboxMessage.channel / .topic).
CHANNEL = "city_platform"
TOPIC = "city_platform"
TYPE_TRANSFER = "transfer"
TYPE_STATUS = "status"
# The stage of `do_city_progress` that records the reference the city answered a push with.
STAGE_RECEIVED = "received"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _zh(label: Any) -> str:
    # The city reads Chinese whatever the acting user's language: labels travel in Chinese.
    with translation.override("zh-hans"):
        return str(label)


# --- The push of a transfer ----------------------------------------------------------------------------------


def _tiers(demand: Demand) -> list[dict[str, Any]]:
    """Every tier the demand passed, in order, with what was done there (the steps of its timeline).

    Steps before triage (intake, screening) carry tier null. Department codes of dispatches and decisions are
    given as names: the city does not know the district's codes.
    """
    from demandloop.org.models import Department, Tier

    events = list(demand.events.order_by("at", "pk"))
    tier_names = dict(Tier.objects.filter(district_id=demand.district_id).values_list("level", "name"))
    codes = {
        code
        for event in events
        for code in [event.data.get("lead_department"), *event.data.get("co_departments", [])]
        if isinstance(code, str)
    }
    departments = dict(
        Department.objects.filter(district_id=demand.district_id, code__in=codes).values_list("code", "name")
    )
    tiers: list[dict[str, Any]] = []
    for event in events:
        level = event.to_tier
        if not tiers or tiers[-1]["level"] != level:
            tiers.append({"level": level, "name": tier_names.get(level, "") if level else "", "steps": []})
        lead = departments.get(event.data.get("lead_department") or "")
        co = [departments[c] for c in event.data.get("co_departments", []) if c in departments]
        tiers[-1]["steps"].append(
            {
                "at": _iso(event.at),
                "action": event.action,
                "action_name": _zh(A(event.action).label),
                "status": event.to_status,
                "status_name": _zh(DemandStatusChoices(event.to_status).label),
                "role": event.actor_role,
                "note": event.note,
                "lead_department": lead or "",
                "co_departments": co,
            }
        )
    return tiers


def build_transfer(demand: Demand, event: DemandEvent) -> dict[str, Any]:
    """The push: the whole matter, as the module's docstring says."""
    enterprise = demand.enterprise
    # The city receives what the person who transferred it could read (demands/privacy.py): a hub or the
    # area's officer reads the contact unmasked; anyone else (or the platform itself) sends it masked.
    unmasked = sees_contact_unmasked(demand, event.actor)
    contact = {
        "name": demand.contact_name if unmasked else mask_name(demand.contact_name),
        "phone": demand.contact_phone if unmasked else mask_phone(demand.contact_phone),
        "masked": not unmasked,
    }
    return {
        "type": TYPE_TRANSFER,
        "district": demand.district.code,
        "district_name": demand.district.name,
        "district_reference": str(demand.pk),
        "event_id": event.pk,
        "enterprise": {
            "name": enterprise.name,
            "uscc": enterprise.uscc,
            "address": getattr(enterprise, "address", ""),
        },
        "contact": contact,
        "title": demand.title,
        "content": demand.content,
        "domain": demand.domain.name if demand.domain is not None else "",
        "channel": demand.channel,
        "channel_name": _zh(ChannelChoices(demand.channel).label),
        "received_at": _iso(demand.received_at),
        "transferred_at": _iso(demand.transferred_at),
        "note": event.note,
        "tiers": _tiers(demand),
        "attachments": [
            {"name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in demand.attachments.order_by("uploaded_at", "pk")
        ],
    }


# --- The status-back of a matter the city sent -------------------------------------------------------------


def build_status(matter: CityMatter, demand: Demand, event: DemandEvent, code: str) -> dict[str, Any]:
    """A status-back: the event, and the demand's whole current state (the 12345 status-back's `demand_state`)."""
    return {
        "type": TYPE_STATUS,
        "reference": matter.city_reference,
        "district_reference": str(demand.pk),
        **demand_state(demand, event, code),
    }


# --- Writing -----------------------------------------------------------------------------------------------


def write_message(
    matter: CityMatter, demand: Demand, event: DemandEvent, payload: dict[str, Any], subject: str
) -> OutboxMessage:
    """Write one message to the outbox and point the matter at it, in the caller's transaction.

    The key is derived from the event, so the same event written twice yields one message; a retry of the
    delivery keeps the key, which the city uses to drop a repeat.
    """
    message, created = write_event_message(
        channel=CHANNEL,
        topic=TOPIC,
        district_id=demand.district_id,
        event_id=event.pk,
        scope=str(demand.pk),
        recipient=matter.city_reference or str(demand.pk),
        subject=subject,
        payload=payload,
        cause=f"{CHANNEL}.demand:{demand.pk}:event:{event.pk}",
    )
    if created:
        now = timezone.now()
        CityMatter.objects.filter(pk=matter.pk).update(
            outbound_message=message,
            outbound_status=demand.status,
            outbound_written_at=now,
            outbound_accepted_at=None,
            outbound_count=F("outbound_count") + 1,
        )
        matter.outbound_message, matter.outbound_status = message, demand.status
        matter.outbound_written_at, matter.outbound_accepted_at = now, None
    return message


def _transferred(demand: Demand, event: DemandEvent) -> None:
    """A 津产发 transfer while the integration is configured: push it, or record the typed reference."""
    pushed = bool(event.data.get("pushed"))
    reference = demand.city_reference
    if reference:
        clash = CityMatter.objects.filter(city_reference=reference).exclude(demand_id=demand.pk).first()
        if clash is not None:
            # Raised inside the transfer's transaction: the transfer is refused, nothing is written.
            raise ActionInvalid(
                _("Demand #%(number)s already has this Jinchanfa reference.") % {"number": clash.demand_id},
                field="city_reference",
            )
    matter, _created = CityMatter.objects.update_or_create(
        demand=demand,
        defaults={
            "district_id": demand.district_id,
            "direction": DirectionChoices.TRANSFERRED,
            "city_reference": reference,
            # A new transfer (after a return) starts the city's numbering afresh.
            "city_status": "",
            "last_sequence": 0,
            "city_status_at": None,
        },
    )
    if not pushed:
        return
    subject = _("Transfer of demand #%(number)s to Jinchanfa") % {"number": demand.pk}
    message = write_message(matter, demand, event, build_transfer(demand, event), subject)
    CityMatter.objects.filter(pk=matter.pk).update(push_message=message)
    matter.push_message = message


def _withdrawn(demand: Demand, event: DemandEvent) -> None:
    """The enterprise withdrew a matter the city holds: the city must learn it, or it works on for nothing."""
    matter = CityMatter.objects.filter(demand_id=demand.pk, direction=DirectionChoices.TRANSFERRED).first()
    if matter is None or (not matter.city_reference and matter.push_message_id is None):
        return
    subject = _("Jinchanfa %(reference)s: %(status)s") % {
        "reference": matter.city_reference or f"#{demand.pk}",
        "status": _zh(DemandStatusChoices(demand.status).label),
    }
    write_message(matter, demand, event, build_status(matter, demand, event, "withdrawn"), subject)


def on_demand_changed(sender: Any, demand: Demand, event: DemandEvent, **kwargs: Any) -> None:
    """`demand_changed` receiver: a 津产发 transfer pushes the matter; a change of a demand the city sent is
    reported back."""
    if event.action == A.TRANSFER:
        # A city-wide deployment's own city desk took the matter: nothing leaves the platform.
        if event.data.get("city_desk"):
            return
        if demand.city_channel == CityChannelChoices.JINCHANFA and conf.is_configured():
            _transferred(demand, event)
        return
    if (
        event.action == A.WITHDRAW
        and event.from_status == S.TRANSFERRED
        and demand.city_channel == CityChannelChoices.JINCHANFA
    ):
        _withdrawn(demand, event)
        return
    # Most demands never came from the city: decide without a query.
    if demand.channel != ChannelChoices.CITY:
        return
    code = reported_code(event)
    if code is None:
        return
    matter = CityMatter.objects.filter(demand_id=demand.pk, direction=DirectionChoices.RECEIVED).first()
    if matter is None:
        # Registered by hand as a city demand, not sent by the platform: no matter of the city's to report on.
        return
    subject = _("Jinchanfa %(reference)s: %(status)s") % {
        "reference": matter.city_reference,
        "status": _zh(DemandStatusChoices(demand.status).label),
    }
    write_message(matter, demand, event, build_status(matter, demand, event, code), subject)


# --- Delivery ----------------------------------------------------------------------------------------------


def post_signed(url: str, body: bytes, key: str) -> dict[str, Any]:
    """POST a signed JSON body to the city platform; its answer, or `DeliveryError` (retryable or not)."""
    headers = signed_headers(key, body)
    headers.pop(IDEMPOTENCY_HEADER)  # post_body sends the key itself
    return check_coded_answer(post_body(url, body, key=key, headers=headers), "津产发")


class CityPlatformTransport:
    """Sends a push or a status-back to 津产发; records the acceptance (and a push's reference) on the matter."""

    def send(self, message: OutboxMessage) -> None:
        url = conf.url()
        if not url:
            # The address was removed after the message was written: keep it and retry, the hub sees why.
            raise DeliveryError("no city platform is configured (DEMANDLOOP_CITY_PLATFORM_URL)")
        answer = post_signed(url, message.body.encode("utf-8"), message.key)
        if json.loads(message.body).get("type") == TYPE_TRANSFER:
            reference = str(answer.get("reference") or "").strip()
            if not reference or len(reference) > 64:
                raise DeliveryError(
                    "津产发 accepted the transfer without a usable reference; retry to ask again",
                    permanent=True,
                )
            record_reference(message, reference)
        # Only the matter's latest message says where its outbound side stands.
        CityMatter.objects.filter(outbound_message_id=message.pk).update(outbound_accepted_at=timezone.now())


def record_reference(message: OutboxMessage, reference: str) -> None:
    """Record the reference the city answered a push with: on the matter, and on the demand as an event.

    Idempotent: a repeated delivery (the city answers a repeated key with the same reference) finds the
    reference recorded and writes nothing. A demand that left "transferred" meanwhile (withdrawn by the
    enterprise) keeps its matter's reference without an event.
    """
    from demandloop.demands import actions
    from demandloop.demands.errors import DemandConflict
    from demandloop.demands.models import Demand

    with transaction.atomic():
        matter = CityMatter.objects.select_for_update().filter(push_message_id=message.pk).first()
        if matter is None:
            # A newer message replaced this push (the matter was returned and transferred again).
            return
        clash = CityMatter.objects.filter(city_reference=reference).exclude(pk=matter.pk).first()
        if clash is not None:
            raise DeliveryError(
                f"津产发 answered with reference {reference}, which demand #{clash.demand_id} already has",
                permanent=True,
            )
        if matter.city_reference != reference:
            CityMatter.objects.filter(pk=matter.pk).update(city_reference=reference)
        for _attempt in range(3):
            demand = Demand.objects.select_related("tier", "district").get(pk=matter.demand_id)
            if demand.status != S.TRANSFERRED or demand.city_reference == reference:
                return
            try:
                actions.do_city_progress(
                    demand,
                    None,
                    stage=STAGE_RECEIVED,
                    city_reference=reference,
                    note=_received_note(reference),
                    data={"message": message.key},
                )
                return
            except DemandConflict:
                # Someone acted on the demand at the same moment: read it again.
                continue
        raise DeliveryError("the demand kept changing while the reference was recorded; retrying")


def _received_note(reference: str) -> str:
    with translation.override("zh-hans"):
        return _("Jinchanfa received the matter under reference %(reference)s.") % {"reference": reference}

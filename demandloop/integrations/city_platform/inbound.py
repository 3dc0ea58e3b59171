"""What the city platform 津产发 sends the district: its status on a transferred matter, and a matter of its own
(DESIGN.md §6 intake "city inbound"). The signed HTTP endpoints are in `api.py`; this module validates and applies.

Every message carries an event id (the request's Idempotency-Key). Applying a message and recording its event id
happen in one transaction, so a message is applied once: a repeat of the same id with the same body is answered
as before and changes nothing; the same id with another body is refused (409). Bad input names its field (400)
and writes nothing.

Status (`apply_status`): found by the city's reference (404 otherwise). The city numbers its reports per
reference (`sequence`); a report numbered at or below the last one applied is older news arriving late — kept in
the log, answered `"applied": false`, not applied. Each status goes through the demands' actions, never by hand:

* `accepted` (受理) and `in_progress` (办理中) → `do_city_progress`, an event on the demand, which stays
  "transferred";
* `answered` (办结) → `do_resolve` with the city's result: the enterprise's evaluation and the closing follow as
  for any resolved demand;
* `returned` (退回) → `do_city_return`: the demand is "escalated" at tier 4 again, the district's to decide
  (a lead department of its own, or a new transfer with what the city asked for).

A demand no longer awaiting the city — the hub resolved it by hand while the city platform was down, the
enterprise withdrew it — takes the report as a record only: `do_city_report` puts the city's words (its result,
its reason for returning) on the demand's timeline, the matter notes the city's status and sequence, and the
demand itself is left as it is. The city is answered 200 with `"applied": false, "recorded": true` and the
demand's status, so it stops retrying a message the district cannot apply (a 409 would be retried for ever).

Matter (`receive_matter`): idempotent by the city's reference. The enterprise is found in the ledger by its
统一社会信用代码 (validated as the ledger validates it), as the 12345 import finds it: a code the ledger does not
hold registers the enterprise from the matter, flagged for the hub's review; a code of another district's ledger
or of a deregistered enterprise refuses the matter (400 naming `enterprise.uscc`) — the city sent it to the wrong
district, or must say which enterprise it means. The demand is taken in through `do_receive` (channel `city`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import serializers

from demandloop.demands import actions
from demandloop.demands.choices import ChannelChoices
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.enterprises.actions import do_register_enterprise
from demandloop.enterprises.choices import EnterpriseKindChoices, EnterpriseStatusChoices
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.validators import uscc_error_message
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.city_platform.choices import (
    CityStatusChoices,
    DirectionChoices,
    InboundKindChoices,
    InboundOutcomeChoices,
)
from demandloop.integrations.city_platform.models import CityInboundMessage, CityMatter
from demandloop.integrations.notify.outbox import Note, notify_users
from demandloop.lib.uscc import normalize_uscc
from demandloop.meetings.recipients import district_hub
from demandloop.org.models import District


@dataclass
class Outcome:
    """The answer to the city: HTTP status and body (`{"code": 0, …}` or `{"code": <status>, "msg", "field"}`)."""

    status_code: int
    body: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, status_code: int, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.outcome = Outcome(
            status_code,
            {"code": status_code, "msg": str(message), **({"field": field_name} if field_name else {})},
        )


def _first_error(errors: Any, prefix: str = "") -> tuple[str, str]:
    """The first (field path, message) of a DRF error structure: "enterprise.uscc", "…"."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            # An object's own error (a string where an object was expected) names the object.
            path = (prefix.rstrip(".") or name) if name == "non_field_errors" else f"{prefix}{name}"
            return _first_error(value, f"{path}.")
    if isinstance(errors, list) and errors:
        return _first_error(errors[0], prefix)
    return prefix.rstrip("."), str(errors)


def _validated(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        name, message = _first_error(serializer.errors)
        raise Refused(400, f"{name}: {message}", name)
    data: dict[str, Any] = serializer.validated_data
    return data


def _digest(payload: Any) -> str:
    """SHA-256 of the message as data (keys sorted, no spacing): a re-serialised repeat is still a repeat."""
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_event(event_id: str, key: str) -> None:
    if event_id != key:
        raise Refused(400, _("event_id must equal the Idempotency-Key header."), "event_id")


def _repeat(event_id: str, digest: str) -> Outcome | None:
    """The answer to a message already handled, or None when its event id is new."""
    seen = CityInboundMessage.objects.select_related("matter").filter(event_id=event_id).first()
    if seen is None:
        return None
    if seen.digest != digest:
        raise Refused(409, _("This event id was used before for another message."), "event_id")
    return Outcome(
        200,
        {
            "code": 0,
            "duplicate": True,
            "applied": seen.outcome == InboundOutcomeChoices.APPLIED,
            **({"recorded": True} if seen.outcome == InboundOutcomeChoices.RECORDED else {}),
            "reference": seen.matter.city_reference,
            "district_reference": str(seen.matter.demand_id),
        },
    )


def _once(event_id: str, digest: str, apply: Any) -> Outcome:
    """Run `apply` (which records the event id) in one transaction; a concurrent twin loses on the unique id."""
    repeat = _repeat(event_id, digest)
    if repeat is not None:
        return repeat
    try:
        with transaction.atomic():
            outcome: Outcome = apply()
            return outcome
    except IntegrityError:
        # A request running at the same moment recorded the same event id (answer as for a repeat), or the same
        # new reference under another event id (run again: it now finds that matter and answers a duplicate).
        repeat = _repeat(event_id, digest)
        if repeat is not None:
            return repeat
        with transaction.atomic():
            outcome = apply()
            return outcome


# --- Status of a transferred matter ------------------------------------------------------------------------


class CityStatusSerializer(serializers.Serializer[Any]):
    """The city's report on a matter the district transferred."""

    event_id = serializers.CharField(max_length=64)
    reference = serializers.CharField(max_length=64)
    sequence = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    status = serializers.ChoiceField(choices=CityStatusChoices.choices)
    occurred_at = serializers.DateTimeField(required=False)
    unit = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    result = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["status"] == CityStatusChoices.ANSWERED and not attrs["result"].strip():
            raise serializers.ValidationError({"result": _("An answer (办结) carries the result text.")})
        if attrs["status"] == CityStatusChoices.RETURNED and not attrs["reason"].strip():
            raise serializers.ValidationError({"reason": _("A return (退回) carries its reason.")})
        return attrs


def _progress_note(data: dict[str, Any]) -> str:
    with translation.override("zh-hans"):
        label = str(CityStatusChoices(data["status"]).label)
    return actions.city_progress_note(label, data["unit"], data["note"])


def apply_status(payload: Any, *, key: str) -> Outcome:
    data = _validated(CityStatusSerializer(data=payload))
    _check_event(data["event_id"], key)
    digest = _digest(payload)
    return _once(data["event_id"], digest, lambda: _apply_status(data, payload, digest))


def _apply_status(data: dict[str, Any], payload: Any, digest: str) -> Outcome:
    matter = (
        CityMatter.objects.select_for_update()
        .filter(city_reference=data["reference"], direction=DirectionChoices.TRANSFERRED)
        .first()
    )
    if matter is None:
        raise Refused(404, _("No matter transferred by this district has this reference."), "reference")
    log = CityInboundMessage(
        event_id=data["event_id"],
        kind=InboundKindChoices.STATUS,
        matter=matter,
        sequence=data["sequence"],
        status=data["status"],
        digest=digest,
        payload=payload,
    )
    answer = {"code": 0, "reference": matter.city_reference, "district_reference": str(matter.demand_id)}
    if data["sequence"] <= matter.last_sequence:
        log.outcome = InboundOutcomeChoices.STALE
        log.save(force_insert=True)
        return Outcome(200, {**answer, "applied": False, "last_sequence": matter.last_sequence})
    demand = Demand.objects.select_related("tier", "district").get(pk=matter.demand_id)
    # The event is dated when the district learns it; the city's own time is kept in the event's data.
    occurred = data.get("occurred_at")
    extra = {
        "sequence": data["sequence"],
        "event_id": data["event_id"],
        "city_status": data["status"],
        "occurred_at": occurred.isoformat() if occurred is not None else None,
    }
    try:
        if demand.status != S.TRANSFERRED:
            return _record_only(matter, demand, data, extra, log, answer)
        if data["status"] == CityStatusChoices.ANSWERED:
            actions.do_resolve(demand, None, result=data["result"].strip(), note=_progress_note(data))
        elif data["status"] == CityStatusChoices.RETURNED:
            actions.do_city_return(demand, None, reason=data["reason"].strip(), data=extra)
        else:
            actions.do_city_progress(
                demand, None, stage=data["status"], note=_progress_note(data), data=extra
            )
    except DemandActionError as error:
        raise Refused(error.status_code, error.message, error.field) from error
    _note_city_status(matter, data)
    log.outcome = InboundOutcomeChoices.APPLIED
    log.save(force_insert=True)
    return Outcome(200, {**answer, "applied": True, "status": demand.status})


def _note_city_status(matter: CityMatter, data: dict[str, Any]) -> None:
    """The matter's record of what the city reported last, and of its sequence (the replay guard)."""
    occurred = data.get("occurred_at")
    CityMatter.objects.filter(pk=matter.pk).update(
        city_status=data["status"],
        last_sequence=data["sequence"],
        city_status_at=min(occurred, timezone.now()) if occurred is not None else timezone.now(),
    )


def _city_words(data: dict[str, Any]) -> str:
    """The city's report as the timeline shows it: its status, its unit, and its own text."""
    head = _progress_note({**data, "note": ""})
    words = [text for text in (data["result"].strip(), data["reason"].strip(), data["note"].strip()) if text]
    return f"{head}：{'；'.join(words)}" if words else head


def _record_only(
    matter: CityMatter,
    demand: Demand,
    data: dict[str, Any],
    extra: dict[str, Any],
    log: CityInboundMessage,
    answer: dict[str, Any],
) -> Outcome:
    """A report on a demand that no longer awaits the city: on its timeline, on the matter, and nothing else.

    The district acted first (resolved by hand while the city platform was down, or the enterprise withdrew), so
    the city's answer or return cannot be applied any more; refusing it would only make the city retry. Kept,
    it shows the hub what the city decided after all. Its sequence counts: an older report arriving later is
    still stale.
    """
    with translation.override("zh-hans"):
        status = str(S(demand.status).label)
        note = "\n".join(
            [
                _city_words(data),
                _("Recorded only: the district's demand no longer awaits the city, it is “%(status)s”.")
                % {"status": status},
            ]
        )
    texts = {name: data[name].strip() for name in ("result", "reason") if data[name].strip()}
    actions.do_city_report(demand, None, stage=data["status"], note=note, data={**extra, **texts})
    _note_city_status(matter, data)
    _tell_hub(demand, note, data["event_id"])
    log.outcome = InboundOutcomeChoices.RECORDED
    log.save(force_insert=True)
    message = _(
        "Recorded on the demand, not applied: the district's demand no longer awaits the city "
        "(it is “%(status)s”)."
    ) % {"status": S(demand.status).label}
    return Outcome(
        200, {**answer, "applied": False, "recorded": True, "status": demand.status, "msg": str(message)}
    )


def _tell_hub(demand: Demand, words: str, event_id: str) -> None:
    """The district's service office hears of a report it could not apply: the city may have answered otherwise
    than the district did, or returned a matter the district thought done, and only the hub can take it up."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("The city platform reported on demand #%(demand)s after the district acted") % {
            "demand": demand.pk
        }
        note = Note(
            topic=TopicChoices.CITY_REPORT, subject=subject, body=words, link=f"/demands/{demand.pk}/"
        )
    notify_users(
        district_hub(demand.district_id),
        note,
        cause=f"city_platform.recorded:{event_id}",
        district=demand.district,
    )


# --- A matter the city sends ---------------------------------------------------------------------------------


class CityEnterpriseSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=40)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_uscc(self, value: str) -> str:
        message = uscc_error_message(value)
        if message is not None:
            raise serializers.ValidationError(message)
        return normalize_uscc(value)


class CityContactSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class CityMatterSerializer(serializers.Serializer[Any]):
    """A matter the city platform sends to the district."""

    event_id = serializers.CharField(max_length=64)
    reference = serializers.CharField(max_length=64)
    district = serializers.SlugField(max_length=32)
    enterprise = CityEnterpriseSerializer()
    contact = CityContactSerializer(required=False)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20000)
    received_at = serializers.DateTimeField(required=False)
    attachments = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=50
    )

    def validate_district(self, value: str) -> District:
        district = District.objects.filter(code=value).first()
        if district is None:
            raise serializers.ValidationError(_("No district of this platform has this code."))
        return district


def receive_matter(payload: Any, *, key: str) -> Outcome:
    data = _validated(CityMatterSerializer(data=payload))
    _check_event(data["event_id"], key)
    digest = _digest(payload)
    return _once(data["event_id"], digest, lambda: _receive_matter(data, payload, digest))


def _enterprise(data: dict[str, Any], district: District, reference: str) -> tuple[Enterprise, bool]:
    given = data["enterprise"]
    found = Enterprise.objects.select_related("district").filter(uscc=given["uscc"]).first()
    if found is not None and found.district_id != district.pk:
        raise Refused(
            400,
            _("This code is in the ledger of %(district)s.") % {"district": found.district.name},
            "enterprise.uscc",
        )
    if found is not None and found.status == EnterpriseStatusChoices.DEREGISTERED:
        raise Refused(
            400, _("The enterprise %(name)s is deregistered.") % {"name": found.name}, "enterprise.uscc"
        )
    if found is not None:
        return found, False
    if not given["name"].strip():
        raise Refused(
            400,
            _("Not in the ledger, and the matter gives no name to register it under."),
            "enterprise.name",
        )
    # GB 32100-2015: registered by market regulation (9), type 2 个体工商户, type 3 农民专业合作社.
    kinds = {"92": EnterpriseKindChoices.INDIVIDUAL, "93": EnterpriseKindChoices.COOPERATIVE}
    fields = {
        "uscc": given["uscc"],
        "name": given["name"].strip(),
        "kind": kinds.get(given["uscc"][:2], EnterpriseKindChoices.COMPANY),
        "address": given["address"].strip(),
        "needs_review": True,
    }
    reason = _("Jinchanfa matter %(reference)s") % {"reference": reference}
    return do_register_enterprise(district, fields, acting_user=None, reason=reason), True


def _receive_matter(data: dict[str, Any], payload: Any, digest: str) -> Outcome:
    reference = data["reference"].strip()
    district: District = data["district"]
    existing = CityMatter.objects.filter(city_reference=reference).first()
    if existing is not None:
        if existing.direction != DirectionChoices.RECEIVED or existing.district_id != district.pk:
            raise Refused(409, _("This reference names another matter of the platform."), "reference")
        # The same matter sent again under a new event id: it is a demand already.
        CityInboundMessage.objects.create(
            event_id=data["event_id"],
            kind=InboundKindChoices.MATTER,
            matter=existing,
            outcome=InboundOutcomeChoices.STALE,
            digest=digest,
            payload=payload,
        )
        return Outcome(
            200,
            {
                "code": 0,
                "duplicate": True,
                "reference": reference,
                "district_reference": str(existing.demand_id),
            },
        )
    enterprise, registered = _enterprise(data, district, reference)
    contact = data.get("contact") or {"name": "", "phone": ""}
    with translation.override("zh-hans"):
        note = _("Sent by Jinchanfa under reference %(reference)s.") % {"reference": reference}
        if data["attachments"]:
            note += _(" Attachments on the city platform: %(names)s.") % {
                "names": "、".join(data["attachments"])
            }
    received_at = data.get("received_at")
    try:
        demand = actions.do_receive(
            None,
            enterprise=enterprise,
            channel=ChannelChoices.CITY,
            title=data["title"],
            content=data["content"],
            contact_name=contact["name"],
            contact_phone=contact["phone"],
            city_reference=reference,
            received_at=min(received_at, timezone.now()) if isinstance(received_at, datetime) else None,
            note=note,
        )
    except DemandActionError as error:
        field_name = {"title": "title", "content": "content", "enterprise": "enterprise.uscc"}.get(
            error.field or "", error.field
        )
        raise Refused(400, error.message, field_name) from error
    matter = CityMatter.objects.create(
        district=district, demand=demand, direction=DirectionChoices.RECEIVED, city_reference=reference
    )
    CityInboundMessage.objects.create(
        event_id=data["event_id"],
        kind=InboundKindChoices.MATTER,
        matter=matter,
        outcome=InboundOutcomeChoices.APPLIED,
        digest=digest,
        payload=payload,
    )
    return Outcome(
        201,
        {
            "code": 0,
            "reference": reference,
            "district_reference": str(demand.pk),
            "enterprise_registered": registered,
        },
    )

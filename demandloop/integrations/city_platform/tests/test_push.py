"""The push of a 津产发 transfer: written with the transfer, delivered signed to the city platform (a real local
HTTP server), retried when it fails, refused visibly, and its reference recorded once as an event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.errors import ActionInvalid
from demandloop.demands.models import DemandEvent
from demandloop.integrations.actions import do_retry_delivery
from demandloop.integrations.city_platform.models import CityMatter
from demandloop.integrations.city_platform.outbound import CHANNEL
from demandloop.integrations.city_platform.tests.conftest import deliver_everything_due
from demandloop.integrations.city_platform.tests.ladder import at_tier_4, transfer
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.delivery import deliver_message
from demandloop.integrations.queries import outbox_for


def pushes() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=CHANNEL).order_by("pk"))


def city_events(demand: Any) -> list[DemandEvent]:
    return list(demand.events.filter(action=A.CITY_PROGRESS).order_by("at", "pk"))


# --- Without the integration, and when the matter is there already --------------------------------------


def test_it_keeps_the_manual_transfer_without_configuration(world: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    with pytest.raises(ActionInvalid) as refused:
        transfer(w, demand)
    assert refused.value.field == "city_reference"
    transfer(w, demand, city_reference="JCF-BY-HAND-1")
    assert (demand.status, demand.city_reference) == ("transferred", "JCF-BY-HAND-1")
    assert pushes() == [] and not CityMatter.objects.exists()


def test_it_still_asks_other_channels_for_their_reference(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    with pytest.raises(ActionInvalid) as refused:
        actions.do_transfer(demand, w.hub, city_channel="hotline_desk", city_reference=" ")
    assert refused.value.field == "city_reference"
    assert pushes() == []


def test_it_records_a_typed_reference_without_pushing_the_matter_twice(world: Any, city: Any) -> None:
    # The enterprise filed it on 津产发 itself, guided by its officer (南开 §三(四)): nothing to push.
    w = world.jinghai
    demand = transfer(w, at_tier_4(w), city_reference="JCF2026999001")
    assert pushes() == [] and city.requests == []
    matter = CityMatter.objects.get(demand=demand)
    assert (matter.direction, matter.city_reference, matter.sync_state) == (
        "transferred",
        "JCF2026999001",
        "idle",
    )


def test_it_refuses_a_typed_reference_another_demand_has(world: Any, city: Any) -> None:
    w = world.jinghai
    transfer(w, at_tier_4(w), city_reference="JCF2026999001")
    second = at_tier_4(w)
    with pytest.raises(ActionInvalid) as refused:
        transfer(w, second, city_reference="JCF2026999001")
    assert refused.value.field == "city_reference"
    second.refresh_from_db()
    assert second.status == "escalated" and not CityMatter.objects.filter(demand=second).exists()


# --- Written with the transfer --------------------------------------------------------------------------


def test_it_writes_the_push_in_the_same_transaction_as_the_transfer(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = at_tier_4(w)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        transfer(w, demand)
        assert len(pushes()) == 1
        raise Undo
    assert pushes() == [] and not CityMatter.objects.exists()

    demand.refresh_from_db()
    transfer(w, demand)
    [message] = pushes()
    assert (message.status, message.district, message.topic) == ("pending", w.district, "city_platform")
    assert demand.status == "transferred" and demand.city_reference == ""
    matter = CityMatter.objects.get(demand=demand)
    assert (matter.outbound_message, matter.sync_state) == (message, "pending")


def test_it_carries_the_whole_matter(world: Any, city: Any, settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    w = world.jinghai
    demand = at_tier_4(w)
    actions.do_attach(
        demand,
        w.hub,
        upload=SimpleUploadedFile("电网规划说明.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    )
    transfer(w, demand)
    body = json.loads(pushes()[0].body)
    assert body["type"] == "transfer"
    assert (body["district"], body["district_reference"]) == ("jinghai", str(demand.pk))
    assert body["enterprise"] == {"name": w.ent_a.name, "uscc": w.ent_a.uscc, "address": w.ent_a.address}
    # The hub transferred it and reads the contact unmasked (demands/privacy.py): the city gets it so.
    assert body["contact"] == {"name": "张三丰", "phone": "13812345678", "masked": False}
    assert (body["title"], body["domain"]) == (demand.title, demand.domain.name)
    assert body["content"] == "企业扩产需用电增容，涉及市级电网规划。"
    assert body["note"] == "提请市级协调"
    assert body["attachments"] == [
        {"name": "电网规划说明.pdf", "size": 10, "content_type": "application/pdf"}
    ]
    levels = [tier["level"] for tier in body["tiers"]]
    assert levels == [None, 2, 3, 4]
    tier2 = body["tiers"][1]
    assert tier2["name"] == w.tier(2).name
    dispatch = next(step for step in tier2["steps"] if step["action"] == "dispatch")
    assert dispatch["lead_department"] == w.dep("scjgj").name
    assert dispatch["co_departments"] == [w.dep("swj").name]
    assert dispatch["action_name"] == "派单"
    tier3 = body["tiers"][2]
    assert [step["action"] for step in tier3["steps"]] == ["escalate", "decide"]
    assert [step["action"] for step in body["tiers"][3]["steps"]] == ["escalate", "attach", "transfer"]


def test_it_masks_the_contact_when_the_transferring_person_reads_it_masked(world: Any, city: Any) -> None:
    # 南开 tier 4 is handled by the hub and the area's officer; a leader of 静海 tier 4 decides but reads
    # contacts masked — the platform itself (no person) sends masked too.
    w = world.jinghai
    demand = at_tier_4(w)
    actions.do_transfer(demand, None, city_channel="jinchanfa")
    body = json.loads(pushes()[0].body)
    assert body["contact"] == {"name": "张**", "phone": "138****5678", "masked": True}


# --- Delivered, retried, refused --------------------------------------------------------------------------


def test_it_delivers_signed_and_records_the_city_reference_as_an_event(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    deliver_everything_due()

    [request] = city.requests
    assert request.signature_ok
    assert request.headers["Idempotency-Key"] == pushes()[0].key
    assert request.body["district_reference"] == str(demand.pk)
    demand.refresh_from_db()
    assert (demand.status, demand.city_reference) == ("transferred", "JCF2026000001")
    [event] = city_events(demand)
    assert event.actor is None and event.data["stage"] == "received"
    assert "JCF2026000001" in event.note
    matter = CityMatter.objects.get(demand=demand)
    assert (matter.city_reference, matter.sync_state) == ("JCF2026000001", "delivered")


def test_it_retries_until_the_city_platform_takes_it(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    city.answers = [(503, {"code": 503}), (429, {"code": 429})]
    message = pushes()[0]

    assert deliver_message(message.pk) == "pending"
    message.refresh_from_db()
    assert (message.attempts, message.last_error) == (1, f"HTTP 503 from {city.url.split('/')[2]}")
    matter = CityMatter.objects.select_related("outbound_message").get(demand=demand)
    assert matter.sync_state == "pending" and "503" in matter.last_error
    deliver_everything_due()
    deliver_everything_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 3)
    # The three attempts carried one key: the city files the matter once.
    assert {r.headers["Idempotency-Key"] for r in city.requests} == {message.key}
    demand.refresh_from_db()
    assert demand.city_reference == "JCF2026000001" and len(city_events(demand)) == 1


def test_it_shows_a_refusal_to_the_hub_and_applies_a_retry_once(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    city.answers = [(200, {"code": 40012, "msg": "统一社会信用代码不存在"})]
    message = pushes()[0]
    assert deliver_message(message.pk) == "failed"
    message.refresh_from_db()
    assert "40012" in message.last_error
    # The hub's deliveries page lists it; other districts' hubs do not see it.
    assert list(outbox_for(w.hub).filter(status="failed")) == [message]
    assert not outbox_for(world.nankai.hub).filter(pk=message.pk).exists()
    matter = CityMatter.objects.select_related("outbound_message").get(demand=demand)
    assert matter.sync_state == "failed" and "40012" in matter.last_error
    # The deliveries page names the system the message is for, not its adapter's code.
    page = Client()
    page.force_login(w.hub)
    row = page.get("/deliveries/?status=failed").content.decode()
    assert "<td>市级平台（津产发）</td>" in row and "<td>city_platform</td>" not in row

    do_retry_delivery(w.hub, message)
    deliver_everything_due()
    message.refresh_from_db()
    assert message.status == "delivered"
    # A repeated delivery of the same message (a worker died after sending) records nothing new.
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending")
    deliver_everything_due()
    demand.refresh_from_db()
    assert demand.city_reference == "JCF2026000001"
    assert len(city_events(demand)) == 1
    assert len(city.references) == 1


def test_it_fails_visibly_when_the_city_accepts_without_a_reference(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    city.answers = [(200, {"code": 0})]
    assert deliver_message(pushes()[0].pk) == "failed"
    demand.refresh_from_db()
    assert demand.city_reference == "" and city_events(demand) == []
    assert "reference" in pushes()[0].last_error


def test_it_refuses_a_reference_that_names_another_matter(world: Any, city: Any) -> None:
    w = world.jinghai
    transfer(w, at_tier_4(w), city_reference="JCF2026000001")
    demand = transfer(w, at_tier_4(w))
    assert deliver_message(pushes()[0].pk) == "failed"
    demand.refresh_from_db()
    assert demand.city_reference == "" and city_events(demand) == []


def test_it_keeps_the_reference_of_a_matter_withdrawn_meanwhile(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    actions.do_withdraw(demand, w.ent_user_a, reason="企业已自行解决")
    deliver_everything_due()
    demand.refresh_from_db()
    assert demand.status == "withdrawn" and city_events(demand) == []
    assert CityMatter.objects.get(demand=demand).city_reference == "JCF2026000001"
    # The city hears of the withdrawal, so that it does not work on for nothing.
    push, withdrawn = (request.body for request in city.requests)
    assert (push["type"], withdrawn["type"], withdrawn["status"]) == ("transfer", "status", "withdrawn")
    assert withdrawn["district_reference"] == str(demand.pk) and withdrawn["reason"] == "企业已自行解决"


def test_it_tells_the_city_of_a_withdrawal_after_its_answer(world: Any, city: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    deliver_everything_due()
    demand.refresh_from_db()
    actions.do_withdraw(demand, w.officer_a, reason="企业已搬迁出本区")
    deliver_everything_due()
    assert city.statuses["JCF2026000001"]["status"] == "withdrawn"
    matter = CityMatter.objects.get(demand=demand)
    assert (matter.outbound_status, matter.sync_state) == ("withdrawn", "delivered")


def test_it_tells_the_city_nothing_of_a_manual_transfer_without_the_integration(world: Any) -> None:
    w = world.jinghai
    demand = transfer(w, at_tier_4(w), city_reference="JCF-BY-HAND-2")
    actions.do_withdraw(demand, w.officer_a, reason="企业已搬迁出本区")
    assert pushes() == []

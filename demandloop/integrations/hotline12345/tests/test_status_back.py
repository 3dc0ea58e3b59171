"""Status back to 12345: a linked demand's change writes its message with the change, and the outbox delivers it,
signed, to a real local 12345 server — retried when the server fails, never applied twice."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from demandloop.core.models import AuditEvent
from demandloop.demands import actions
from demandloop.demands.tests.world import DistrictWorld, in_days, receive
from demandloop.integrations.actions import do_retry_delivery
from demandloop.integrations.hotline12345.filtersets import sync_state_q
from demandloop.integrations.hotline12345.imports import import_hotline
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.statusback import CHANNEL, signature, write_status_back
from demandloop.integrations.hotline12345.tests.files import order, write_csv
from demandloop.integrations.hotline12345.tests.simulator import Hotline12345Simulator
from demandloop.integrations.models import OutboxMessage
from demandloop.integrations.notify.delivery import deliver_due, deliver_message


def imported(w: DistrictWorld, tmp_path: Path, number: str = "GD2025092800001") -> tuple[HotlineOrder, Any]:
    """One 12345 order of enterprise a, imported by the dispatcher: (the order, its received demand)."""
    path = write_csv(tmp_path / f"{number}.csv", [order(number, w.ent_a)], encoding="gbk")
    report = import_hotline(path, district=w.district, acting_user=w.dispatcher)
    assert report.applied, report.errors
    placed = HotlineOrder.objects.select_related("demand").get(district=w.district, number=number)
    return placed, placed.demand


def in_progress(w: DistrictWorld, demand: Any) -> Any:
    """Screened by the dispatcher, triaged by the hub, dispatched to scjgj (swj co-handling), accepted."""
    actions.do_screen(demand, w.dispatcher, in_scope=True)
    actions.do_triage(demand, w.hub, domain=w.domain(), complexity="complex", tier=w.tier(2))
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])
    return actions.do_accept(demand, w.coord_lead)


def status_backs(placed: HotlineOrder) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=CHANNEL, recipient=placed.number).order_by("pk"))


def deliver_everything_due() -> None:
    # Backoff waits are the delivery's business; the test moves every pending message to now.
    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    deliver_due()


# --- Written with the change ------------------------------------------------------------------------------


def test_it_writes_the_status_back_in_the_same_transaction_as_the_plan(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    assert status_backs(placed) == [], "screening, triage, dispatch and acceptance are not reported"

    actions.do_plan(demand, w.coord_lead, plan="三个工作日内修复道路", eta=in_days(20))

    [message] = status_backs(placed)
    assert (message.channel, message.topic, message.district, message.status) == (
        CHANNEL,
        "hotline12345",
        w.district,
        "pending",
    )
    body = json.loads(message.body)
    assert body["order_no"] == "GD2025092800001"
    assert (body["status"], body["status_name"]) == ("planned", "已给出方案")
    assert body["plan"] == "三个工作日内修复道路"
    assert body["eta"] == demand.completion_due.isoformat()
    assert body["unit"] == w.dep("scjgj").name
    assert body["sequence"] == demand.version
    placed.refresh_from_db()
    assert placed.feedback_message == message and placed.feedback_status == "planned"
    assert placed.sync_state == "pending"

    actions.do_inform(demand, w.officer_a)
    assert len(status_backs(placed)) == 1, "informing the enterprise is not reported"


def test_it_writes_nothing_when_the_change_rolls_back(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_plan(demand, w.coord_lead, plan="三个工作日内修复道路", eta=in_days(20))
        raise RuntimeError("the caller's transaction fails after the action")

    assert status_backs(placed) == []
    placed.refresh_from_db()
    assert placed.feedback_status == "" and placed.sync_state == "idle"


def test_the_same_event_written_twice_is_one_message(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    event = demand.events.get(action="plan")

    again = write_status_back(placed, demand, event, "planned")

    assert status_backs(placed) == [again]
    placed.refresh_from_db()
    assert placed.feedback_count == 1


def test_it_reports_nothing_for_demands_that_did_not_come_from_an_import(world: Any) -> None:
    w = world.jinghai
    by_hand = receive(w, by=w.dispatcher, channel="hotline", source="", hotline_number="GD-BY-HAND")
    direct = receive(w)
    for demand in (by_hand, direct):
        in_progress(w, demand)
        actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    assert not OutboxMessage.objects.filter(channel=CHANNEL).exists()


# --- Delivered to a real 12345 server --------------------------------------------------------------------


def test_it_delivers_a_signed_status_back_that_12345_accepts(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="三个工作日内修复道路", eta=in_days(20))

    assert deliver_due() == 1

    [request] = hotline.requests
    assert request.signature_ok
    [message] = status_backs(placed)
    assert request.headers["Idempotency-Key"] == message.key
    assert request.headers["X-Hotline-App-Id"] == "demandloop-jinghai"
    # The signature is the documented HMAC, recomputed here independently of the adapter.
    signed = f"demandloop-jinghai\n{request.headers['X-Hotline-Timestamp']}\n{message.key}\n".encode()
    expected = hmac.new(b"s3cret-of-the-test", signed + request.raw, hashlib.sha256).hexdigest()
    assert request.headers["X-Hotline-Signature"] == expected
    assert signature("s3cret-of-the-test", "demandloop-jinghai", "1", "k", b"{}") != signature(
        "another-secret", "demandloop-jinghai", "1", "k", b"{}"
    )
    assert hotline.orders["GD2025092800001"]["status"] == "planned"
    message.refresh_from_db()
    placed.refresh_from_db()
    assert message.status == "delivered"
    assert placed.sync_state == "delivered" and placed.feedback_delivered_at is not None


def test_12345_hears_the_whole_journey_to_the_closing(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    actions.do_inform(demand, w.officer_a)
    actions.do_report_part(demand, w.coord_co, part="税务部分无事项")
    actions.do_resolve(demand, w.coord_lead, result="道路已修复，货车可正常通行")
    actions.do_evaluate(demand, w.ent_user_a, solved="solved", satisfied="satisfied", comment="很及时")
    actions.do_close(demand, w.officer_a)

    deliver_everything_due()

    assert [r.body["status"] for r in hotline.requests] == ["planned", "resolved", "evaluated", "closed"]
    assert all(r.signature_ok for r in hotline.requests)
    final = hotline.orders["GD2025092800001"]
    assert final["status"] == "closed" and final["status_name"] == "已关闭"
    assert final["result"] == "道路已修复，货车可正常通行"
    assert final["evaluation"] == {"solved": "solved", "satisfied": "satisfied", "comment": "很及时"}
    placed.refresh_from_db()
    assert placed.feedback_status == "closed" and placed.feedback_count == 4
    assert placed.sync_state == "delivered"


def test_it_reports_a_return_a_rejection_and_a_reopening(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    returned, demand = imported(w, tmp_path, "GD-RETURN")
    actions.do_screen(demand, w.dispatcher, in_scope=True)
    actions.do_triage(demand, w.hub, domain=w.domain(), complexity="complex", tier=w.tier(2))
    actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"))
    actions.do_return(demand, w.coord_lead, reason="道路养护不属于本部门职责")

    rejected, other = imported(w, tmp_path, "GD-REJECT")
    actions.do_screen(
        other, w.dispatcher, in_scope=False, exclusion=w.district.exclusions.get(code="petition")
    )

    reopened, third = imported(w, tmp_path, "GD-REOPEN")
    in_progress(w, third)
    actions.do_plan(third, w.coord_lead, plan="修复道路", eta=in_days(20))
    actions.do_inform(third, w.officer_a)
    actions.do_report_part(third, w.coord_co, part="无")
    actions.do_resolve(third, w.coord_lead, result="已修复")
    actions.do_evaluate(third, w.ent_user_a, solved="not_solved", satisfied="not_satisfied")
    actions.do_reopen(third, w.ent_user_a, reason="只修了一半")

    deliver_everything_due()

    returned_body = hotline.orders["GD-RETURN"]
    assert (returned_body["status"], returned_body["reason"]) == ("returned", "道路养护不属于本部门职责")
    rejected_body = hotline.orders["GD-REJECT"]
    assert rejected_body["status"] == "rejected"
    assert rejected_body["exclusion"]["code"] == "petition" and rejected_body["exclusion"]["redirect"]
    for placed, status in ((returned, "returned"), (rejected, "out_of_scope"), (reopened, "in_progress")):
        placed.refresh_from_db()
        assert (placed.feedback_status, placed.sync_state) == (status, "delivered")
    reopened_body = hotline.orders["GD-REOPEN"]
    assert (reopened_body["status"], reopened_body["reason"]) == ("reopened", "只修了一半")
    assert [r.body["status"] for r in hotline.requests if r.body["order_no"] == "GD-REOPEN"] == [
        "planned",
        "resolved",
        "evaluated",
        "reopened",
    ]


def test_it_retries_after_a_server_error_with_the_same_key_and_12345_applies_it_once(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    [message] = status_backs(placed)
    hotline.answers = [(503, {"code": 503, "msg": "busy"})]

    assert deliver_message(message.pk) == "pending"
    message.refresh_from_db()
    placed.refresh_from_db()
    assert message.attempts == 1 and "HTTP 503" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert placed.sync_state == "pending"

    # A worker that died after sending but before recording: the claim expires, the message is sent again.
    assert deliver_message(message.pk, now=message.next_attempt_at + timedelta(seconds=1)) == "delivered"
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", locked_until=timezone.now())
    assert deliver_message(message.pk, now=timezone.now() + timedelta(minutes=5)) == "delivered"

    keys = [r.headers["Idempotency-Key"] for r in hotline.requests]
    assert keys == [message.key] * 3
    assert hotline.processed_keys == {message.key}
    placed.refresh_from_db()
    assert placed.sync_state == "delivered"


def test_a_refusal_shows_as_failed_until_the_hub_retries(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    [message] = status_backs(placed)
    hotline.answers = [(200, {"code": 2001, "msg": "工单不存在"})]

    assert deliver_message(message.pk) == "failed"
    placed.refresh_from_db()
    assert placed.sync_state == "failed"
    assert "2001" in placed.feedback_message.last_error
    assert list(HotlineOrder.objects.filter(sync_state_q("failed"))) == [placed]
    assert not HotlineOrder.objects.filter(sync_state_q("delivered")).exists()

    do_retry_delivery(w.hub, message)
    assert deliver_message(message.pk) == "delivered"
    placed.refresh_from_db()
    assert placed.sync_state == "delivered"
    assert list(HotlineOrder.objects.filter(sync_state_q("delivered"))) == [placed]


def test_a_late_retry_of_an_older_state_does_not_undo_the_newer_one(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    [planned] = status_backs(placed)
    hotline.answers = [(502, {"code": 502})]
    deliver_message(planned.pk)
    actions.do_inform(demand, w.officer_a)
    actions.do_report_part(demand, w.coord_co, part="无")
    actions.do_resolve(demand, w.coord_lead, result="已修复")
    resolved = status_backs(placed)[-1]
    assert deliver_message(resolved.pk) == "delivered"

    # The older message arrives last; 12345 keeps the highest sequence, and the order's state stays the latest.
    assert deliver_message(planned.pk, now=timezone.now() + timedelta(hours=1)) == "delivered"

    assert hotline.orders["GD2025092800001"]["status"] == "resolved"
    placed.refresh_from_db()
    assert placed.feedback_message == resolved and placed.sync_state == "delivered"


def test_it_keeps_the_message_while_no_12345_interface_is_configured(
    world: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DEMANDLOOP_HOTLINE12345_URL = ""
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    [message] = status_backs(placed)

    assert deliver_message(message.pk) == "pending"
    message.refresh_from_db()
    assert "DEMANDLOOP_HOTLINE12345_URL" in message.last_error
    placed.refresh_from_db()
    assert placed.sync_state == "pending"


def test_the_hub_sees_a_failed_status_back_among_the_deliveries_and_retries_it(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator, api_as: Any
) -> None:
    w = world.jinghai
    placed, demand = imported(w, tmp_path)
    in_progress(w, demand)
    actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    [message] = status_backs(placed)
    hotline.answers = [(404, {"code": 404, "msg": "no such order"})]
    assert deliver_message(message.pk) == "failed"
    hub = api_as(w.hub)

    listed = hub.get("/api/v1/deliveries/?status=failed").json()["results"]
    assert [(row["id"], row["channel"], row["recipient"]) for row in listed] == [
        (message.pk, CHANNEL, "GD2025092800001")
    ]
    assert hub.post(f"/api/v1/deliveries/{message.pk}/retry/").status_code == 200
    deliver_due()

    placed.refresh_from_db()
    assert placed.sync_state == "delivered"
    assert hotline.orders["GD2025092800001"]["status"] == "planned"
    # The dispatcher does not run the outbox: the hub does (integrations.queries.outbox_for).
    assert api_as(w.dispatcher).get(f"/api/v1/deliveries/{message.pk}/").status_code == 404


def test_the_dispatcher_sends_failed_status_backs_again_from_the_ledger(
    world: Any, tmp_path: Path, hotline: Hotline12345Simulator, client: Any
) -> None:
    w = world.jinghai
    first, demand_1 = imported(w, tmp_path)
    second, demand_2 = imported(w, tmp_path, number="GD2025092800002")
    for demand in (demand_1, demand_2):
        in_progress(w, demand)
        actions.do_plan(demand, w.coord_lead, plan="修复道路", eta=in_days(20))
    hotline.answers = [(200, {"code": 2001, "msg": "工单不存在"})] * 2
    for placed in (first, second):
        [message] = status_backs(placed)
        assert deliver_message(message.pk) == "failed"

    client.force_login(w.dispatcher)
    ledger = client.get(reverse("hotline_orders"), {"sync_state": "failed"}).content.decode()
    assert "2 件回传失败" in ledger and 'id="retry-all"' in ledger
    row = ledger[ledger.index(f'data-order="{first.pk}"') :]
    assert "重新回传" in row[: row.index("</tr>")]

    one = client.post(
        reverse("hotline_retry"), {"order": first.pk, "next": "/hotline/?sync_state=failed"}, follow=True
    )
    assert one.redirect_chain[-1][0] == "/hotline/?sync_state=failed"
    assert "已重新回传 1 件，结果在本页查看" in one.content.decode()
    retried = AuditEvent.objects.get(action="outbox.retry")
    assert (retried.role, retried.username) == ("dispatcher", w.dispatcher.username)
    deliver_everything_due()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sync_state, second.sync_state) == ("delivered", "failed")
    assert hotline.orders["GD2025092800001"]["status"] == "planned"

    # Nothing failed on that order any more: nothing to send, and the page says so.
    again = client.post(reverse("hotline_retry"), {"order": first.pk}, follow=True)
    assert "该工单没有回传失败的记录" in again.content.decode()
    garbled = client.post(reverse("hotline_retry"), {"order": "GD-1; drop"}, follow=True)
    assert garbled.status_code == 200 and "该工单没有回传失败的记录" in garbled.content.decode()
    every = client.post(reverse("hotline_retry"), {"all": "1"}, follow=True)
    assert "已重新回传 1 件" in every.content.decode()
    deliver_everything_due()
    second.refresh_from_db()
    assert second.sync_state == "delivered"

    # Another district's dispatcher reaches none of it; an officer not the page.
    client.force_login(world.nankai.dispatcher)
    assert (
        "没有回传失败的工单"
        in client.post(reverse("hotline_retry"), {"all": "1"}, follow=True).content.decode()
    )
    client.force_login(w.officer_a)
    assert client.post(reverse("hotline_retry"), {"all": "1"}).status_code == 404

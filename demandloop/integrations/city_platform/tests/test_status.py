"""The city's status on a transferred matter: signed (401/403 otherwise), validated field by field (400), found by
reference (404), applied through the demands' actions exactly once, in sequence order."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.models import DemandEvent
from demandloop.integrations.city_platform.models import CityInboundMessage, CityMatter
from demandloop.integrations.city_platform.tests.conftest import deliver_everything_due
from demandloop.integrations.city_platform.tests.ladder import at_tier_4, transfer
from demandloop.integrations.models import Notification


@pytest.fixture
def pushed(world: Any, city: Any) -> Any:
    """A 静海 tier-4 demand transferred through 津产发 and received by the city as JCF2026000001."""
    w = world.jinghai
    demand = transfer(w, at_tier_4(w))
    deliver_everything_due()
    demand.refresh_from_db()
    assert demand.city_reference == "JCF2026000001"
    return demand


def status(event_id: str, sequence: int, code: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "reference": "JCF2026000001", "sequence": sequence, "status": code, **extra}


def events(demand: Any) -> list[tuple[str, str]]:
    return list(demand.events.order_by("at", "pk").values_list("action", "to_status"))


# --- Who may call ----------------------------------------------------------------------------------------


def test_it_refuses_requests_that_are_not_signed_by_the_city(pushed: Any, city: Any, city_posts: Any) -> None:
    body = status("ev-1", 1, "accepted")
    assert city_posts("status", body, secret="guessed").status_code == 403
    assert city_posts("status", body, app_id="another-district").status_code == 403
    stale = city_posts("status", body, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401 and "300" in stale.json()["msg"]
    assert city_posts("status", body, timestamp=int(time.time()) + 3600).status_code == 401
    # Signed for another body (or another event id): the signature covers both.
    raw, headers = city.sign(body, "ev-1")
    tampered = raw.replace(b'"accepted"', b'"answered"')
    response = APIClient().post(
        "/api/v1/integrations/city/status/", tampered, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    unsigned = APIClient().post("/api/v1/integrations/city/status/", body, format="json")
    assert unsigned.status_code == 401 and "X-City-App-Id" in unsigned.json()["msg"]
    assert not CityInboundMessage.objects.exists()
    # Only the reference's own event (the push's answer): nothing of the refused requests.
    assert [action for action, _to in events(pushed)].count(A.CITY_PROGRESS) == 1


def test_it_lets_no_signed_in_person_call_it(pushed: Any, world: Any) -> None:
    client = APIClient()
    client.force_authenticate(world.jinghai.hub)
    response = client.post("/api/v1/integrations/city/status/", status("ev-1", 1, "accepted"), format="json")
    assert response.status_code == 401
    assert not CityInboundMessage.objects.exists()


def test_it_is_closed_while_the_integration_is_not_configured(
    pushed: Any, city_posts: Any, settings: Any
) -> None:
    settings.DEMANDLOOP_CITY_PLATFORM_SECRET = ""
    assert city_posts("status", status("ev-1", 1, "accepted")).status_code == 503


# --- Bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "办结"}, "status"),
        ({"sequence": 0}, "sequence"),
        ({"sequence": "two"}, "sequence"),
        ({"reference": ""}, "reference"),
        ({"status": "answered"}, "result"),
        ({"status": "returned", "reason": "  "}, "reason"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
    ],
)
def test_it_names_the_wrong_field_and_applies_nothing(
    pushed: Any, city_posts: Any, change: dict[str, Any], field: str
) -> None:
    response = city_posts("status", {**status("ev-1", 1, "accepted"), **change})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and response.json()["code"] == 400
    assert not CityInboundMessage.objects.exists()
    pushed.refresh_from_db()
    assert pushed.status == "transferred"


def test_it_refuses_a_body_that_is_not_a_json_object(pushed: Any, city_posts: Any) -> None:
    assert city_posts("status", b"[1, 2]", key="ev-1").status_code == 400
    assert city_posts("status", b"{not json", key="ev-2").status_code == 400


def test_it_wants_the_event_id_to_be_the_signed_key(pushed: Any, city_posts: Any) -> None:
    response = city_posts("status", status("ev-1", 1, "accepted"), key="ev-other")
    assert response.status_code == 400 and response.json()["field"] == "event_id"


def test_it_answers_404_for_an_unknown_reference(pushed: Any, city_posts: Any) -> None:
    response = city_posts("status", {**status("ev-1", 1, "accepted"), "reference": "JCF-NOT-OURS"})
    assert response.status_code == 404 and response.json()["field"] == "reference"
    assert not CityInboundMessage.objects.exists()


# --- Applied ----------------------------------------------------------------------------------------------


def test_it_records_acceptance_and_progress_as_events(pushed: Any, city_posts: Any) -> None:
    accepted = city_posts("status", status("ev-1", 1, "accepted", unit="市发展改革委", note="已受理"))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == {
        "code": 0,
        "reference": "JCF2026000001",
        "district_reference": str(pushed.pk),
        "applied": True,
        "status": "transferred",
    }
    assert city_posts("status", status("ev-2", 2, "in_progress", note="正在协调电力公司")).status_code == 200
    pushed.refresh_from_db()
    assert pushed.status == "transferred"
    progress = list(DemandEvent.objects.filter(demand=pushed, action=A.CITY_PROGRESS).order_by("pk"))
    assert [e.data["stage"] for e in progress] == ["received", "accepted", "in_progress"]
    assert progress[1].note == "市级已受理，市发展改革委：已受理"
    assert progress[2].data["sequence"] == 2 and progress[2].actor is None
    matter = CityMatter.objects.get(demand=pushed)
    assert (matter.city_status, matter.last_sequence) == ("in_progress", 2)


def test_it_resolves_the_demand_with_the_city_s_answer(pushed: Any, city_posts: Any) -> None:
    response = city_posts(
        "status", status("ev-9", 3, "answered", result="市电力公司已纳入2027年电网改造计划。")
    )
    assert response.status_code == 200
    pushed.refresh_from_db()
    assert (pushed.status, pushed.result) == ("resolved", "市电力公司已纳入2027年电网改造计划。")
    assert events(pushed)[-1] == (A.RESOLVE, "resolved")


def test_it_returns_the_matter_to_the_district_at_tier_4(pushed: Any, city_posts: Any, world: Any) -> None:
    response = city_posts("status", status("ev-1", 1, "returned", reason="属区级职责，请区级统筹解决"))
    assert response.status_code == 200
    pushed.refresh_from_db()
    assert (pushed.status, pushed.tier.level) == ("escalated", 4)
    last = pushed.events.latest("at", "pk")
    assert (last.action, last.note) == (A.CITY_RETURN, "属区级职责，请区级统筹解决")
    # The district's again: the hub decides a lead department of its own.
    w = world.jinghai
    from demandloop.demands.tests.world import in_days

    actions.do_decide(pushed, w.hub, lead_department=w.dep("scjgj"), co_departments=[], deadline=in_days(20))
    assert pushed.status == "in_progress"


def test_it_answers_a_replayed_event_as_before_and_applies_it_once(pushed: Any, city_posts: Any) -> None:
    body = status("ev-1", 1, "accepted", note="已受理")
    first = city_posts("status", body)
    again = city_posts("status", body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True and again.json()["applied"] is True
    assert (
        DemandEvent.objects.filter(demand=pushed, action=A.CITY_PROGRESS).count() == 2
    )  # received + accepted
    # The same event id for another message is not a repeat: refused, nothing applied.
    reused = city_posts("status", status("ev-1", 2, "answered", result="已办结"))
    assert reused.status_code == 409 and reused.json()["field"] == "event_id"
    pushed.refresh_from_db()
    assert pushed.status == "transferred"


def test_it_ignores_older_news_arriving_after_newer(pushed: Any, city_posts: Any) -> None:
    # 办理中 (2) arrives, then the delayed 受理 (1): the older report is logged, not applied.
    assert city_posts("status", status("ev-2", 2, "in_progress")).json()["applied"] is True
    late = city_posts("status", status("ev-1", 1, "accepted"))
    assert late.status_code == 200
    assert late.json()["applied"] is False and late.json()["last_sequence"] == 2
    stages = [e.data["stage"] for e in DemandEvent.objects.filter(demand=pushed, action=A.CITY_PROGRESS)]
    assert stages == ["received", "in_progress"]
    assert CityInboundMessage.objects.get(event_id="ev-1").outcome == "stale"
    # 办结 (4) arrives before 办理中 (3): the answer resolves; the late progress changes nothing.
    assert city_posts("status", status("ev-4", 4, "answered", result="已办结")).json()["applied"] is True
    assert city_posts("status", status("ev-3", 3, "in_progress")).json()["applied"] is False
    pushed.refresh_from_db()
    assert pushed.status == "resolved"
    assert CityMatter.objects.get(demand=pushed).city_status == "answered"


# --- A demand the district no longer holds open for the city ------------------------------------------------


def test_it_records_the_city_s_late_answer_on_a_demand_the_hub_resolved_by_hand(
    pushed: Any, city_posts: Any, world: Any
) -> None:
    # The city platform was down; the hub resolved the matter itself. The city's answer arrives afterwards.
    actions.do_resolve(pushed, world.jinghai.hub, result="区工信局协调电力公司，已完成增容。")
    version = pushed.version
    body = status("ev-9", 3, "answered", unit="市发展改革委", result="已纳入2027年电网改造计划。")
    response = city_posts("status", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert {key: value for key, value in answer.items() if key != "msg"} == {
        "code": 0,
        "reference": "JCF2026000001",
        "district_reference": str(pushed.pk),
        "applied": False,
        "recorded": True,
        "status": "resolved",
    }
    assert "已办结" in answer["msg"] and "未据此办理" in answer["msg"]
    # The demand is as the hub left it: status, result, version.
    pushed.refresh_from_db()
    assert (pushed.status, pushed.result, pushed.version) == (
        "resolved",
        "区工信局协调电力公司，已完成增容。",
        version,
    )
    # Its history shows the city's own result, in the city's words.
    last = pushed.events.latest("at", "pk")
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        A.CITY_REPORT,
        "resolved",
        "resolved",
        None,
    )
    assert last.note.startswith("市级已办结，市发展改革委：已纳入2027年电网改造计划。")
    assert "仅记录" in last.note and "已办结" in last.note
    assert (last.data["stage"], last.data["result"], last.data["sequence"]) == (
        "answered",
        "已纳入2027年电网改造计划。",
        3,
    )
    matter = CityMatter.objects.get(demand=pushed)
    assert (matter.city_status, matter.last_sequence) == ("answered", 3)
    assert CityInboundMessage.objects.get(event_id="ev-9").outcome == "recorded"
    # The city's retry of the same message is a repeat: answered as recorded, recorded once.
    again = city_posts("status", body)
    assert again.status_code == 200
    assert (again.json()["duplicate"], again.json()["applied"], again.json()["recorded"]) == (
        True,
        False,
        True,
    )
    # Older news arriving later is stale, as ever: kept in the log, not on the timeline.
    late = city_posts("status", status("ev-2", 2, "in_progress", note="正在协调"))
    assert late.status_code == 200 and late.json()["applied"] is False and late.json()["last_sequence"] == 3
    assert "recorded" not in late.json()
    assert CityInboundMessage.objects.get(event_id="ev-2").outcome == "stale"
    assert pushed.events.filter(action=A.CITY_REPORT).count() == 1
    # The hub hears of it in its inbox, once although the city sent it twice; only the recorded report counts.
    told = Notification.objects.filter(topic="city_report")
    assert [(note.user, note.link) for note in told] == [(world.jinghai.hub, f"/demands/{pushed.pk}/")]
    assert f"#{pushed.pk}" in told[0].subject and "已纳入2027年电网改造计划。" in told[0].body


def test_it_records_a_return_for_a_demand_closed_locally_without_reopening_it(
    pushed: Any, city_posts: Any, world: Any
) -> None:
    w = world.jinghai
    actions.do_resolve(pushed, w.hub, result="区级已协调解决")
    actions.do_close(pushed, w.officer_a, note="企业确认已解决")
    response = city_posts("status", status("ev-5", 1, "returned", reason="属区级职责，请区级统筹解决"))
    assert response.status_code == 200, response.content
    assert (response.json()["recorded"], response.json()["status"]) == (True, "closed")
    pushed.refresh_from_db()
    assert (pushed.status, pushed.tier.level) == ("closed", 4)
    last = pushed.events.latest("at", "pk")
    assert (last.action, last.to_status, last.data["reason"]) == (
        A.CITY_REPORT,
        "closed",
        "属区级职责，请区级统筹解决",
    )
    assert "属区级职责，请区级统筹解决" in last.note and "已关闭" in last.note
    assert CityMatter.objects.get(demand=pushed).city_status == "returned"
    # Only the hub can take the return up with the city: it is told, and no one else is.
    told = Notification.objects.filter(topic="city_report")
    assert [note.user for note in told] == [w.hub] and "属区级职责，请区级统筹解决" in told[0].body


def test_it_records_progress_on_a_withdrawn_demand_and_answers_200(
    pushed: Any, city_posts: Any, world: Any
) -> None:
    actions.do_withdraw(pushed, world.jinghai.ent_user_a, reason="企业已自行解决")
    response = city_posts("status", status("ev-1", 1, "accepted", unit="市发展改革委", note="已受理"))
    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["recorded"], response.json()["status"]) == (
        False,
        True,
        "withdrawn",
    )
    pushed.refresh_from_db()
    assert pushed.status == "withdrawn"
    assert events(pushed)[-1] == (A.CITY_REPORT, "withdrawn")
    assert CityMatter.objects.get(demand=pushed).last_sequence == 1


def test_the_hub_reads_the_city_s_late_answer_and_was_warned_before_resolving(
    pushed: Any, city_posts: Any, world: Any, client: Any
) -> None:
    w = world.jinghai
    client.force_login(w.hub)
    page = client.get(f"/demands/{pushed.pk}/").content.decode()
    # Resolving by hand stays possible while the city holds the matter, with a word of warning.
    assert 'name="submit-resolve"' in page
    assert "仅在市级平台无法回传时" in page
    client.post(f"/demands/{pushed.pk}/actions/resolve/", {"resolve-result": "区级已协调解决"})
    pushed.refresh_from_db()
    assert pushed.status == "resolved"
    city_posts("status", status("ev-9", 3, "answered", result="已纳入2027年电网改造计划。"))
    page = client.get(f"/demands/{pushed.pk}/").content.decode()
    assert "市级反馈（仅记录）" in page and "已纳入2027年电网改造计划。" in page
    assert "仅在市级平台无法回传时" not in page
    # The enterprise follows the city's word on its own matter too.
    client.force_login(w.ent_user_a)
    assert "已纳入2027年电网改造计划。" in client.get(f"/demands/{pushed.pk}/").content.decode()


def test_no_warning_where_the_hub_records_the_city_s_answer_by_hand(
    world: Any, city: Any, client: Any
) -> None:
    # The 12345 enterprise desk has no integration: its answer is recorded here, so there is nothing to warn of.
    w = world.jinghai
    demand = actions.do_transfer(
        at_tier_4(w), w.hub, city_channel="hotline_desk", city_reference="12345-ZX-0001"
    )
    client.force_login(w.hub)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'name="submit-resolve"' in page and "仅在市级平台无法回传时" not in page


def test_it_answers_a_twin_that_lost_the_race_as_a_repeat(
    pushed: Any, city_posts: Any, monkeypatch: Any
) -> None:
    # Two deliveries of one event at the same moment: both pass the first look, the unique event id lets one
    # write; the other's transaction rolls back whole and it is answered as a repeat.
    from demandloop.integrations.city_platform import inbound

    body = status("ev-1", 1, "accepted")
    assert city_posts("status", body).status_code == 200
    real = inbound._repeat
    calls: list[str] = []

    def first_look_misses(event_id: str, digest: str) -> Any:
        calls.append(event_id)
        return None if len(calls) == 1 else real(event_id, digest)

    monkeypatch.setattr(inbound, "_repeat", first_look_misses)
    pushed.refresh_from_db()
    # The twin gets as far as writing its log row, and loses on the unique event id.
    twin = city_posts("status", body)
    assert twin.status_code == 200 and twin.json()["duplicate"] is True
    assert len(calls) == 2
    stages = [e.data["stage"] for e in DemandEvent.objects.filter(demand=pushed, action=A.CITY_PROGRESS)]
    assert stages == ["received", "accepted"]


def test_it_knows_a_repeat_written_out_differently(pushed: Any, city_posts: Any) -> None:
    body = status("ev-1", 1, "accepted", note="已受理")
    assert city_posts("status", body).status_code == 200
    spaced = json.dumps(dict(reversed(list(body.items()))), ensure_ascii=False, indent=2).encode()
    again = city_posts("status", spaced, key="ev-1")
    assert again.status_code == 200 and again.json()["duplicate"] is True

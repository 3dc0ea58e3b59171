"""Whistles and meetings as the people of a district live them: an officer summons departments, they report in
(or do not), the hub's joint meeting decides lead, co-departments and deadline, and the decisions reach the
demands through their own actions — all visible in the API, counted per department, exported as 会议纪要."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document
from rest_framework.test import APIClient

from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed
from demandloop.demands.tests.world import drive, triaged
from demandloop.integrations.models import Notification, OutboxMessage, WebhookEndpoint
from demandloop.meetings import actions
from demandloop.meetings.choices import MeetingKindChoices, MeetingStatusChoices
from demandloop.meetings.models import Meeting, WhistleResponse
from demandloop.meetings.queries import agenda_candidates
from demandloop.sla.calendar import END_OF_DAY, SHANGHAI

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def awaiting_decision(w: Any) -> Any:
    """A demand escalated to tier 3, waiting for the joint meeting."""
    demand = triaged(w, level=2)
    return demand_actions.do_escalate(demand, w.hub, reason="multi_department")


def soon(days: int = 20) -> date:
    return timezone.localdate() + timedelta(days=days)


# --- Whistles -------------------------------------------------------------------------------------------------


def test_an_officer_summons_departments_who_are_told_in_the_same_transaction(world: Any) -> None:
    w = world.jinghai
    WebhookEndpoint.objects.create(
        district=w.district,
        department=w.dep("scjgj"),
        name="市场监管局群",
        kind="wecom",
        url="http://127.0.0.1:9/x",
    )
    demand = triaged(w, level=2)
    blown = datetime(2026, 2, 13, 16, tzinfo=SHANGHAI)

    whistle = actions.do_blow_whistle(
        demand, w.officer_a, departments=[w.dep("scjgj"), w.dep("swj")], reason="道路积水涉及多部门", at=blown
    )

    # 1 working day (静海's default): the make-up Saturday before the Spring Festival.
    assert whistle.report_due == datetime.combine(date(2026, 2, 14), END_OF_DAY, tzinfo=SHANGHAI)
    assert sorted(r.department.code for r in whistle.responses.all()) == ["scjgj", "swj"]
    assert (
        Notification.objects.filter(user__in=[w.coord_lead, w.lead, w.coord_co], topic="whistle").count() == 3
    )
    assert not Notification.objects.filter(user=w.coord_other).exists()
    robot = OutboxMessage.objects.get(channel="wecom")
    assert robot.endpoint.department.code == "scjgj"


def test_only_officers_and_the_hub_who_reach_the_demand_blow_the_whistle(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=2)

    with pytest.raises(ActionForbidden):
        actions.do_blow_whistle(demand, w.officer_b, departments=[w.dep("scjgj")], reason="x")
    with pytest.raises(ActionForbidden):
        actions.do_blow_whistle(demand, w.coord_lead, departments=[w.dep("swj")], reason="x")
    with pytest.raises(ActionInvalid):
        actions.do_blow_whistle(demand, w.officer_a, departments=[], reason="x")
    with pytest.raises(ActionInvalid):
        actions.do_blow_whistle(demand, w.officer_a, departments=[world.nankai.dep("scjgj")], reason="x")


def test_a_department_reports_in_once_and_on_time_or_late(world: Any) -> None:
    w = world.jinghai
    blown = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    whistle = actions.do_blow_whistle(
        triaged(w, level=2),
        w.officer_a,
        departments=[w.dep("scjgj"), w.dep("swj")],
        reason="联合踏勘",
        at=blown,
    )
    scjgj = whistle.responses.get(department__code="scjgj")
    swj = whistle.responses.get(department__code="swj")

    actions.do_report_in(scjgj, w.coord_lead, note="明日上午到场", at=blown + timedelta(hours=3))
    actions.do_report_in(swj, w.coord_co, note="派员参加", at=blown + timedelta(days=3))

    assert (scjgj.on_time, swj.on_time) == (True, False)
    with pytest.raises(ActionNotAllowed):
        actions.do_report_in(scjgj, w.coord_lead, note="再报一次")
    with pytest.raises(ActionForbidden):
        actions.do_report_in(swj, w.coord_other, note="代报")
    assert Notification.objects.filter(user=w.officer_a, topic="whistle").count() == 2


def test_a_report_in_says_what_the_department_will_do(world: Any) -> None:
    w = world.jinghai
    whistle = actions.do_blow_whistle(
        triaged(w, level=2), w.officer_a, departments=[w.dep("scjgj")], reason="现场会商"
    )
    response = whistle.responses.get()
    with pytest.raises(ActionInvalid) as caught:
        actions.do_report_in(response, w.coord_lead, note="  ")
    assert caught.value.field == "note"
    response.refresh_from_db()
    assert response.reported_at is None, "an empty report is no report"


def test_whistle_reports_are_counted_per_department_in_the_api(world: Any) -> None:
    w = world.jinghai
    now = timezone.now()
    first = actions.do_blow_whistle(
        triaged(w, level=2),
        w.officer_a,
        departments=[w.dep("scjgj"), w.dep("swj")],
        reason="一",
        at=now - timedelta(days=10),
    )
    second = actions.do_blow_whistle(
        triaged(w, level=2),
        w.officer_a,
        departments=[w.dep("scjgj"), w.dep("rsj")],
        reason="二",
        at=now - timedelta(days=10),
    )
    actions.do_report_in(
        first.responses.get(department__code="scjgj"),
        w.coord_lead,
        note="派员到场",
        at=now - timedelta(days=10) + timedelta(hours=1),
    )
    actions.do_report_in(second.responses.get(department__code="scjgj"), w.coord_lead, note="补报", at=now)
    actions.do_report_in(
        first.responses.get(department__code="swj"),
        w.coord_co,
        note="派员参加",
        at=now - timedelta(days=10) + timedelta(hours=2),
    )

    rows = {row["department"]: row for row in api(w.hub).get("/api/v1/whistles/by-department/").json()}

    assert {
        k: rows["区市场监管局"][k] for k in ("summoned", "reported", "on_time", "late", "not_reported")
    } == {
        "summoned": 2,
        "reported": 2,
        "on_time": 1,
        "late": 1,
        "not_reported": 0,
    }
    assert rows["区税务局"]["on_time_rate"] == 1.0
    assert (rows["区人社局"]["not_reported"], rows["区人社局"]["overdue_unreported"]) == (1, 1)
    # Nankai's hub counts nothing of Jinghai's.
    assert api(world.nankai.hub).get("/api/v1/whistles/by-department/").json() == []


def test_whistles_are_visible_to_who_reaches_the_demand_and_to_the_summoned(world: Any) -> None:
    w = world.jinghai
    answer = api(w.officer_a).post(
        "/api/v1/whistles/",
        {"demand": triaged(w, level=2).pk, "departments": [w.dep("swj").pk], "reason": "请税务局报到"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    pk = answer.json()["id"]

    assert api(w.coord_co).get(f"/api/v1/whistles/{pk}/").status_code == 200
    assert api(w.coord_other).get(f"/api/v1/whistles/{pk}/").status_code == 404
    assert api(w.officer_b).get(f"/api/v1/whistles/{pk}/").status_code == 404
    assert api(world.nankai.hub).get(f"/api/v1/whistles/{pk}/").status_code == 404

    reported = api(w.coord_co).post(f"/api/v1/whistles/{pk}/report/", {"note": "已安排专人"}, format="json")
    assert reported.status_code == 200
    [response] = reported.json()["responses"]
    assert (response["department"]["code"], response["note"], response["on_time"]) == (
        "swj",
        "已安排专人",
        True,
    )
    assert api(w.coord_co).post(f"/api/v1/whistles/{pk}/report/", {}, format="json").status_code == 409


# --- Meetings -------------------------------------------------------------------------------------------------


def test_the_joint_meetings_agenda_is_the_demands_awaiting_a_tier3_decision(world: Any) -> None:
    w = world.jinghai
    waiting = awaiting_decision(w)
    # Triaged straight to tier 3 (the officer saw at once it needs the joint meeting): waiting all the same.
    straight = triaged(w, level=3)
    drive(w, S.IN_PROGRESS, level=2)  # not escalated: not on the agenda
    awaiting_decision(world.nankai)  # another district

    meeting = actions.do_call_meeting(
        w.district,
        w.hub,
        kind=MeetingKindChoices.JOINT,
        title="优化营商环境联席会（第1次）",
        scheduled_at=timezone.now() + timedelta(days=1),
        departments=[w.dep("scjgj"), w.dep("swj")],
        topics=[actions.AgendaTopic("园区企业普遍反映用工难")],
    )

    assert [(i.demand_id, i.topic) for i in meeting.agenda.all()] == [
        (waiting.pk, ""),
        (straight.pk, ""),
        (None, "园区企业普遍反映用工难"),
    ]
    # On an open agenda, it is no longer a candidate for another meeting.
    assert list(agenda_candidates(w.district)) == []
    assert Notification.objects.filter(user=w.coord_co, topic="meeting").count() == 1


def test_the_hubs_queues_hold_the_demands_triaged_straight_to_tier_3_or_4(world: Any, client: Any) -> None:
    w = world.jinghai
    escalated, straight, fourth = awaiting_decision(w), triaged(w, level=3), triaged(w, level=4)
    dispatched_soon = triaged(w, level=2)  # the dispatcher's, not the hub's
    client.force_login(w.hub)

    def listed(queue: str) -> set[int]:
        rows = client.get(reverse("hub_queue", args=[queue])).content.decode()
        return {int(pk) for pk in re.findall(r'data-demand="(\d+)"', rows)}

    assert listed("decision") == {escalated.pk, straight.pk}
    assert listed("escalated") == {fourth.pk}
    assert dispatched_soon.pk not in listed("decision") | listed("escalated")
    page = client.get(reverse("hub")).context
    assert (page["decision_count"], page["escalated_count"]) == (2, 1)


def test_only_the_hub_calls_a_joint_meeting(world: Any) -> None:
    w = world.jinghai
    with pytest.raises(ActionForbidden):
        actions.do_call_meeting(
            w.district, w.officer_a, kind=MeetingKindChoices.JOINT, title="x", scheduled_at=timezone.now()
        )
    with pytest.raises(ActionForbidden):
        actions.do_call_meeting(
            w.district,
            world.nankai.hub,
            kind=MeetingKindChoices.JOINT,
            title="x",
            scheduled_at=timezone.now(),
        )


def test_the_meetings_decisions_reach_the_demands_through_their_actions(world: Any) -> None:
    w = world.jinghai
    first, second = awaiting_decision(w), awaiting_decision(w)
    meeting = actions.do_call_meeting(
        w.district,
        w.hub,
        kind=MeetingKindChoices.JOINT,
        title="联席会",
        scheduled_at=timezone.now(),
        departments=[w.dep("scjgj"), w.dep("swj"), w.dep("rsj")],
    )
    actions.do_record_decision(
        meeting,
        w.hub,
        demand=first,
        lead_department=w.dep("scjgj"),
        co_departments=[w.dep("swj")],
        deadline=soon(20),
        note="两周内现场办结",
    )
    actions.do_record_decision(
        meeting,
        w.hub,
        demand=second,
        lead_department=w.dep("rsj"),
        co_departments=[w.dep("scjgj")],
        deadline=soon(30),
    )
    with pytest.raises(ActionNotAllowed):
        actions.do_conclude_meeting(meeting, w.hub)  # minutes first

    actions.do_record_minutes(
        meeting,
        w.hub,
        minutes="会议听取了诉求情况汇报。\n明确了牵头部门和办结时限。",
        attended_department_ids=[w.dep("scjgj").pk, w.dep("swj").pk],
    )
    actions.do_conclude_meeting(meeting, w.hub)

    first.refresh_from_db()
    assert (first.status, first.lead_department.code) == (S.IN_PROGRESS, "scjgj")
    assert [d.code for d in first.co_departments.all()] == ["swj"]
    assert first.completion_due == datetime.combine(soon(20), END_OF_DAY, tzinfo=SHANGHAI)
    event = first.events.order_by("-at", "-pk").first()
    assert (event.action, event.actor, event.data["meeting"]) == ("decide", w.hub, meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatusChoices.CONCLUDED
    assert not meeting.decisions.filter(applied_at__isnull=True).exists()
    assert Notification.objects.filter(user=w.coord_lead, topic="decision").count() == 2
    with pytest.raises(ActionNotAllowed):
        actions.do_record_decision(
            meeting,
            w.hub,
            demand=first,
            lead_department=w.dep("rsj"),
            co_departments=[w.dep("swj")],
            deadline=soon(5),
        )


def test_a_meeting_applies_all_its_decisions_or_none(world: Any) -> None:
    w = world.jinghai
    good, bad = awaiting_decision(w), awaiting_decision(w)
    meeting = actions.do_call_meeting(
        w.district, w.hub, kind=MeetingKindChoices.JOINT, title="联席会", scheduled_at=timezone.now()
    )
    actions.do_record_decision(
        meeting,
        w.hub,
        demand=good,
        lead_department=w.dep("scjgj"),
        co_departments=[w.dep("swj")],
        deadline=soon(),
    )
    # A tier-3 decision needs a co-department (the demands' rule): this one will be refused.
    actions.do_record_decision(meeting, w.hub, demand=bad, lead_department=w.dep("scjgj"), deadline=soon())
    actions.do_record_minutes(meeting, w.hub, minutes="纪要")

    with pytest.raises(ActionInvalid) as refused:
        actions.do_conclude_meeting(meeting, w.hub)

    assert f"#{bad.pk}" in refused.value.message
    good.refresh_from_db()
    assert good.status == S.ESCALATED
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatusChoices.HELD


def street_coordination(w: Any, level: int = 3) -> tuple[Any, Any]:
    """A demand of area a triaged to `level`; its officer blows the whistle and calls the 协调会."""
    demand = triaged(w, level=level)
    whistle = actions.do_blow_whistle(
        demand, w.officer_a, departments=[w.dep("scjgj"), w.dep("swj")], reason="多部门协同"
    )
    meeting = actions.do_call_meeting(
        w.district,
        w.officer_a,
        kind=MeetingKindChoices.COORDINATION,
        title="街道协调会",
        scheduled_at=timezone.now(),
        whistle=whistle,
    )
    actions.do_record_decision(
        meeting,
        w.officer_a,
        demand=demand,
        lead_department=w.dep("scjgj"),
        co_departments=[w.dep("swj")],
        deadline=soon(),
    )
    actions.do_record_minutes(meeting, w.officer_a, minutes="协调会纪要")
    return demand, meeting


def test_a_coordination_meeting_called_from_a_whistle_dispatches_at_tier_2(world: Any) -> None:
    w = world.nankai
    demand, meeting = street_coordination(w, level=2)
    actions.do_conclude_meeting(meeting, w.officer_a)

    demand.refresh_from_db()
    assert (demand.status, demand.lead_department.code) == (S.DISPATCHED, "scjgj")
    assert sorted(a.department.code for a in meeting.attendees.all()) == ["scjgj", "swj"]


def test_a_nankai_street_coordination_meeting_decides_a_tier_3_demand(world: Any) -> None:
    # 南开 §三(三): 街道利用“吹哨报到”机制，召开协调会，组织各相关部门共同研究解决.
    w = world.nankai
    demand, meeting = street_coordination(w)
    actions.do_conclude_meeting(meeting, w.officer_a)

    demand.refresh_from_db()
    assert (demand.status, demand.lead_department.code) == (S.IN_PROGRESS, "scjgj")
    assert [d.code for d in demand.co_departments.all()] == ["swj"]
    decided = demand.events.get(action="decide")
    assert (decided.actor_role, decided.data["meeting"]) == ("officer", meeting.pk)
    assert demand.completion_due.astimezone(SHANGHAI).date() == soon()


def test_a_jinghai_officer_s_coordination_meeting_cannot_decide_at_tier_3(world: Any) -> None:
    # 静海 §三(三): tier 3 is the district's (联席会, 协调专员); the whole meeting stays open, nothing applied.
    w = world.jinghai
    demand, meeting = street_coordination(w)
    with pytest.raises(ActionForbidden, match=f"诉求#{demand.pk}：您的角色无权"):
        actions.do_conclude_meeting(meeting, w.officer_a)
    demand.refresh_from_db()
    meeting.refresh_from_db()
    assert demand.status == S.TRIAGED and demand.lead_department is None
    assert meeting.status == MeetingStatusChoices.HELD


def test_meetings_and_decisions_are_visible_and_counted_in_the_api(world: Any) -> None:
    w = world.jinghai
    demand = awaiting_decision(w)
    hub = api(w.hub)

    assert [row["id"] for row in hub.get("/api/v1/meetings/candidates/").json()] == [demand.pk]
    created = hub.post(
        "/api/v1/meetings/",
        {
            "kind": "joint",
            "title": "联席会（三月）",
            "scheduled_at": f"{timezone.localdate() + timedelta(days=7)}T09:30:00+08:00",
            "location": "区政务服务中心三楼会议室",
            "chair": "区政务服务办主任",
            "departments": [w.dep("scjgj").pk, w.dep("swj").pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [item["demand"] for item in created.json()["agenda"]] == [demand.pk]

    assert (
        hub.post(f"/api/v1/meetings/{pk}/agenda/", {"topic": "融资难共性问题"}, format="json").status_code
        == 201
    )
    decided = hub.post(
        f"/api/v1/meetings/{pk}/decisions/",
        {
            "demand": demand.pk,
            "lead_department": w.dep("scjgj").pk,
            "co_departments": [w.dep("swj").pk],
            "deadline": soon(15).isoformat(),
            "note": "现场协调",
        },
        format="json",
    )
    assert decided.status_code == 201, decided.json()
    assert (
        hub.post(f"/api/v1/meetings/{pk}/minutes/", {"minutes": "纪要正文"}, format="json").status_code == 200
    )
    concluded = hub.post(f"/api/v1/meetings/{pk}/conclude/").json()
    assert concluded["status"] == "concluded"
    assert concluded["decisions"][0]["applied_at"]

    # The lead department sees the meeting that decided its work; another department and district do not.
    assert api(w.coord_lead).get(f"/api/v1/meetings/{pk}/").status_code == 200
    assert api(w.coord_other).get(f"/api/v1/meetings/{pk}/").status_code == 404
    assert api(world.nankai.hub).get(f"/api/v1/meetings/{pk}/").status_code == 404
    counted = hub.get("/api/v1/meetings/decisions-by-department/").json()
    assert counted == [
        {
            "department_id": w.dep("scjgj").pk,
            "department": "区市场监管局",
            "decisions": 1,
            "applied": 1,
            "still_open": 1,
        }
    ]
    assert api(w.coord_lead).post(f"/api/v1/meetings/{pk}/conclude/").status_code in (403, 409)


def test_the_meeting_record_is_a_word_document_in_the_minutes_form(world: Any) -> None:
    w = world.jinghai
    demand = awaiting_decision(w)
    meeting = actions.do_call_meeting(
        w.district,
        w.hub,
        kind=MeetingKindChoices.JOINT,
        title="优化营商环境联席会",
        location="三楼会议室",
        chair="张主任",
        scheduled_at=datetime(2026, 3, 3, 9, 30, tzinfo=SHANGHAI),
        departments=[w.dep("scjgj"), w.dep("swj")],
        topics=[actions.AgendaTopic("用工难")],
        at=datetime(2026, 2, 27, 16, 0, tzinfo=SHANGHAI),
    )
    actions.do_record_decision(
        meeting,
        w.hub,
        demand=demand,
        lead_department=w.dep("scjgj"),
        co_departments=[w.dep("swj")],
        deadline=soon(10),
    )
    # A control character pasted from another program (XML cannot hold it) is left out, not a failed export.
    actions.do_record_minutes(meeting, w.hub, minutes="听取汇报。\n研究\x01解决方案。")

    answer = api(w.hub).get(f"/api/v1/meetings/{meeting.pk}/minutes_docx/")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    text = [p.text for p in Document(io.BytesIO(answer.content)).paragraphs]
    assert text[1] == "会议纪要"
    assert "时间：2026年3月3日 09:30" in text
    assert "地点：三楼会议室" in text
    assert "出席：区市场监管局、区税务局" in text
    assert f"1. 诉求#{demand.pk} {demand.enterprise.name}：{demand.title}" in text
    assert "2. 用工难" in text
    assert "研究解决方案。" in text
    deadline = soon(10)
    assert (
        f"（一）诉求#{demand.pk}“{demand.title}”：由区市场监管局牵头，区税务局配合，"
        f"于{deadline.year}年{deadline.month}月{deadline.day}日前办结。"
    ) in text
    assert text[-2] == "区政务服务办"


def test_a_late_report_in_is_told_to_the_department_lead_and_the_officer_once(world: Any) -> None:
    from demandloop.meetings.supervision import notify_late_report_ins

    w = world.jinghai
    blown = datetime(2026, 2, 13, 16, tzinfo=SHANGHAI)
    whistle = actions.do_blow_whistle(
        triaged(w, level=2),
        w.officer_a,
        departments=[w.dep("scjgj"), w.dep("swj")],
        reason="联合踏勘",
        at=blown,
    )
    actions.do_report_in(
        whistle.responses.get(department__code="swj"),
        w.coord_co,
        note="派员参加",
        at=blown + timedelta(hours=1),
    )

    # Due at the end of the make-up Saturday; the Spring Festival days after it change nothing.
    assert notify_late_report_ins(now=datetime(2026, 2, 14, 23, tzinfo=SHANGHAI)) == 0
    assert notify_late_report_ins(now=datetime(2026, 2, 15, 9, tzinfo=SHANGHAI)) == 1
    assert notify_late_report_ins(now=datetime(2026, 2, 16, 9, tzinfo=SHANGHAI)) == 0

    late = Notification.objects.filter(topic="whistle", subject__contains="2026-02-14 23:59")
    assert sorted(n.user.username for n in late) == sorted([w.lead.username, w.officer_a.username])
    assert (
        WhistleResponse.objects.get(whistle=whistle, department__code="scjgj").overdue_notified_at is not None
    )


def test_the_department_s_inbox_asks_for_the_report_in_and_says_when_it_is_late(world: Any) -> None:
    from django.test import Client

    w = world.jinghai
    client = Client()
    client.force_login(w.coord_lead)
    now = timezone.now()
    actions.do_blow_whistle(triaged(w, level=2), w.officer_a, departments=[w.dep("scjgj")], reason="踏勘一")
    actions.do_blow_whistle(
        triaged(w, level=2),
        w.officer_a,
        departments=[w.dep("scjgj")],
        reason="踏勘二",
        at=now - timedelta(days=20),
    )

    html = client.get("/inbox/").content.decode()
    cards = html[html.index('id="summons"') :].split('class="card ')[1:]
    assert len(cards) == 2 and "踏勘二" in cards[0], "the most urgent first"
    assert "已超期" in cards[0] and "已超期" not in cards[1]


def test_a_summons_on_a_demand_that_is_finished_asks_nothing_more(world: Any) -> None:
    from demandloop.meetings.supervision import notify_late_report_ins
    from demandloop.web.views.whistles import pending_summons

    w = world.jinghai
    blown = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    demand = triaged(w, level=2)
    whistle = actions.do_blow_whistle(
        demand, w.officer_a, departments=[w.dep("scjgj")], reason="联合踏勘", at=blown
    )
    response = whistle.responses.get()
    assert pending_summons(w.coord_lead) == [response]

    demand_actions.do_withdraw(demand, w.ent_user_a, reason="问题已自行解决", at=blown + timedelta(hours=2))

    assert pending_summons(w.coord_lead) == [], "no longer on the department's to-do list"
    assert notify_late_report_ins(now=blown + timedelta(days=10)) == 0, "nobody is told it is late"
    with pytest.raises(ActionNotAllowed, match="已办结"):
        actions.do_report_in(response, w.coord_lead, note="派员到场")
    with pytest.raises(ActionNotAllowed, match="已办结"):
        actions.do_blow_whistle(demand, w.officer_a, departments=[w.dep("swj")], reason="再次召集")
    # Still counted as summoned and not reported.
    response.refresh_from_db()
    assert response.reported_at is None


def test_a_summoned_department_sees_the_demand_it_must_report_in_on_but_may_not_act_on_it(world: Any) -> None:
    w = world.jinghai
    demand = triaged(w, level=2)
    assert api(w.coord_other).get(f"/api/v1/demands/{demand.pk}/").status_code == 404

    actions.do_blow_whistle(demand, w.officer_a, departments=[w.dep("rsj")], reason="请派员到场")

    assert api(w.coord_other).get(f"/api/v1/demands/{demand.pk}/").status_code == 200
    listed = api(w.coord_other).get("/api/v1/demands/").json()["results"]
    assert demand.pk in {row["id"] for row in listed}
    with pytest.raises(ActionForbidden):
        demand_actions.do_accept(demand, w.coord_other)
    # Another district's hub still finds nothing.
    assert api(world.nankai.hub).get(f"/api/v1/demands/{demand.pk}/").status_code == 404


def test_a_meeting_is_called_for_a_time_to_come_within_a_year(world: Any) -> None:
    w = world.jinghai
    now = timezone.localtime()

    def call(scheduled_at: datetime) -> Any:
        return actions.do_call_meeting(
            w.district, w.hub, kind=MeetingKindChoices.JOINT, title="联席会", scheduled_at=scheduled_at
        )

    for wrong, words in ((now - timedelta(days=1), "已过"), (now + timedelta(days=400), "一年")):
        with pytest.raises(ActionInvalid) as refused:
            call(wrong)
        assert refused.value.field == "scheduled_at"
        with translation.override("zh-hans"):
            assert words in str(refused.value.message)
    assert not Meeting.objects.exists()
    # Earlier today is allowed: a meeting called while it sits.
    assert call(now.replace(hour=0, minute=5)).pk

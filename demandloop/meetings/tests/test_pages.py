"""The meetings on the pages: the hub sees who reported in and what waits for a decision, calls the joint
meeting, records the decision and the minutes, concludes, and downloads the 会议纪要; others see only theirs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.tests.world import triaged
from demandloop.meetings import actions
from demandloop.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hub_runs_a_joint_meeting_from_the_pages(world: Any) -> None:
    w = world.jinghai
    waiting = demand_actions.do_escalate(triaged(w, level=2), w.hub, reason="multi_department")
    actions.do_blow_whistle(triaged(w, level=2), w.officer_a, departments=[w.dep("rsj")], reason="用工")
    hub = browser(w.hub)

    page = hub.get("/meetings/").content.decode()
    assert f"#{waiting.pk} {waiting.title}" in page
    assert "区人社局" in page  # summoned, counted in the whistle figures

    answer = hub.post(
        "/meetings/new/",
        {
            "kind": "joint",
            "title": "联席会（网页）",
            "scheduled_at": f"{timezone.localdate() + timedelta(days=7)}T09:30",
            "departments": [w.dep("scjgj").pk, w.dep("swj").pk],
        },
    )
    meeting = Meeting.objects.get(title="联席会（网页）")
    assert answer.url == f"/meetings/{meeting.pk}/"
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    hub.post(
        f"/meetings/{meeting.pk}/decision/",
        {
            "demand": waiting.pk,
            "lead_department": w.dep("scjgj").pk,
            "co_departments": [w.dep("swj").pk],
            "deadline": deadline,
            "note": "现场办结",
        },
    )
    hub.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "会议研究了企业诉求。"})
    detail = hub.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "区市场监管局" in detail and deadline in detail
    hub.post(f"/meetings/{meeting.pk}/conclude/")

    waiting.refresh_from_db()
    assert (waiting.status, waiting.lead_department.code) == (S.IN_PROGRESS, "scjgj")
    docx = hub.get(f"/meetings/{meeting.pk}/minutes.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_a_meeting_is_not_found_by_a_department_it_does_not_concern(world: Any) -> None:
    w = world.jinghai
    meeting = actions.do_call_meeting(
        w.district,
        w.hub,
        kind="joint",
        title="联席会",
        scheduled_at=timezone.now(),
        departments=[w.dep("scjgj")],
    )

    assert browser(w.coord_lead).get(f"/meetings/{meeting.pk}/").status_code == 200
    assert browser(w.coord_other).get(f"/meetings/{meeting.pk}/").status_code == 404
    assert browser(world.nankai.hub).get(f"/meetings/{meeting.pk}/").status_code == 404
    # Only a hub calls a meeting from the page.
    assert browser(w.officer_a).post("/meetings/new/", {"kind": "joint"}).status_code == 404
    assert browser(w.ent_user_a).get("/meetings/").status_code == 404


def test_supervision_is_counted_per_handling_department_on_the_page(world: Any) -> None:
    from datetime import datetime

    from demandloop.sla.calendar import SHANGHAI
    from demandloop.sla.sweep import run_sweep

    w = world.jinghai
    received = datetime(2026, 2, 13, 10, tzinfo=SHANGHAI)
    demand = demand_actions.do_receive(
        w.officer_a,
        enterprise=w.ent_a,
        channel="officer",
        source="visit",
        title="道路积水",
        content="积水",
        received_at=received,
        at=received,
    )
    demand_actions.do_screen(demand, w.officer_a, in_scope=True, at=received)
    demand_actions.do_triage(
        demand, w.hub, domain=w.domain("public"), complexity="complex", tier=w.tier(2), at=received
    )
    demand_actions.do_dispatch(demand, w.hub, lead_department=w.dep("scjgj"), at=received)
    demand_actions.do_accept(demand, w.coord_lead, at=received)
    run_sweep(now=datetime(2026, 2, 25, 9, tzinfo=SHANGHAI))
    run_sweep(now=datetime(2026, 2, 26, 9, tzinfo=SHANGHAI))

    from demandloop.meetings.models import Supervision
    from demandloop.meetings.queries import supervision_figures

    assert supervision_figures(Supervision.objects.all()) == [
        {
            "department": "区市场监管局",
            "reminders": 1,
            "supervisions": 1,
            "escalated": 0,
            "leader_notified": 0,
        }
    ]
    page = browser(w.hub).get("/meetings/").content.decode()
    assert 'id="supervision-figures"' in page and "区市场监管局" in page
    # Another district's hub counts none of it.
    assert (
        supervision_figures(
            Supervision.objects.filter(
                demand__in=demand.__class__.objects.for_user(world.nankai.hub).values("pk")
            )
        )
        == []
    )


def test_each_agenda_item_has_its_own_decision_form_proposing_the_tier2_departments(world: Any) -> None:
    import re

    w = world.jinghai
    handled = triaged(w, level=2)
    demand_actions.do_dispatch(handled, w.hub, lead_department=w.dep("scjgj"), co_departments=[w.dep("swj")])
    demand_actions.do_accept(handled, w.coord_lead)
    demand_actions.do_escalate(handled, w.coord_lead, reason="multi_department")
    unassigned = demand_actions.do_escalate(triaged(w, level=2), w.hub, reason="multi_department")
    meeting = actions.do_call_meeting(
        w.district, w.hub, kind="joint", title="联席会", scheduled_at=timezone.now(), departments=[]
    )

    page = browser(w.hub).get(f"/meetings/{meeting.pk}/").content.decode()
    ids = re.findall(r'id="(id_item\d+_lead_department)"', page)
    assert len(ids) == len(set(ids)) == 2, "one lead-department field per demand, each with its own id"
    items = {item.demand_id: item.pk for item in meeting.agenda.all()}
    lead = re.search(rf'id="id_item{items[handled.pk]}_lead_department".*?</select>', page, re.S)
    co = re.search(rf'id="id_item{items[handled.pk]}_co_departments_menu".*?</div>\s*</div>', page, re.S)
    none = re.search(rf'id="id_item{items[unassigned.pk]}_lead_department".*?</select>', page, re.S)
    assert lead and co and none
    assert f'value="{w.dep("scjgj").pk}" selected' in lead.group(0)
    assert re.search(rf'value="{w.dep("swj").pk}" id="[^"]+" checked', co.group(0))
    assert "selected" not in none.group(0).replace('value="" selected', "")
    tag = re.search(rf'<select[^>]*id="id_item{items[handled.pk]}_lead_department"', page)
    assert tag and "form-select" in tag.group(0), "styled like every other form of the platform"

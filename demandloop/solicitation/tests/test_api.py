"""The API of campaigns: the hub creates and follows, a unit replies, each in its own scope."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from demandloop.solicitation.models import Campaign, ReplyProblem
from demandloop.solicitation.tests.conftest import campaign_of, target

pytestmark = pytest.mark.django_db


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_hub_creates_and_launches_a_campaign_by_codes(world):
    w = world.jinghai
    response = as_user(w.hub).post(
        "/api/v1/solicitations/",
        {
            "title": "征询",
            "instructions": "请梳理用工问题",
            "domain": "market",
            "localities": [w.a.locality.code],
            "all_departments": True,
            "reply_days": 3,
            "launch": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "launched" and data["domain"] == "market" and data["reply_due"]
    assert len(data["targets"]) == 1 + w.district.departments.filter(kind="regular").count()
    refused = as_user(w.hub).post(
        "/api/v1/solicitations/",
        {"title": "征询", "instructions": "x", "localities": ["nowhere"], "reply_days": 3},
        format="json",
    )
    assert refused.status_code == 400 and "nowhere" in refused.json()["localities"][0]


def test_a_unit_replies_with_problems_and_the_hub_accepts_them(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    officer = as_user(w.officer_a)
    listed = officer.get("/api/v1/solicitations/").json()["results"]
    assert [c["id"] for c in listed] == [campaign.pk]
    assert [t["unit"] for t in listed[0]["targets"]] == [w.a.locality.name]
    bad = officer.post(
        f"/api/v1/solicitations/{campaign.pk}/reply/",
        {"problems": [{"enterprise": "不存在的公司", "content": "x", "complexity": "simple"}]},
        format="json",
    )
    assert bad.status_code == 400 and "problems[0].enterprise" in bad.json()
    response = officer.post(
        f"/api/v1/solicitations/{campaign.pk}/reply/",
        {
            "problems": [
                {"enterprise": w.ent_a.uscc, "content": "企业反映招工难", "complexity": "complex"},
                {"area": w.a.code, "content": "道路破损", "complexity": "simple"},
            ],
            "submit": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    mine = response.json()["targets"][0]
    assert mine["reply_status"] == "submitted" and mine["state"] == "on_time" and len(mine["problems"]) == 2
    again = officer.post(f"/api/v1/solicitations/{campaign.pk}/reply/", {"no_problems": True}, format="json")
    assert again.status_code == 409
    # The bureau's coordinator lists problems and also says there are none: refused, its draft unchanged.
    department = as_user(w.coord_lead)
    both = {"problems": [{"content": "许可办理慢", "complexity": "simple"}], "no_problems": True}
    refused = department.post(f"/api/v1/solicitations/{campaign.pk}/reply/", both, format="json")
    assert refused.status_code == 400 and "no_problems" in refused.json()
    assert not ReplyProblem.objects.filter(reply__target=target(campaign, w.dep("scjgj"))).exists()
    assert (
        officer.post(f"/api/v1/solicitations/{campaign.pk}/accept/", {"target": town.pk}).status_code == 403
    )
    accepted = as_user(w.hub).post(
        f"/api/v1/solicitations/{campaign.pk}/accept/", {"target": town.pk}, format="json"
    )
    problems = {p["content"]: p for t in accepted.json()["targets"] for p in t["problems"]}
    assert problems["企业反映招工难"]["demand"] and problems["企业反映招工难"]["demand_status"] == "received"
    assert problems["道路破损"]["demand"] is None


def test_the_hub_reminds_and_exports(world):
    w = world.jinghai
    campaign = campaign_of(w)
    hub = as_user(w.hub)
    reminded = hub.post(f"/api/v1/solicitations/{campaign.pk}/remind/")
    assert reminded.status_code == 201 and reminded.json()["recipients"] == 3
    export = hub.get(f"/api/v1/solicitations/{campaign.pk}/export/")
    assert export.status_code == 200
    assert f'filename="solicitation-{campaign.pk}.xlsx"' in export["Content-Disposition"]
    assert load_workbook(io.BytesIO(export.content)).sheetnames == ["汇总", "答复情况", "问题清单"]
    assert as_user(w.coord_lead).get(f"/api/v1/solicitations/{campaign.pk}/export/").status_code == 403
    assert as_user(w.officer_b).get(f"/api/v1/solicitations/{campaign.pk}/").status_code == 404


def test_a_draft_is_the_hubs_alone(world):
    w = world.jinghai
    campaign = campaign_of(w, launch=False)
    assert as_user(w.officer_a).get(f"/api/v1/solicitations/{campaign.pk}/").status_code == 404
    assert as_user(w.hub).get(f"/api/v1/solicitations/{campaign.pk}/").json()["status"] == "draft"
    assert Campaign.objects.count() == 1


def test_the_campaign_is_read_in_three_queries_however_many_units_replied(
    world, django_assert_max_num_queries
):
    w = world.jinghai
    localities = list(w.district.localities.all())
    campaign = campaign_of(w, localities=localities)
    from demandloop.solicitation import actions
    from demandloop.solicitation.actions import ProblemInput

    for locality in localities[:2]:
        people = [
            p for p in (w.officer_a, w.officer_b) if p.memberships.get().areas.get().locality == locality
        ]
        if people:
            unit = target(campaign, locality)
            actions.do_add_problems(unit, people[0], [ProblemInput(content="融资难", complexity="complex")])
            actions.do_submit_reply(unit, people[0])
    hub = as_user(w.hub)
    with django_assert_max_num_queries(3):
        response = hub.get(f"/api/v1/solicitations/{campaign.pk}/")
    targets = response.json()["targets"]
    assert len(targets) == len(localities) + 1
    assert sum(len(t["problems"]) for t in targets) == 2, "both replies are read, with their problems"


def test_the_hub_deletes_a_draft_over_the_api_and_nothing_else(world):
    w = world.jinghai
    draft = campaign_of(w, launch=False)
    launched = campaign_of(w, title="已发布的征询")
    # Nobody but the hub sees a draft: 404, the same as missing.
    for person in (world.nankai.hub, w.officer_a, w.coord_lead):
        assert as_user(person).delete(f"/api/v1/solicitations/{draft.pk}/").status_code == 404
    # A unit asked by a launched campaign sees it, and may not delete it.
    assert as_user(w.officer_a).delete(f"/api/v1/solicitations/{launched.pk}/").status_code == 403
    refused = as_user(w.hub).delete(f"/api/v1/solicitations/{launched.pk}/")
    assert refused.status_code == 409 and "已发布的征询不能删除" in refused.json()["detail"]
    assert as_user(w.hub).delete(f"/api/v1/solicitations/{draft.pk}/").status_code == 204
    assert list(Campaign.objects.values_list("pk", flat=True)) == [launched.pk]
    assert as_user(w.hub).delete(f"/api/v1/solicitations/{draft.pk}/").status_code == 404

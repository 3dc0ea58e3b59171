"""The hub asks its localities and departments; they reply; accepted problems become demands."""

from __future__ import annotations

from datetime import date

import pytest

from demandloop.core.models import AuditEvent
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed
from demandloop.demands.models import DemandEvent
from demandloop.integrations.models import Notification
from demandloop.solicitation import actions
from demandloop.solicitation.actions import ProblemInput
from demandloop.solicitation.choices import CampaignStatusChoices, ReplyStateChoices, ReplyStatusChoices
from demandloop.solicitation.models import ReplyProblem
from demandloop.solicitation.queries import (
    campaign_figures,
    non_responders,
    problems_of,
    reply_state,
    target_people,
    targets_of,
    waiting_targets,
)
from demandloop.solicitation.tests.conftest import campaign_of, target

pytestmark = pytest.mark.django_db


def test_it_counts_the_reply_deadline_in_working_days_from_the_launch(world, clock):
    w = world.jinghai
    # 2025-09-30 is a Tuesday before the National Day holiday (10-01 … 10-08 off, 10-11 a make-up Saturday).
    clock.set(2025, 9, 30, 10)
    campaign = campaign_of(w, reply_days=3)
    assert campaign.status == CampaignStatusChoices.LAUNCHED
    # 09-30 itself is not counted; 10-09, 10-10, 10-11 are the three working days.
    assert campaign.reply_due.date().isoformat() == "2025-10-11"
    assert actions.due_label(campaign) == "2025-10-11"


def test_it_takes_a_date_as_the_end_of_that_day(world, clock):
    w = world.jinghai
    clock.set(2025, 9, 30, 10)
    campaign = campaign_of(w, reply_by=date(2025, 10, 20))
    assert campaign.reply_due.isoformat() == "2025-10-20T23:59:59.999999+08:00"


def test_it_refuses_a_campaign_without_targets_or_deadline_naming_the_field(world):
    w = world.jinghai
    base = {"title": "征询", "instructions": "请梳理问题"}
    with pytest.raises(ActionInvalid) as error:
        actions.do_create_campaign(w.district, w.hub, actions.CampaignInput(**base, reply_days=3))
    assert error.value.field == "targets"
    with pytest.raises(ActionInvalid) as error:
        actions.do_create_campaign(
            w.district, w.hub, actions.CampaignInput(**base, localities=[w.a.locality])
        )
    assert error.value.field == "reply_days"
    with pytest.raises(ActionInvalid) as error:
        actions.do_create_campaign(
            w.district,
            w.hub,
            actions.CampaignInput(**base, localities=[world.nankai.a.locality], reply_days=3),
        )
    assert error.value.field == "targets"


def test_only_the_hub_of_the_district_runs_a_campaign(world):
    w = world.jinghai
    data = actions.CampaignInput(title="征询", instructions="请梳理", localities=[w.a.locality], reply_days=3)
    for who in (w.officer_a, w.coord_lead, w.dispatcher, w.leader, world.nankai.hub):
        with pytest.raises(ActionForbidden):
            actions.do_create_campaign(w.district, who, data)


def test_launching_tells_the_people_of_each_unit_and_nobody_else(world):
    w = world.jinghai
    campaign = campaign_of(w)
    told = set(Notification.objects.filter(topic="solicitation").values_list("user__username", flat=True))
    assert told == {w.officer_a.username, w.coord_lead.username, w.lead.username}
    department = target(campaign, w.dep("scjgj"))
    assert {u.username for u in target_people(department)} == {w.coord_lead.username, w.lead.username}
    assert AuditEvent.objects.filter(action="solicitation.launch", object_id=str(campaign.pk)).exists()


def test_a_launched_campaign_cannot_be_launched_again_or_changed(world):
    w = world.jinghai
    campaign = campaign_of(w)
    with pytest.raises(ActionNotAllowed):
        actions.do_launch_campaign(campaign, w.hub)
    data = actions.CampaignInput(title="改", instructions="改", localities=[w.a.locality], reply_days=3)
    with pytest.raises(ActionNotAllowed):
        actions.do_update_campaign(campaign, w.hub, data)


def test_a_unit_reports_problems_and_submits_once(world, clock):
    w = world.jinghai
    clock.set(2025, 9, 30, 10)
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town,
        w.officer_a,
        [
            ProblemInput(content="企业反映招工难，缺少熟练焊工。", complexity="complex", enterprise=w.ent_a),
            ProblemInput(content="园区道路破损影响货车通行", complexity="simple"),
        ],
    )
    reply = actions.do_submit_reply(town, w.officer_a)
    assert reply.status == ReplyStatusChoices.SUBMITTED and not reply.is_late
    # The enterprise's own area, inside the town, is filled in.
    assert reply.problems.get(enterprise=w.ent_a).area == w.a
    with pytest.raises(ActionNotAllowed):
        actions.do_submit_reply(town, w.officer_a)
    with pytest.raises(ActionNotAllowed):
        actions.do_add_problems(town, w.officer_a, [ProblemInput(content="再加一条", complexity="simple")])
    hub_told = Notification.objects.filter(user=w.hub, topic="solicitation")
    assert hub_told.count() == 1


def test_a_reply_after_the_deadline_is_accepted_and_marked_late(world, clock):
    w = world.jinghai
    clock.set(2025, 9, 30, 10)
    campaign = campaign_of(w, reply_days=1)
    clock.set(2025, 10, 10, 9)
    town = target(campaign, w.a.locality)
    assert reply_state(target(campaign, w.a.locality), campaign) == ReplyStateChoices.OVERDUE
    reply = actions.do_submit_reply(town, w.officer_a, no_problems=True)
    assert reply.is_late and reply.no_problems
    assert reply_state(target(campaign, w.a.locality), campaign) == ReplyStateChoices.NO_PROBLEMS


def test_no_problems_and_problems_exclude_each_other(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    with pytest.raises(ActionInvalid) as error:
        actions.do_submit_reply(town, w.officer_a)
    assert error.value.field == "problems"
    actions.do_add_problems(town, w.officer_a, [ProblemInput(content="融资难", complexity="complex")])
    with pytest.raises(ActionInvalid) as error:
        actions.do_submit_reply(town, w.officer_a, no_problems=True)
    assert error.value.field == "no_problems"


def test_a_refused_attempt_is_audited_as_a_failure(world):
    w = world.jinghai
    campaign = campaign_of(w)
    with pytest.raises(ActionForbidden):
        actions.do_submit_reply(target(campaign, w.a.locality), w.officer_b, no_problems=True)
    row = AuditEvent.objects.get(action="solicitation.submit")
    assert not row.success and row.user == w.officer_b and row.district_id == w.district.pk


def test_every_refusal_is_audited_not_only_a_missing_role(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    with pytest.raises(ActionInvalid):  # 400: a reply of "no problems" that has problems
        actions.do_add_problems(town, w.officer_a, [ProblemInput(content="融资难", complexity="complex")])
        actions.do_submit_reply(town, w.officer_a, no_problems=True)
    with pytest.raises(ActionNotAllowed):  # 409: launched once already
        actions.do_launch_campaign(campaign, w.hub)
    refused = AuditEvent.objects.filter(success=False)
    assert refused.filter(action="solicitation.submit", user=w.officer_a).exists()
    assert refused.filter(action="solicitation.launch", user=w.hub, district_id=w.district.pk).exists()


def test_only_the_people_of_the_unit_reply_for_it(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    department = target(campaign, w.dep("scjgj"))
    for who in (w.officer_b, w.coord_lead, w.leader, w.hub, world.nankai.officer_a):
        with pytest.raises(ActionForbidden):
            actions.do_submit_reply(town, who, no_problems=True)
    for who in (w.officer_a, w.coord_co, w.industry):
        with pytest.raises(ActionForbidden):
            actions.do_submit_reply(department, who, no_problems=True)
    assert actions.do_submit_reply(department, w.lead, no_problems=True).no_problems


def test_a_problem_names_an_area_of_the_replying_locality_and_an_enterprise_of_the_district(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    with pytest.raises(ActionInvalid) as error:
        actions.do_add_problems(town, w.officer_a, [ProblemInput(content="x", complexity="simple", area=w.b)])
    assert error.value.field == "area"
    with pytest.raises(ActionInvalid) as error:
        actions.do_add_problems(
            town,
            w.officer_a,
            [ProblemInput(content="x", complexity="simple", enterprise=world.nankai.ent_a)],
        )
    assert error.value.field == "enterprise"
    with pytest.raises(ActionInvalid) as error:
        actions.do_add_problems(town, w.officer_a, [ProblemInput(content=" ", complexity="simple")])
    assert error.value.field == "content"
    with pytest.raises(ActionInvalid) as error:
        actions.do_add_problems(town, w.officer_a, [ProblemInput(content="x", complexity="hard")])
    assert error.value.field == "complexity"
    assert not ReplyProblem.objects.exists()


def test_accepting_a_reply_turns_each_enterprise_problem_into_a_solicitation_demand(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town,
        w.officer_a,
        [
            ProblemInput(
                content="企业反映招工难，缺少熟练焊工。请协调人社部门。",
                complexity="complex",
                enterprise=w.ent_a,
            ),
            ProblemInput(content="全镇企业普遍反映用电报装慢", complexity="complex"),
        ],
    )
    reply = actions.do_submit_reply(town, w.officer_a)
    demands = actions.do_accept_reply(reply, w.hub)
    assert len(demands) == 1
    demand = demands[0]
    assert demand.channel == "solicitation" and demand.status == "received"
    assert demand.enterprise == w.ent_a and demand.area == w.a and demand.created_by == w.hub
    assert demand.title == "企业反映招工难，缺少熟练焊工"
    assert demand.received_at == reply.submitted_at
    event = DemandEvent.objects.get(demand=demand)
    assert "2026年第四季度企业问题征询" in event.note and "复杂问题" in event.note
    assert reply.problems.get(enterprise=w.ent_a).demand == demand
    assert reply.problems.get(enterprise=None).demand is None
    reply.refresh_from_db()
    assert reply.status == ReplyStatusChoices.ACCEPTED
    with pytest.raises(ActionNotAllowed):
        actions.do_accept_reply(reply, w.hub)


def test_accepting_makes_no_demand_when_one_problem_is_refused(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town,
        w.officer_a,
        [
            ProblemInput(content="第一条", complexity="simple", enterprise=w.ent_a),
            ProblemInput(content="第二条", complexity="simple", enterprise=w.ent_key),
        ],
    )
    reply = actions.do_submit_reply(town, w.officer_a)
    w.ent_key.status = "deregistered"
    w.ent_key.deregistered_on = date(2025, 1, 1)
    w.ent_key.save()
    with pytest.raises(ActionInvalid) as error:
        actions.do_accept_reply(reply, w.hub)
    assert error.value.field == "problems" and error.value.message.startswith("第2条问题")
    reply.refresh_from_db()
    assert reply.status == ReplyStatusChoices.SUBMITTED
    assert not reply.problems.filter(demand__isnull=False).exists()


def test_the_hub_returns_a_reply_and_the_unit_submits_again(world):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(town, w.officer_a, [ProblemInput(content="融资难", complexity="complex")])
    reply = actions.do_submit_reply(town, w.officer_a)
    with pytest.raises(ActionInvalid):
        actions.do_return_reply(reply, w.hub, reason="")
    actions.do_return_reply(reply, w.hub, reason="请补充企业名称")
    assert reply.status == ReplyStatusChoices.DRAFT and reply.returned_reason == "请补充企业名称"
    assert Notification.objects.filter(user=w.officer_a, subject__contains="退回").exists()
    problem = reply.problems.get()
    actions.do_remove_problem(problem, w.officer_a)
    actions.do_add_problems(
        town, w.officer_a, [ProblemInput(content="融资难", complexity="complex", enterprise=w.ent_a)]
    )
    assert actions.do_submit_reply(town, w.officer_a).returned_reason == ""


def test_the_hub_reminds_only_the_units_that_have_not_replied(world):
    w = world.jinghai
    campaign = campaign_of(w)
    actions.do_submit_reply(target(campaign, w.dep("scjgj")), w.coord_lead, no_problems=True)
    Notification.objects.all().delete()
    reminder = actions.do_remind(campaign, w.hub)
    assert list(reminder.targets.all()) == [target(campaign, w.a.locality)]
    assert reminder.recipients == 1
    assert set(Notification.objects.values_list("user__username", flat=True)) == {w.officer_a.username}
    actions.do_submit_reply(target(campaign, w.a.locality), w.officer_a, no_problems=True)
    with pytest.raises(ActionNotAllowed):
        actions.do_remind(campaign, w.hub)


def test_a_closed_campaign_takes_no_more_replies(world):
    w = world.jinghai
    campaign = campaign_of(w)
    actions.do_close_campaign(campaign, w.hub)
    with pytest.raises(ActionNotAllowed):
        actions.do_submit_reply(target(campaign, w.a.locality), w.officer_a, no_problems=True)
    with pytest.raises(ActionNotAllowed):
        actions.do_close_campaign(campaign, w.hub)


def test_the_figures_count_replies_problems_and_demands(world, clock):
    w = world.jinghai
    clock.set(2025, 9, 30, 10)
    campaign = campaign_of(
        w, localities=[w.a.locality, w.b.locality], departments=[w.dep("scjgj"), w.dep("swj")]
    )
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town,
        w.officer_a,
        [
            ProblemInput(content="招工难", complexity="complex", enterprise=w.ent_a),
            ProblemInput(content="咨询政策", complexity="simple", enterprise=w.ent_key),
            ProblemInput(content="道路破损", complexity="simple"),
        ],
    )
    actions.do_accept_reply(actions.do_submit_reply(town, w.officer_a), w.hub)
    actions.do_submit_reply(target(campaign, w.dep("scjgj")), w.coord_lead, no_problems=True)
    clock.set(2025, 10, 20, 9)
    actions.do_add_problems(
        target(campaign, w.b.locality),
        w.officer_b,
        [ProblemInput(content="融资难", complexity="complex", enterprise=w.ent_b)],
    )
    actions.do_submit_reply(target(campaign, w.b.locality), w.officer_b)
    targets = list(targets_of(campaign))
    figures = campaign_figures(campaign, targets, list(problems_of(campaign)))
    assert figures.targets == 4 and figures.replied == 3
    assert figures.states == {"on_time": 1, "no_problems": 1, "late": 1, "overdue": 1}
    assert figures.problems == 4 and figures.general == 1 and figures.demands == 2
    assert figures.awaiting_acceptance == 1
    assert figures.by_complexity == {"complex": 2, "simple": 2}
    assert figures.open == 2 and figures.resolved == 0
    assert [t.department.code for t in non_responders(campaign, targets)] == ["swj"]


def test_a_unit_sees_what_it_still_owes(world):
    w = world.jinghai
    campaign = campaign_of(w)
    campaign_of(w, title="草稿", launch=False)
    assert [t.campaign for t in waiting_targets(w.officer_a)] == [campaign]
    assert [t.campaign for t in waiting_targets(w.coord_lead)] == [campaign]
    assert waiting_targets(w.officer_b) == [] and waiting_targets(w.hub) == []
    actions.do_submit_reply(target(campaign, w.a.locality), w.officer_a, no_problems=True)
    assert waiting_targets(w.officer_a) == []


# --- Deleting a draft -------------------------------------------------------------------------------------


def test_the_hub_deletes_a_draft_and_the_audit_keeps_what_it_was(world):
    from demandloop.solicitation.models import Campaign, CampaignTarget

    w = world.jinghai
    draft = campaign_of(w, launch=False, title="下季度征询（草稿）")
    pk = draft.pk
    actions.do_delete_campaign(draft, w.hub)
    assert not Campaign.objects.filter(pk=pk).exists()
    assert not CampaignTarget.objects.filter(campaign_id=pk).exists()
    row = AuditEvent.objects.get(action="solicitation.delete")
    assert (row.success, row.user, row.role, row.object_type, row.object_id) == (
        True,
        w.hub,
        "hub",
        "solicitation.campaign",
        str(pk),
    )
    assert row.district_id == w.district.pk and row.detail["title"] == "下季度征询（草稿）"
    assert sorted(row.detail["units"]) == sorted([str(w.a.locality), str(w.dep("scjgj"))])


def test_a_launched_campaign_cannot_be_deleted_and_the_attempt_is_audited(world):
    from demandloop.solicitation.models import Campaign

    w = world.jinghai
    campaign = campaign_of(w)
    with pytest.raises(ActionNotAllowed) as refused:
        actions.do_delete_campaign(campaign, w.hub)
    assert refused.value.message == "已发布的征询不能删除：已向征询单位发出。如不再需要，请结束征询。"
    actions.do_close_campaign(campaign, w.hub)
    with pytest.raises(ActionNotAllowed):
        actions.do_delete_campaign(campaign, w.hub)
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    rows = AuditEvent.objects.filter(action="solicitation.delete")
    assert [(r.success, r.user) for r in rows] == [(False, w.hub), (False, w.hub)]


def test_only_the_district_s_hub_deletes_its_draft(world):
    from demandloop.solicitation.models import Campaign

    w = world.jinghai
    draft = campaign_of(w, launch=False)
    for person in (world.nankai.hub, w.officer_a, w.coord_lead, w.dispatcher):
        with pytest.raises(ActionForbidden):
            actions.do_delete_campaign(draft, person)
    assert Campaign.objects.filter(pk=draft.pk).exists()
    refused = AuditEvent.objects.filter(action="solicitation.delete", success=False)
    assert refused.count() == 4 and {r.district_id for r in refused} == {w.district.pk}

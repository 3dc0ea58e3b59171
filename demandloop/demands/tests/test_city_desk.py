"""The city tier inside a city-wide deployment (DESIGN.md §1): a district's tier-4 transfer goes to the platform's
own city desk (市级专席), which accepts it, reports progress, answers or returns it — and reaches nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from demandloop.demands import actions
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid
from demandloop.demands.flow import allowed_actions
from demandloop.demands.models import Demand, DemandEvent
from demandloop.demands.permissions import TierContext, acting_role
from demandloop.demands.queries import DemandFacts, demand_grants, get_demand_for_user
from demandloop.demands.tests.world import drive
from demandloop.integrations.models import Notification, OutboxMessage
from demandloop.lib.yamlfile import load_yaml
from demandloop.org.choices import RoleChoices
from demandloop.org.models import Membership, User
from demandloop.org.presets import PresetError, preset_path, validate_preset

pytestmark = pytest.mark.django_db


def desk(username: str = "city-desk", district: Any = None) -> Any:
    user = User.objects.create_user(username=username, password="pw", full_name="市级专席")
    Membership.objects.create(user=user, role=RoleChoices.CITY, district=district)
    return user


def escalated_to_tier_4(w: Any) -> Demand:
    demand = drive(w, S.ESCALATED, level=3)
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 4)
    return demand


def test_a_transfer_goes_to_the_city_desk_without_a_reference_and_tells_the_desk(world: Any) -> None:
    w, city = world.jinghai, desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="city_office", note="区级权限外")
    demand.refresh_from_db()
    assert (demand.status, demand.at_city_desk, demand.city_reference) == (S.TRANSFERRED, True, "")
    event = demand.events.get(action=A.TRANSFER)
    assert event.data["city_desk"] is True and event.data["pushed"] is False
    told = Notification.objects.get(user=city, topic="city_desk")
    assert f"#{demand.pk}" in told.subject and "静海区" in told.subject
    assert (told.body, told.link) == ("区级权限外", f"/demands/{demand.pk}/")


def test_a_reference_given_is_kept_when_the_enterprise_filed_with_the_city_itself(world: Any) -> None:
    w = world.jinghai
    desk()
    demand = actions.do_transfer(
        escalated_to_tier_4(w), w.hub, city_channel="hotline_desk", city_reference="12345-QY-88"
    )
    assert (demand.at_city_desk, demand.city_reference) == (True, "12345-QY-88")


def test_nothing_goes_to_the_city_platform_integration_when_the_desk_takes_the_matter(
    world: Any, settings: Any
) -> None:
    settings.DEMANDLOOP_CITY_PLATFORM_URL = "http://127.0.0.1:9/"
    settings.DEMANDLOOP_CITY_PLATFORM_APP_ID = "jinghai"
    settings.DEMANDLOOP_CITY_PLATFORM_SECRET = "s3cret"
    w = world.jinghai
    desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="jinchanfa")
    assert demand.at_city_desk
    assert not OutboxMessage.objects.filter(channel="city_platform").exists()


def test_without_a_desk_for_the_district_the_reference_is_still_required(world: Any) -> None:
    # A desk of Nankai only: Jinghai's transfers still leave the platform, with the city's reference.
    desk(district=world.nankai.district)
    w = world.jinghai
    demand = escalated_to_tier_4(w)
    with pytest.raises(ActionInvalid) as caught:
        actions.do_transfer(demand, w.hub, city_channel="city_office")
    assert caught.value.field == "city_reference"
    demand.refresh_from_db()
    actions.do_transfer(demand, w.hub, city_channel="city_office", city_reference="SZF-1")
    assert (demand.status, demand.at_city_desk) == (S.TRANSFERRED, False)


def test_the_desk_reaches_only_the_matters_transferred_to_it(world: Any) -> None:
    jinghai, nankai = world.jinghai, world.nankai
    city, nankai_desk = desk(), desk("nankai-desk", district=nankai.district)
    sent = actions.do_transfer(escalated_to_tier_4(jinghai), jinghai.hub, city_channel="city_office")
    kept = escalated_to_tier_4(jinghai)
    elsewhere = drive(nankai, S.IN_PROGRESS)
    assert list(Demand.objects.for_user(city)) == [sent]
    assert get_demand_for_user(city, sent.pk) == sent
    for pk in (kept.pk, elsewhere.pk):
        with pytest.raises(Http404):
            get_demand_for_user(city, pk)
    # A desk of one district reaches only that district's transfers.
    assert not Demand.objects.for_user(nankai_desk).exists()


def test_the_desk_accepts_reports_progress_and_answers_and_the_hub_hears_of_each_step(world: Any) -> None:
    w, city = world.jinghai, desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="city_office")
    note = actions.city_progress_note("市级已受理", "市发展改革委", "已派单")
    actions.do_city_progress(demand, city, stage="accepted", note=note, data={"unit": "市发展改革委"})
    actions.do_resolve(demand, city, result="经市发展改革委协调，已纳入年度计划。")
    demand.refresh_from_db()
    assert (demand.status, demand.result) == (S.RESOLVED, "经市发展改革委协调，已纳入年度计划。")
    steps = list(
        DemandEvent.objects.filter(demand=demand, actor=city).values_list("action", "actor_role", "note")
    )
    assert steps == [
        (A.CITY_PROGRESS, RoleChoices.CITY, "市级已受理，市发展改革委：已派单"),
        (A.RESOLVE, RoleChoices.CITY, ""),
    ]
    heard = list(Notification.objects.filter(user=w.hub, topic="city_desk").order_by("pk"))
    assert [n.subject.split("：")[0] for n in heard] == [
        f"市级专席反馈诉求 #{demand.pk} 办理进展",
        f"市级专席已答复诉求 #{demand.pk}",
    ]
    assert heard[1].body == "经市发展改革委协调，已纳入年度计划。"
    # The enterprise rates the city's answer as it rates any other.
    actions.do_evaluate(demand, w.ent_user_a, solved="solved", satisfied="satisfied")
    assert demand.status == S.EVALUATED


def test_a_return_puts_the_matter_back_to_the_district_and_the_desk_can_then_only_read_it(world: Any) -> None:
    w, city = world.jinghai, desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="city_office")
    actions.do_city_return(demand, city, reason="请区级先补充用地规划材料")
    demand.refresh_from_db()
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 4)
    assert Notification.objects.filter(
        user=w.hub, topic="city_desk", body="请区级先补充用地规划材料"
    ).exists()
    # Still in the desk's history, but no longer its to act on.
    assert get_demand_for_user(city, demand.pk) == demand
    facts, ctx = DemandFacts.of(demand), TierContext.of(demand.status, demand.tier)
    offered = [a for a in allowed_actions(demand.status) if acting_role(a, demand_grants(city), facts, ctx)]
    assert offered == []
    with pytest.raises(ActionForbidden):
        actions.do_decide(
            demand, city, lead_department=w.dep("scjgj"), co_departments=[], deadline=demand.created_at.date()
        )


def test_the_desk_takes_none_of_the_district_s_own_steps(world: Any) -> None:
    w, city = world.jinghai, desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="city_office")
    for attempt in (
        lambda: actions.do_withdraw(demand, city, reason="x"),
        lambda: actions.do_city_report(demand, city, stage="answered", note="x"),
    ):
        with pytest.raises(ActionForbidden):
            attempt()
    # Nor may a district take the city's steps.
    with pytest.raises(ActionForbidden):
        actions.do_city_progress(demand, w.hub, stage="accepted", note="x")
    with pytest.raises(ActionForbidden):
        actions.do_city_return(demand, w.hub, reason="x")


def test_a_preset_cannot_make_the_city_desk_a_handler_of_a_district_tier() -> None:
    path = preset_path("jinghai")
    data = load_yaml(path.read_text(encoding="utf-8"))
    data["tiers"][3]["handler_roles"] = ["hub", "city"]
    with pytest.raises(PresetError) as caught:
        validate_preset(data, path.name)
    assert "tiers[3].handler_roles" in str(caught.value)


def test_the_desk_s_steps_through_the_api_with_clear_errors(world: Any, api_as: Any) -> None:
    w, city = world.jinghai, desk()
    demand = actions.do_transfer(escalated_to_tier_4(w), w.hub, city_channel="city_office")
    client = api_as(city)
    url = f"/api/v1/demands/{demand.pk}/actions/"
    refused = client.post(f"{url}city_progress/", {"stage": "done"}, format="json")
    assert refused.status_code == 400 and "stage" in refused.json()
    answer = client.post(f"{url}city_progress/", {"stage": "accepted", "unit": "市商务局"}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], body["at_city_desk"]) == (S.TRANSFERRED, True)
    assert demand.events.get(action=A.CITY_PROGRESS).note == "市级已受理，市商务局"
    assert client.post(f"{url}city_return/", {}, format="json").status_code == 400
    returned = client.post(f"{url}city_return/", {"reason": "属区级事权"}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == S.ESCALATED
    # The district's hub cannot speak for the city.
    again = actions.do_transfer(Demand.objects.get(pk=demand.pk), w.hub, city_channel="city_office")
    hub_try = api_as(w.hub).post(f"{url}city_progress/", {"stage": "accepted"}, format="json")
    assert hub_try.status_code == 403 and again.status == S.TRANSFERRED

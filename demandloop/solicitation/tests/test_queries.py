"""Who sees which campaign and answers for which unit: written out from the world's design, not computed."""

from __future__ import annotations

import pytest
from django.http import Http404

from demandloop.org.choices import RoleChoices
from demandloop.org.models import Membership
from demandloop.solicitation import actions
from demandloop.solicitation.models import Campaign
from demandloop.solicitation.queries import (
    get_campaign_for_user,
    own_targets,
    target_people,
    units_of,
    unstaffed_targets,
    visible_targets,
)
from demandloop.solicitation.tests.conftest import campaign_of, target

pytestmark = pytest.mark.django_db


def test_each_role_answers_for_its_own_units_only(world):
    w = world.jinghai
    assert units_of(w.officer_a).locality_ids == {w.a.locality_id}
    assert units_of(w.social).locality_ids == {w.park.pk}
    assert units_of(w.coord_lead).department_ids == {w.dep("scjgj").pk}
    assert units_of(w.lead).department_ids == {w.dep("scjgj").pk}
    assert units_of(w.hub).hub_district_ids == {w.district.pk}
    # A leader covers areas but answers for none; the dispatcher sees the district but runs no campaign; an
    # industry officer serves key enterprises, not a unit asked.
    for who in (w.leader, w.dispatcher, w.industry, w.ent_user_a):
        units = units_of(who)
        assert not units.answers_for_any and not units.hub_district_ids, who


def test_the_campaigns_each_person_sees(world):
    w = world.jinghai
    asked = campaign_of(w)
    draft = campaign_of(w, title="草稿", launch=False)
    park = campaign_of(w, title="园区征询", localities=[w.park], departments=[])
    other = campaign_of(world.nankai)
    seen = {who: set(Campaign.objects.for_user(getattr(w, who))) for who in w.people}
    assert seen["hub"] == {asked, draft, park}
    assert seen["officer_a"] == {asked}
    assert seen["coord_lead"] == seen["lead"] == {asked}
    assert seen["social"] == {park}
    for who in ("officer_b", "coord_co", "coord_other", "industry", "leader", "dispatcher", "ent_user_a"):
        assert seen[who] == set(), who
    assert set(Campaign.objects.for_user(world.nankai.hub)) == {other}
    with pytest.raises(Http404):
        get_campaign_for_user(w.officer_a, draft.pk)
    with pytest.raises(Http404):
        get_campaign_for_user(world.nankai.hub, asked.pk)


def test_a_unit_sees_only_its_own_reply(world):
    w = world.jinghai
    campaign = campaign_of(w)
    assert [t.locality for t in visible_targets(w.officer_a, campaign)] == [w.a.locality]
    assert [t.department for t in visible_targets(w.coord_lead, campaign)] == [w.dep("scjgj")]
    assert len(visible_targets(w.hub, campaign)) == 2
    assert own_targets(w.hub, campaign) == []


def test_an_inactive_membership_answers_for_nothing_and_is_not_told(world):
    w = world.jinghai
    Membership.objects.filter(user=w.coord_lead).update(is_active=False)
    w.coord_lead.__dict__.pop("_solicitation_units", None)
    assert not units_of(w.coord_lead).answers_for_any
    campaign = campaign_of(w)
    assert {u.username for u in target_people(target(campaign, w.dep("scjgj")))} == {w.lead.username}


def test_a_unit_without_people_is_flagged(world):
    w = world.jinghai
    campaign = campaign_of(w, departments=[w.dep("scjgj"), w.dep("gajhfj")])
    targets = list(campaign.targets.all())
    assert unstaffed_targets(targets) == {target(campaign, w.dep("gajhfj")).pk}
    Membership.objects.filter(user=w.officer_a, role=RoleChoices.OFFICER).update(is_active=False)
    assert target(campaign, w.a.locality).pk in unstaffed_targets(targets)


def test_all_departments_leaves_the_two_hubs_out(world):
    w = world.jinghai
    codes = {d.code for d in actions.all_departments(w.district)}
    assert "scjgj" in codes and "zwfwb" not in codes and "wgzx" not in codes
    assert len(actions.all_localities(w.district)) == w.district.localities.count()

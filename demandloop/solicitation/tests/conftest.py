"""Fixtures of the solicitation tests: the demands app's small known world, and a campaign helper."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from demandloop.demands.tests.conftest import Clock
from demandloop.demands.tests.world import DistrictWorld, World, build_world
from demandloop.solicitation import actions


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from django.utils import timezone

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def campaign_of(
    w: DistrictWorld,
    *,
    localities: list[Any] | None = None,
    departments: list[Any] | None = None,
    reply_days: int | None = 5,
    reply_by: date | None = None,
    launch: bool = True,
    title: str = "2026年第四季度企业问题征询",
) -> Any:
    """A campaign of the world's hub asking area a's locality and the market-regulation bureau (by default)."""
    data = actions.CampaignInput(
        title=title,
        instructions="请梳理辖区企业近期反映的用工、融资、用地等方面问题",
        localities=[w.a.locality] if localities is None else localities,
        departments=[w.dep("scjgj")] if departments is None else departments,
        reply_days=None if reply_by else reply_days,
        reply_by=reply_by,
    )
    campaign = actions.do_create_campaign(w.district, w.hub, data)
    if launch:
        actions.do_launch_campaign(campaign, w.hub)
    return campaign


def target(campaign: Any, unit: Any) -> Any:
    """The campaign's target for a locality or a department."""
    from demandloop.org.models import Locality

    if isinstance(unit, Locality):
        return campaign.targets.get(locality=unit)
    return campaign.targets.get(department=unit)


def hub_of_both(world: World) -> Any:
    """静海's hub also serves 南开's service office (one person, two districts); returns that person."""
    from demandloop.org.models import Membership

    person = world.jinghai.hub
    nankai = world.nankai
    Membership.objects.create(
        user=person, role="hub", district=nankai.district, department=nankai.dep("zwfwb")
    )
    return person

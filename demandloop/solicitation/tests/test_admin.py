"""Campaigns in the Chinese admin: read-only, each hub sees its own district's, the administrator every one."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.core.tests.read_only_admin import assert_nobody_writes, staff_client
from demandloop.solicitation import actions
from demandloop.solicitation.actions import ProblemInput
from demandloop.solicitation.models import Campaign
from demandloop.solicitation.tests.conftest import campaign_of, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(world: Any) -> dict[str, Any]:
    """A launched campaign of each district; 静海's locality has submitted two problems."""
    found = {code: campaign_of(w, title=f"{w.district.name}征询") for code, w in world.d.items()}
    w = world.jinghai
    town = target(found["jinghai"], w.a.locality)
    problems = [ProblemInput(content="招工难", complexity="complex"), ProblemInput("融资难", "simple")]
    actions.do_add_problems(town, w.officer_a, problems)
    actions.do_submit_reply(town, w.officer_a)
    return found


def test_a_hub_lists_and_reads_only_its_districts_campaigns(world: Any, campaigns: Any) -> None:
    client = staff_client(world.jinghai.hub)
    listing = client.get("/admin/solicitation/campaign/")
    assert listing.status_code == 200
    assert {c.pk for c in listing.context["cl"].result_list} == {campaigns["jinghai"].pk}
    assert "定期征询" in client.get("/admin/").content.decode()
    page = client.get(f"/admin/solicitation/campaign/{campaigns['jinghai'].pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    # The replies, read-only: the unit, where its reply stands and how many problems it lists.
    assert str(world.jinghai.a.locality) in text and "已提交" in text and "未答复" in text
    # Nothing to change here: no field to type in, no save button.
    assert 'id="id_title"' not in text and "<textarea" not in text and 'name="_save"' not in text
    # Another district's campaign is not found (the admin sends the hub back), and never shown.
    other = client.get(f"/admin/solicitation/campaign/{campaigns['nankai'].pk}/change/")
    assert other.status_code == 302
    assert "南开" not in client.get("/admin/solicitation/campaign/").content.decode().split("<table")[-1]


def test_the_administrator_reads_every_district_and_nobody_writes_here(
    world: Any, campaigns: Any, django_user_model: Any
) -> None:
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-admin")
    client = staff_client(root)
    listing = client.get("/admin/solicitation/campaign/")
    assert {c.pk for c in listing.context["cl"].result_list} == {c.pk for c in campaigns.values()}
    campaign = campaigns["jinghai"]
    assert_nobody_writes(client, "/admin/solicitation/campaign/", campaign.pk, {"title": "改名"})
    campaign.refresh_from_db()
    assert campaign.title == f"{world.jinghai.district.name}征询"
    assert Campaign.objects.count() == 2


def test_people_without_an_admin_role_stay_out(world: Any, campaigns: Any) -> None:
    client = staff_client(world.jinghai.officer_a)
    assert client.get("/admin/solicitation/campaign/").status_code == 403

"""The officer triages with the router's suggestion in front of them; suggestion and choice are both kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demandloop.demands.models import Demand
from demandloop.org.models import Department, Domain, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(officer_visit):
    demand = officer_visit.screened(
        "厂房用电增容", "企业新上生产线，厂房需要用电增容，报装申请提交一个月了一直没有进展。"
    )
    return officer_visit.officer, demand


def test_the_triage_form_comes_filled_with_the_routers_suggestion(client, screened):
    officer, demand = screened
    client.force_login(officer)
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    gxj = Department.objects.get(district=demand.district, code="gxj")
    assert f'<option value="{gxj.pk}" selected>' in page
    # The words that decided the department are shown beside it (the title alone also says 增容).
    explanation = page.split('<div class="mb-3 field-lead_department">', 1)[1].split("</div>\n</div>", 1)[0]
    assert "智能分派建议，依据词语：" in explanation and "增容" in explanation, explanation


def test_the_officers_choice_and_the_suggestion_are_both_recorded(client, screened):
    officer, demand = screened
    client.force_login(officer)
    fgw = Department.objects.get(district=demand.district, code="fgw")
    response = client.post(
        reverse("demand_action", args=[demand.pk, "triage"]),
        {
            "triage-domain": Domain.objects.get(district=demand.district, code="economic").pk,
            "triage-complexity": "complex",
            "triage-tier": Tier.objects.get(district=demand.district, level=2).pk,
            "triage-lead_department": fgw.pk,
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get(pk=demand.pk)
    assert demand.routing_suggestion["departments"][0]["code"] == "gxj"
    assert demand.lead_department == fgw
    assert demand.routing_choice["lead_department"] == "fgw"


def test_the_merge_form_offers_the_open_demands_that_say_the_same_thing(
    client, officer_visit, screened, make_user
):
    from demandloop.demands.choices import DemandStatusChoices as S
    from demandloop.org.models import District

    _officer, original = screened
    again = officer_visit.screened(
        "厂房用电增容", "企业新上生产线，厂房需要用电增容，报装申请一个多月了一直没有进展，再次反映。"
    )
    unrelated = officer_visit.screened("员工子女入学", "技术骨干子女需要在本区入学，希望协调学位。")
    hub = make_user("hub", "hub", District.objects.get(code="jinghai"))
    client.force_login(hub)
    page = client.get(reverse("demand_detail", args=[again.pk])).content.decode()
    assert f'data-candidate="{original.pk}"' in page
    assert f'data-candidate="{unrelated.pk}"' not in page and f'data-candidate="{again.pk}"' not in page
    assert f'data-fill="id_merge-original" data-text="{original.pk}"' in page

    response = client.post(
        reverse("demand_action", args=[again.pk, "merge"]), {"merge-original": original.pk}
    )
    assert response.status_code == 302
    assert Demand.objects.get(pk=again.pk).status == S.MERGED

"""Fields asked only for some answers of another (`web.forms.ask_when`): the 12345 work-order number of a 12345
demand, the source of an officer's direct line, the reason a demand is out of scope. The page hides them until
they are asked, never labels them optional, and what a hidden field still held is not saved."""

from __future__ import annotations

import re

from django.urls import reverse

from demandloop.demands.models import Demand

OPTIONAL = "（选填）"


def block(page: str, name: str) -> str:
    """The opening tag and label of a field's block on the page."""
    found = re.search(rf'<div class="mb-3 field-{name}"[^>]*>\s*<label[^>]*>.*?</label>', page, re.S)
    assert found is not None, f"the page has no field {name}"
    return found.group(0)


def test_the_registration_form_asks_for_the_source_and_the_work_order_number_by_channel(world, client):
    client.force_login(world.person("J:hub"))
    page = client.get(reverse("register_demand")).content.decode()
    source, number = block(page, "source"), block(page, "hotline_number")
    assert 'data-asked-by="channel" data-asked-when="officer"' in source
    assert 'data-asked-by="channel" data-asked-when="hotline"' in number
    # Nothing is chosen yet: neither is asked, and neither says it may be left empty.
    assert " hidden>" in source and " hidden>" in number
    assert OPTIONAL not in source and OPTIONAL not in number
    assert OPTIONAL in block(page, "contact_phone"), "a field that is truly optional still says so"

    # Refused for the missing number: the page comes back with the 12345 channel chosen, the number asked.
    enterprise = world.districts["J"].enterprises[0]
    refused = client.post(
        reverse("register_demand"),
        {"enterprise": enterprise.pk, "channel": "hotline", "title": "路灯损坏", "content": "园区路灯损坏。"},
    ).content.decode()
    assert "hidden" not in block(refused, "hotline_number") and " hidden>" in block(refused, "source")
    assert "12345热线诉求须填写工单编号。" in refused


def test_a_number_typed_then_hidden_by_another_channel_is_not_registered(world, client):
    client.force_login(world.person("J:officer1"))
    enterprise = world.districts["J"].enterprises[0]
    response = client.post(
        reverse("register_demand"),
        {
            "enterprise": enterprise.pk,
            "channel": "officer",
            "source": "visit",
            "hotline_number": "GD20261201009",
            "title": "换了渠道的诉求",
            "content": "先选了 12345，填了工单号，又改为直通车。",
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get(title="换了渠道的诉求")
    assert (demand.channel, demand.source, demand.hotline_number) == ("officer", "visit", "")


def test_the_reason_for_out_of_scope_is_asked_only_when_the_demand_is_out_of_scope(world, client):
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices

    officer = world.person("J:officer1")
    demand = actions.do_receive(
        officer,
        enterprise=world.districts["J"].enterprises[0],
        channel=ChannelChoices.OFFICER,
        source="visit",
        title="待甄别的诉求",
        content="企业反映的问题。",
    )
    client.force_login(officer)
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    reason = block(page, "exclusion")
    assert 'data-asked-by="screen-in_scope" data-asked-when="no" hidden>' in reason and OPTIONAL not in reason

    refused = client.post(
        reverse("demand_action", args=[demand.pk, "screen"]), {"screen-in_scope": "no", "screen-note": ""}
    ).content.decode()
    reason = block(refused, "exclusion")
    assert "hidden" not in reason, "answered no: the reason is asked, with its error"
    assert "请选择不予受理的事由。" in refused
    demand.refresh_from_db()
    assert demand.status == "received", "nothing was recorded"


def test_a_tier_3_decision_asks_for_co_departments_and_says_so(world, client):
    from demandloop.demands import actions

    demand = world.demand("J1")
    hub = world.person("J:hub")
    actions.do_escalate(demand, hub, reason="multi_department")
    client.force_login(hub)
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert OPTIONAL not in block(page, "co_departments"), "a tier-3 decision needs them"

    refused = client.post(
        reverse("demand_action", args=[demand.pk, "decide"]),
        {"decide-lead_department": world.districts["J"].department.pk, "decide-deadline": "2099-12-31"},
    ).content.decode()
    assert "第三层级的会商决定须明确至少一个配合部门。" in refused
    assert not demand.events.filter(action="decide").exists(), "nothing was decided"

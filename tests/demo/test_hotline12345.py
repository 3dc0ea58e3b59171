"""The demo's 12345 ledger: an order behind every demo hotline demand, and two waiting for their enterprise."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from demandloop.demands.models import Demand
from demandloop.integrations.hotline12345.choices import SyncStateChoices
from demandloop.integrations.hotline12345.demo import UNMATCHED, create_demo_hotline_orders
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.statusback import REPORTED_STATUSES
from demandloop.org.models import User

# One worker runs the package and builds its demo once (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


def test_the_demo_ledger_holds_every_hotline_demand_and_orders_to_link(demo: list[Any], client: Any) -> None:
    for district in demo:
        hotline = Demand.objects.filter(district=district, channel="hotline").exclude(hotline_number="")
        assert hotline.count() > 5
        made = create_demo_hotline_orders(district)
        assert made == hotline.count() + len(UNMATCHED)
        for demand in hotline.select_related("hotline_order"):
            order = demand.hotline_order
            assert (order.number, order.uscc, order.enterprise_match) == (
                demand.hotline_number,
                demand.enterprise.uscc,
                "uscc",
            )
            expected = (
                SyncStateChoices.DELIVERED if demand.status in REPORTED_STATUSES else SyncStateChoices.IDLE
            )
            assert order.sync_state == expected, demand.status
        waiting = HotlineOrder.objects.filter(district=district, demand__isnull=True)
        assert waiting.count() == len(UNMATCHED) and all("台账中没有" in o.match_note for o in waiting)
        client.force_login(User.objects.get(username=f"{district.code}-dispatcher"))
        page = client.get(reverse("hotline_orders")).content.decode()
        assert f"{len(UNMATCHED)} 件工单待关联企业" in page

"""The hub transfers a tier-4 demand to 津产发 in a real browser: no reference to type for 津产发 (the field hides),
one to type for the other channels; the demand page then shows the city's reference and the sync state."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.integrations.city_platform.tests.conftest import deliver_everything_due
from demandloop.integrations.city_platform.tests.ladder import at_tier_4
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_hub_transfers_to_jinchanfa_without_typing_a_reference(
    chromium: Any, live_server: Any, world: Any, city: Any
) -> None:
    w = world.jinghai
    demand = at_tier_4(w)
    hub = Person(chromium, live_server.url, w.hub.username)
    hub.open_demand(demand.pk)
    page = hub.page
    if not page.locator("#form-transfer").is_visible():
        page.click("#action-transfer .accordion-button")
    reference = page.locator("#form-transfer .field-city_reference")
    assert page.input_value("#id_transfer-city_channel") == "jinchanfa"
    assert not reference.is_visible(), "津产发 gives the reference itself"
    page.select_option("#id_transfer-city_channel", "hotline_desk")
    assert reference.is_visible(), "the 12345 desk's reference is typed"
    page.select_option("#id_transfer-city_channel", "jinchanfa")
    assert not reference.is_visible()
    page.fill("#id_transfer-note", "区级职责权限无法解决，提请市级协调")
    page.click("button[name=submit-transfer]")
    page.wait_for_load_state()
    assert "待发送至市级平台" in hub.text("#city-matter")

    deliver_everything_due()
    hub.open_demand(demand.pk)
    card = hub.text("#city-matter")
    assert "JCF2026000001" in card and "市级平台已接收" in card
    assert "津产发已接收该事项，编号JCF2026000001。" in hub.text(".timeline")
    hub.shot("hub-city-transferred", full_page=False)
    hub.close()

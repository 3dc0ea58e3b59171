"""In a real browser: a person serving two districts' service offices switches the new campaign's district, and
the units offered follow without losing what was typed."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.solicitation.models import Campaign
from demandloop.solicitation.tests.conftest import hub_of_both
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_district_choice_reloads_the_units_and_keeps_the_texts(
    chromium: Any, live_server: Any, world: Any
) -> None:
    person = hub_of_both(world)
    jinghai, nankai = world.jinghai, world.nankai
    hub = Person(chromium, live_server.url, person.username)
    hub.go("/solicitation/new/")
    page = hub.page
    assert jinghai.a.locality.name in page.text_content("#id_localities_menu")
    page.fill("#id_title", "南开一季度企业问题征询")
    page.fill("#id_instructions", "请梳理辖区企业近期反映的用工问题")
    page.select_option("#id_district", "nankai")
    # A selector wait, not wait_for_function: Playwright evaluates a function's text in the page, which the
    # Content Security Policy refuses (no 'unsafe-eval').
    page.wait_for_selector("#campaign-district >> text=南开")
    assert nankai.a.locality.name in page.text_content("#id_localities_menu")
    assert jinghai.a.locality.name not in page.text_content("#id_localities_menu")
    assert page.input_value("#id_title") == "南开一季度企业问题征询"
    assert page.input_value("#id_instructions") == "请梳理辖区企业近期反映的用工问题"
    hub.choose("id_localities", nankai.a.locality.name, by_label=True)
    page.fill("#id_reply_days", "5")
    page.click("#save-campaign")
    page.wait_for_load_state()
    campaign = Campaign.objects.get()
    assert campaign.district == nankai.district and campaign.title == "南开一季度企业问题征询"
    assert [t.locality for t in campaign.targets.all()] == [nankai.a.locality]
    hub.close()

"""A simple matter answered on the spot: the officer takes the handbook's answer into the reply, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand
from demandloop.knowledge.handbook import load_handbook
from demandloop.org.models import Domain, Tier
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def triaged_simple(jinghai: Any, officer_visit: Any) -> tuple[Any, Any]:
    load_handbook("jinghai")
    officer = officer_visit.officer
    demand = officer_visit.screened("用电增容怎么办理", "企业扩产需要用电增容，想问问怎么办理，找谁。")
    actions.do_triage(
        demand,
        officer,
        domain=Domain.objects.get(district=jinghai, code="public"),
        complexity="simple",
        tier=Tier.objects.get(district=jinghai, level=1),
    )
    return officer, demand


def test_the_officer_answers_with_the_handbooks_answer(
    chromium: Any, live_server: Any, triaged_simple: Any
) -> None:
    officer, demand = triaged_simple
    person = Person(chromium, live_server.url, officer.username)
    person.open_demand(demand.pk)
    if not person.page.locator("#form-answer").is_visible():
        person.page.click("#action-answer .accordion-button")
    answers = person.page.locator("#form-answer .handbook-answers [data-faq]")
    assert answers.count() >= 1
    assert "用电增容" in answers.first.inner_text(), "the matching entry of the handbook is offered"

    answers.first.locator("button[data-fill]").click()
    filled = person.page.input_value("#id_answer-answer")
    assert "供电" in filled and "区工业和信息化局" in filled, "the answer and whom to contact"
    person.page.fill("#id_answer-answer", filled + "如需协调可直接联系我。")
    person.shot("officer-answer-from-handbook", full_page=False)
    person.page.click("button[name=submit-answer]")
    person.page.wait_for_load_state()

    demand = Demand.objects.get(pk=demand.pk)
    assert demand.status == S.ANSWERED
    assert demand.result == filled + "如需协调可直接联系我。", "what the enterprise is told"
    person.close()

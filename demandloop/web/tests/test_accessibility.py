"""Every role's pages, over demo data, against WCAG 2.1 A and AA with axe-core in Chromium: labels, names,
contrast, structure. A page that fails a rule fails this test with the rule and the elements."""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def demo(live_server: Any, jinghai: Any) -> dict[str, Any]:
    from demandloop.demands.demo import busiest_logins, create_demo_demands
    from demandloop.org.demo import (
        DEMO_PASSWORD,
        create_demo_administrators,
        create_demo_city_desk,
        create_demo_enterprises,
        create_demo_people,
    )

    # A city-wide deployment: the city desk takes the district's transfers and has pages of its own.
    desk = create_demo_city_desk()
    create_demo_people(jinghai)
    create_demo_enterprises(jinghai, 40)
    create_demo_demands(jinghai, 120, seed=7)
    return {
        "url": live_server.url,
        "password": DEMO_PASSWORD,
        "logins": {**busiest_logins(jinghai), **create_demo_administrators(), "city": desk},
    }


def a_demand_of(username: str) -> str:
    from demandloop.demands.models import Demand
    from demandloop.org.models import User

    demand = Demand.objects.for_user(User.objects.get(username=username)).order_by("pk").first()
    assert demand is not None, f"{username} reaches no demand"
    return f"/demands/{demand.pk}/"


# The pages of each role (the demand page is added per person: one they reach).
PAGES = {
    "officer": ["/work/", "/demands/new/", "/enterprises/", "/meetings/", "/dashboard/", "/handbook/",
                "/messages/", "/messages/settings/", "/accounts/password/", "/accounts/two-factor/set-up/"],
    "coordinator": ["/inbox/", "/solicitation/"],
    "leader": ["/leader/"],
    "hub": ["/hub/", "/reports/monthly/", "/solicitation/", "/cases/",
            "/cases/problems/", "/deliveries/", "/enterprises/import/", "/handbook/"],
    "dispatcher": ["/dispatch/", "/hotline/", "/hotline/import/"],
    "enterprise": ["/portal/", "/portal/new/", "/portal/policies/"],
    "secadmin": ["/security/"],
    "auditor": ["/audit/"],
    "city": ["/city/", "/messages/settings/"],
}  # fmt: skip
WITH_A_DEMAND = {"officer", "coordinator", "hub", "enterprise", "city"}


def test_every_role_s_pages_meet_wcag_aa(chromium, demo):
    problems = []
    for role, paths in PAGES.items():
        username = demo["logins"][role]
        person = Person(
            chromium, demo["url"], username, password=demo["password"], phone=role == "enterprise", audit=True
        )
        if role in WITH_A_DEMAND:
            paths = [*paths, a_demand_of(username)]
        for path in paths:
            response = person.go(path)
            assert response is not None and response.ok, f"{role} {path}: {response and response.status}"
            assert "/accounts/" not in person.page.url or path.startswith("/accounts/"), f"{role} {path}"
            problems += [f"{role} {path}: {v}" for v in person.accessibility_violations()]
        person.close()
    visitor = Person(chromium, demo["url"], None, audit=True)
    for path in ("/accounts/login/", "/demands/999999/"):
        visitor.go(path)
        problems += [f"not signed in {path}: {v}" for v in visitor.accessibility_violations()]
    visitor.close()
    assert not problems, "\n".join(problems)

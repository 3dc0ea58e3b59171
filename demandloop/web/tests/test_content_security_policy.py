"""The Content Security Policy: the pages run only the platform's own scripts, and still work under it.

Every browser test also fails on anything the browser refused under the policy (the root conftest reads
`browser.CSP_VIOLATIONS`); here the pages with the most machinery — charts, htmx partials, the API's Swagger
UI, the administration site — are walked on purpose, and the net itself is checked to catch a refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

from demandloop.org.choices import RoleChoices as R
from demandloop.web.tests import browser
from demandloop.web.tests.browser import Person, needs_chromium


def test_every_page_sends_a_policy_that_allows_only_the_platforms_own_scripts(client, jinghai, make_user):
    for response in (
        client.get("/accounts/login/"),
        client.get("/api/v1/demands/"),  # a refusal (401/403) is a response like any other
    ):
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", policy
        assert directives["style-src"] == "'self'", policy
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'", policy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_the_busiest_pages_work_under_the_policy_and_a_refusal_would_be_caught(
    chromium: Any, live_server: Any, jinghai: Any, make_user: Any
) -> None:
    from demandloop.org.models import Area

    hub = Person(chromium, live_server.url, make_user("zhoujing", R.HUB, jinghai, is_staff=True).username)
    hub.go("/dashboard/")
    hub.page.wait_for_selector(".chart[data-rendered=true]")  # ECharts drew under the policy
    described = hub.page.locator(".chart[data-rendered=true]").first.get_attribute("aria-label")
    assert described and described.startswith("柱状图：") and "数据与下表相同" in described, described

    hub.go("/api/docs/")
    hub.page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI started from its own script file
    assert "有需必应" in hub.text(".swagger-ui .info")

    hub.go("/admin/")
    assert hub.page.locator("#content-main").is_visible()
    area = Area.objects.filter(district=jinghai).first()
    hub.go(f"/admin/org/area/{area.pk}/change/")
    assert hub.page.locator("form#area_form").is_visible()

    officer = Person(chromium, live_server.url, make_user("liwei", R.OFFICER, jinghai, areas=[area]).username)
    officer.go("/demands/new/")
    assert not browser.CSP_VIOLATIONS, browser.CSP_VIOLATIONS

    # The net: an inline script injected into the page is refused, and the refusal is recorded.
    with officer.page.expect_console_message(lambda m: "Content Security Policy" in m.text) as refusal:
        officer.page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.body.dataset.injected = 'yes'";
                document.body.append(script);
            }"""
        )
    assert "inline script" in refusal.value.text, refusal.value.text
    assert officer.page.evaluate("document.body.dataset.injected") is None, "the inline script did not run"
    assert any("Content Security Policy" in v for v in browser.CSP_VIOLATIONS), browser.CSP_VIOLATIONS
    browser.CSP_VIOLATIONS.clear()

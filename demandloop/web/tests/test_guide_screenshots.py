"""The pages of each role over the demo data of 静海, as `docs/guide.md` shows them: real lists, real figures.

The demo data is made by the platform's own generators (`demandloop init --demo`), through the actions, so
every status and tier is present. Each step asserts what the person sees before the screenshot is taken.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from demandloop.org.choices import RoleChoices as R
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True), needs_chromium]

DEMO_DEMANDS = 160
# Per district of the city-wide demo (静海 and 南开 in one deployment, with the city desk).
CITY_DEMO_DEMANDS = 60


@pytest.fixture
def demo(live_server: Any, jinghai: Any) -> dict[str, Any]:
    from demandloop.demands.demo import busiest_logins, create_demo_demands
    from demandloop.org.demo import DEMO_PASSWORD, create_demo_enterprises, create_demo_people

    create_demo_people(jinghai)
    create_demo_enterprises(jinghai, 80)
    created = create_demo_demands(jinghai, DEMO_DEMANDS, seed=2026)
    # The logins `demandloop init --demo` prints: the busiest person of each role.
    logins = busiest_logins(jinghai)
    return {"url": live_server.url, "password": DEMO_PASSWORD, "logins": logins, "created": created}


@pytest.fixture
def city_demo(live_server: Any, jinghai: Any, nankai: Any) -> dict[str, Any]:
    """The city-wide demo of `demandloop init --preset all --demo N`: the city desk first, then each district's
    people, enterprises and demands, whose transfers to the city go to the desk."""
    from demandloop.demands.demo import create_demo_demands
    from demandloop.org.demo import (
        DEMO_PASSWORD,
        create_demo_city_desk,
        create_demo_enterprises,
        create_demo_people,
    )

    desk = create_demo_city_desk()
    for district in (jinghai, nankai):
        create_demo_people(district)
        create_demo_enterprises(district, 40)
        assert create_demo_demands(district, CITY_DEMO_DEMANDS, seed=2026) == CITY_DEMO_DEMANDS
    return {"url": live_server.url, "password": DEMO_PASSWORD, "desk": desk}


def jinghai_district() -> Any:
    from demandloop.org.models import District

    return District.objects.get(code="jinghai")


def jinghai_areas() -> int:
    from demandloop.org.models import Area

    return Area.objects.filter(district__code="jinghai").count()


def visit(chromium: Any, demo: dict[str, Any], role: str) -> Person:
    return Person(chromium, demo["url"], demo["logins"][role], password=demo["password"])


def test_guide_screenshots_over_demo_data(chromium, demo, jinghai):
    # One demo for all the guide's pictures (building it is most of the time); each part adds the demo records
    # its pictures need (campaigns and reports, then typical cases) after the parts that count the demands alone.
    assert demo["created"] == DEMO_DEMANDS
    every_role(chromium, demo)
    whistles_and_meetings(chromium, demo)
    typical_cases(chromium, demo, jinghai)


def test_guide_screenshot_of_the_city_desk(chromium, city_demo):
    """The city desk of the city-wide demo: the districts' matters awaiting it, one it has just accepted, and the
    figures of each district."""
    from demandloop.demands.choices import DemandStatusChoices as S
    from demandloop.demands.models import Demand

    desk = Person(chromium, city_demo["url"], city_demo["desk"], password=city_demo["password"])
    assert desk.page.url.endswith("/city/"), "the desk lands on its page"
    awaiting = Demand.objects.filter(status=S.TRANSFERRED, at_city_desk=True)
    listed = desk.page.locator("#city-new tbody tr, #city-working tbody tr")
    assert listed.count() == awaiting.count() > 1, "every matter awaiting the city is listed"
    # Which stories are still open depends on the hour the demo is made at: the page lists the districts the
    # database says, and the demo always leaves the desk something of both.
    districts = set(listed.locator("td:nth-child(2)").all_inner_texts())
    assert districts == set(awaiting.values_list("district__name", flat=True)), "each matter's district"
    answered = Demand.objects.filter(at_city_desk=True).values_list("district__name", flat=True)
    assert set(answered) == {"静海区", "南开区"}, "the transfers of both districts"
    figures = [
        [int(cell) for cell in row.locator("td").all_inner_texts()[1:]]
        for row in desk.page.locator("#by-district tbody tr").all()
    ]
    assert len(figures) == 2 and sum(row[1] for row in figures) == awaiting.count()
    assert all(row[3] > 0 for row in figures), "the demo's older transfers were answered by the desk"
    # The desk accepts the oldest matter, sent on to a city department: it moves to the second list.
    oldest = desk.page.locator("#city-new tbody tr").first.get_attribute("data-demand")
    desk.follow(f"#city-new tr[data-demand='{oldest}'] a", to=f"**/demands/{oldest}/")
    desk.act("city_progress", {"unit": "市发展改革委", "note": "已转市发展改革委牵头办理。"})
    desk.go("/city/")
    assert desk.page.locator(f"#city-working tr[data-demand='{oldest}']").count() == 1
    desk.shot("city-desk", full_page=False)
    desk.close()


def every_role(chromium: Any, demo: dict[str, Any]) -> None:

    hub = visit(chromium, demo, R.HUB)
    assert hub.page.url.endswith("/hub/")
    assert hub.page.locator("#demand-list tbody tr").count() == 30, "the console lists a full page"
    hub.shot("hub-console")
    with hub.page.expect_response(lambda response: "/hub/?" in response.url):
        hub.page.select_option("#id_tier", "3")
    tier_cells = hub.page.locator("#demand-list tbody tr td:nth-child(4)")
    expect(tier_cells.filter(has_not_text=re.compile(r"^\s*3"))).to_have_count(0)  # the list swapped in
    tiers = tier_cells.all_inner_texts()
    assert tiers and all(t.startswith("3") for t in tiers), "the filter keeps tier-3 demands only"
    hub.shot("hub-console-filtered", full_page=False)
    # Several statuses at once, from a dropdown of checkboxes: what still waits for the officers' screening.
    with hub.page.expect_response(lambda response: "/hub/?" in response.url):
        hub.page.select_option("#id_tier", "")
    assert hub.text("#id_status") == "", "nothing chosen: the button shows —"
    hub.page.click("#id_status")
    for box in ("received", "screened"):
        with hub.page.expect_response(lambda response: f"status={box}" in response.url):
            hub.page.check(f"#hub-filters input[name=status][value={box}]")
    status_cells = hub.page.locator("#demand-list tbody tr td:nth-child(3)")
    expect(status_cells.filter(has_text="已甄别").first).to_be_visible()
    statuses = set(status_cells.all_inner_texts())
    assert statuses == {"已受理", "已甄别"}, statuses
    assert hub.page.locator("#id_status span").all_inner_texts() == ["已受理", "已甄别"]
    hub.page.reload()
    assert hub.page.locator("#id_status span").all_inner_texts() == ["已受理", "已甄别"], (
        "kept in the address"
    )
    with hub.page.expect_response(lambda response: "/hub/common-problems/" in response.url):
        hub.page.click("#tab-button-common")
    problems = hub.page.locator("#common-problems [data-problem]")
    problems.first.wait_for()
    counts = [
        int(c)
        for c in hub.page.locator("#common-problems [data-enterprises]").evaluate_all(
            "badges => badges.map(b => b.dataset.enterprises)"
        )
    ]
    assert counts and min(counts) >= 2 and counts == sorted(counts, reverse=True), "most enterprises first"
    hub.shot("hub-common-problems", full_page=False)
    hub.go("/dashboard/")
    hub.page.wait_for_selector(".chart[data-rendered=true]")
    assert int(hub.text("[data-figure=total]")) == DEMO_DEMANDS
    hub.shot("dashboard", full_page=False)
    from demandloop.reports.monthly import Month

    hub.follow("nav >> text=月度通报", to="**/reports/monthly/**")
    hub.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert hub.page.input_value("#id_month") == Month.last_complete().iso, "the last complete month first"
    months = [int(n) for n in hub.page.locator("#trend-table tbody td:nth-child(2)").all_text_contents()]
    assert sum(months) > 0 and len(months) == 12
    assert hub.page.locator("#by-area tbody tr").count() == jinghai_areas(), "every area, ranked or not"
    hub.page.wait_for_selector("#problem-list")
    hub.shot("monthly-report", full_page=False)

    officer = visit(chromium, demo, R.OFFICER)
    assert officer.page.url.endswith("/work/")
    deadlines = officer.page.locator("#demand-list .deadline").all_inner_texts()
    assert deadlines and any("工作日" in text or "超期" in text for text in deadlines)
    officer.shot("officer-workbench")

    coordinator = visit(chromium, demo, R.COORDINATOR)
    assert coordinator.page.url.endswith("/inbox/")
    coordinator.shot("coordinator-inbox")

    leader = visit(chromium, demo, R.LEADER)
    assert leader.page.url.endswith("/leader/")
    assert int(leader.text("[data-figure=total]")) > 0
    leader.shot("leader-view")

    dispatcher = visit(chromium, demo, R.DISPATCHER)
    assert dispatcher.page.url.endswith("/dispatch/")
    dispatcher.shot("dispatcher-work-orders")

    # 定期征询: the demo campaigns are made last, so the figures above count the demo demands alone.
    from demandloop.solicitation.demo import create_demo_campaigns

    assert create_demo_campaigns(jinghai_district()) == 3
    hub.follow("nav >> text=定期征询", to="**/solicitation/")
    assert hub.page.locator("#campaigns tbody tr").count() == 3
    hub.follow("#campaigns >> text=企业用工融资用地问题征询", to="**/solicitation/*/")
    assert "已发布" in hub.text("#campaign-status")
    assert hub.page.locator("#targets tbody tr").count() > 20, "every locality and department asked"
    assert hub.page.locator("#non-responders .non-responder").count() > 0
    assert int(hub.text("#fig-demands")) > 0
    assert hub.page.locator("#problem-table tbody tr a[href^='/demands/']").count() > 0
    hub.shot("solicitation-campaign", full_page=False)

    # 月度通报印发: the demo issues four months before the last one (one corrected), as `init --demo` does.
    from demandloop.reports.demo import create_demo_reports

    assert create_demo_reports(jinghai_district()) == 5
    hub.follow("nav >> text=月度通报", to="**/reports/monthly/**")
    hub.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert hub.text("#issue-status") == "未印发", "the last complete month waits for the hub"
    hub.page.click("#issue-open")
    hub.page.wait_for_selector("#issue-confirm")
    assert "发送给" in hub.text("#issue-confirm-text")
    hub.shot("monthly-report-issue", full_page=False)
    hub.follow("#archive-link", to="**/reports/issued/**")
    rows = hub.page.locator(".issued-reports tbody tr")
    assert rows.count() == 5 and "已更正" in hub.text(".issued-reports")
    hub.shot("monthly-report-archive", full_page=False)
    officer.follow("nav >> text=月度通报", to="**/reports/**")
    assert officer.page.url.endswith("/reports/issued/"), "the officer's 月度通报 is the archive"
    officer.follow(".issued-reports tbody tr >> nth=0 >> a >> nth=0", to="**/reports/issued/*/")
    officer.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert "期" in officer.text("#issue-mark") and "全区共收到企业诉求" in officer.text("#overview")
    officer.shot("monthly-report-issued", full_page=False)
    for p in (hub, officer, coordinator, leader, dispatcher):
        p.close()


def typical_cases(chromium: Any, demo: dict[str, Any], jinghai: Any) -> None:
    from demandloop.knowledge.demo import CASES, create_demo_cases

    assert create_demo_cases(jinghai) == CASES
    hub = visit(chromium, demo, R.HUB)
    hub.follow("nav >> text=典型案例", to="**/cases/")
    assert "等待您审核" in hub.text("#review-waiting")
    assert hub.page.locator("#cases tbody tr").count() == CASES
    hub.page.click("#open-selection")
    hub.page.wait_for_selector("#candidates")
    assert hub.text("#selection-status") == "已发布"
    places = [
        v
        for v in hub.page.locator("#candidates input[type=number]").evaluate_all("i => i.map(e => e.value)")
        if v
    ]
    assert places == [str(n) for n in range(1, 11)], "the published ten in their order"
    assert "个工作日" in hub.text("#candidates") and "满意" in hub.text("#candidates")
    hub.shot("hub-case-selection", full_page=False)

    owner = Person(chromium, demo["url"], demo["logins"][R.ENTERPRISE], password=demo["password"], phone=True)
    owner.go("/cases/showcase/")
    assert owner.page.locator(".showcase-case").count() == 10
    assert "某企业" in owner.text(), "anonymised cases name no enterprise"
    owner.shot("portal-top-ten-cases-phone", full_page=False)
    for p in (hub, owner):
        p.close()


def whistles_and_meetings(chromium: Any, demo: dict[str, Any]) -> None:
    from django.utils import timezone

    from demandloop.meetings.models import Meeting, WhistleResponse
    from demandloop.meetings.queries import agenda_candidates

    district = jinghai_district()
    meetings = Meeting.objects.filter(district=district)
    hub = visit(chromium, demo, R.HUB)
    hub.go("/meetings/")
    hub.page.wait_for_selector("#whistle-figures")
    titles = hub.page.locator("#meetings tbody tr td:nth-child(3)").all_inner_texts()
    assert sorted(titles) == sorted(meetings.values_list("title", flat=True)), "every demo meeting is listed"
    statuses = hub.page.locator("#meetings tbody tr td:nth-child(4)").all_inner_texts()
    assert "已安排" in statuses and "已结束，议定事项已落实" in statuses, "an upcoming meeting and held ones"
    assert meetings.filter(status="planned", scheduled_at__gt=timezone.now()).exists()
    kinds = set(hub.page.locator("#meetings tbody tr td:nth-child(2)").all_inner_texts())
    assert len(kinds) == 3, "joint, coordination and topic meetings"
    # The report-in table: per department, summoned = on time + late + not reported, and all three happen.
    rows = [
        [int(cell) for cell in row.locator("td").all_inner_texts()[1:]]
        for row in hub.page.locator("#whistle-figures tbody tr").all()
    ]
    assert len(rows) >= 5 and all(s == t + late + none for s, t, late, none in rows)
    assert all(sum(row[i] for row in rows) > 0 for i in (1, 2, 3)), "on time, late and not reported"
    assert sum(row[0] for row in rows) == WhistleResponse.objects.filter(whistle__district=district).count()
    decided = [int(c) for c in hub.page.locator("#decision-figures tbody td:nth-child(2)").all_inner_texts()]
    assert sum(decided) >= 4, "the joint meetings' decisions, per lead department"
    waiting = hub.page.locator("#candidates li a").count()
    assert waiting == agenda_candidates(district).count() > 0, "tier-3 demands still waiting for the hub"
    hub.shot("hub-meetings", full_page=False)
    held = meetings.filter(kind="joint", status="concluded").order_by("-scheduled_at").first()
    hub.go(f"/meetings/{held.pk}/")
    hub.page.wait_for_selector("h1")
    assert "议定如下" in hub.text() and "牵头" in hub.text()
    hub.shot("hub-meeting-held", full_page=False)
    hub.close()

"""The city desk (市级专席) of a city-wide deployment, walked in a real browser against a live server.

Both districts are in one deployment, and the city tier is one more level inside it (DESIGN.md §1): 静海's hub
transfers a tier-4 matter to the city without a reference, the desk finds it on its page, accepts it with the city
unit handling it and answers it; the hub reads the answer on the demand and in its messages, and the enterprise
evaluates as usual. The other way out — the desk returns the matter — puts it back at tier 4 with the reason.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import translation

from demandloop.demands.choices import CityChannelChoices, SatisfiedChoices, SolvedChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand
from demandloop.org.choices import RoleChoices as R
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

TITLE = "跨区域输变电线路迁改需市级协调"
CONTENT = "企业新厂区用地内有一条110千伏输电线路，迁改涉及市级电网规划和跨区协调，区级无法解决。"
UNIT = "市发展改革委"
# What only the city says on a transferred matter.
CITY_STEPS = {A.CITY_PROGRESS, A.RESOLVE, A.CITY_RETURN}
ANSWER = "市发展改革委已会同国网天津电力将线路迁改纳入今年电网规划，由市电力公司直接对接企业。"


def label(choice: Any) -> str:
    """What the page shows for a choice: its Chinese label."""
    with translation.override("zh-hans"):
        return str(choice.label)


@pytest.fixture
def city(live_server: Any, make_user: Any, jinghai: Any, nankai: Any) -> dict[str, Any]:
    """A city-wide deployment: 静海 and 南开, and a city desk serving both (role city, no district). In 静海 an
    enterprise of area 1 with its account, the officer of area 1, the market-regulation
    bureau's coordinator and the hub; 南开 has its own hub, who hears nothing of 静海's matters."""
    from demandloop.enterprises.models import Enterprise
    from demandloop.org.models import Area, Department
    from demandloop.web.tests.conftest import uscc_for

    market = Department.objects.get(district=jinghai, code="scjgj")
    area1 = Area.objects.filter(district=jinghai).order_by("order").first()
    enterprise = Enterprise.objects.create(
        district=jinghai,
        uscc=uscc_for("jinghai", 1),
        name="静海华泰钢管有限公司",
        area=area1,
        locality=area1.locality,
    )
    return {
        "live_server": live_server,
        "district": jinghai,
        "enterprise": enterprise,
        "market": market,
        "tax": Department.objects.get(district=jinghai, code="swj"),
        "owner": make_user("huatai", R.ENTERPRISE, jinghai, enterprise=enterprise, full_name="张总"),
        "officer": make_user("liwei", R.OFFICER, jinghai, areas=[area1], full_name="李伟"),
        "coordinator": make_user("wangfang", R.COORDINATOR, jinghai, department=market, full_name="王芳"),
        "hub": make_user("zhoujing", R.HUB, jinghai, full_name="周静"),
        "nankai_hub": make_user("nkhub", R.HUB, nankai, full_name="南开政务服务办"),
        "desk": make_user("shizhuanxi", R.CITY, None, full_name="刘洋"),
    }


def person(chromium: Any, city: dict[str, Any], who: str, *, phone: bool = False) -> Person:
    return Person(chromium, city["live_server"].url, city[who].username, phone=phone)


def escalated_to_tier_four(city: dict[str, Any], *, title: str = TITLE, content: str = CONTENT) -> Demand:
    """A demand the officer registered from a visit (with the enterprise's contact person), screened, triaged to
    tier 2 under the market-regulation bureau, accepted there, escalated to the joint meeting, decided there (the tax bureau joining), and escalated to
    tier 4 as beyond the district's powers: "escalated", awaiting the hub at tier 4."""
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices, ComplexityChoices
    from demandloop.org.models import Domain, Tier

    district, hub, market = city["district"], city["hub"], city["market"]
    demand = actions.do_receive(
        city["officer"],
        enterprise=city["enterprise"],
        channel=ChannelChoices.OFFICER,
        source="visit",
        title=title,
        content=content,
        contact_name="张建国",
        contact_phone="13912345678",
    )
    actions.do_screen(demand, city["officer"], in_scope=True)
    actions.do_triage(
        demand,
        city["officer"],
        domain=Domain.objects.get(district=district, code="public"),
        complexity=ComplexityChoices.COMPLEX,
        tier=Tier.objects.get(district=district, level=2),
        lead_department=market,
    )
    actions.do_dispatch(demand, hub, lead_department=market)
    actions.do_accept(demand, city["coordinator"])
    actions.do_escalate(demand, hub, reason="multi_department", note="需多部门会商")
    actions.do_decide(
        demand,
        hub,
        lead_department=market,
        co_departments=[city["tax"]],
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )
    demand = actions.do_escalate(
        demand, hub, reason="not_solvable", note="涉及市级电网规划，区级职责权限无法解决"
    )
    assert (demand.status, demand.tier.level) == (S.ESCALATED, 4)
    return demand


def hub_transfers_to_the_city(hub: Person, demand: Demand) -> None:
    """The hub opens the tier-4 demand, where 提交市级 leads, and transfers it through 市政务服务办 with no
    reference: the help text says the desk takes it under the demand's own number."""
    hub.open_demand(demand.pk)
    assert hub.page.locator("#form-transfer").is_visible(), (
        "at tier 4 the transfer to the city is opened first"
    )
    reference = hub.page.locator("#form-transfer .field-city_reference")
    assert reference.is_visible(), "a reference may still be given, when the city already holds the matter"
    assert "本平台的市级专席按诉求编号接收" in reference.inner_text()
    hub.act(
        "transfer",
        {
            "city_channel": CityChannelChoices.CITY_OFFICE.value,
            "note": "区级职责权限无法解决，提请市级协调。",
        },
    )
    assert label(S.TRANSFERRED) in hub.text("#demand-status")
    assert hub.page.locator(".field-city_reference .invalid-feedback").count() == 0, (
        "no reference was asked for"
    )


def offered_actions(who: Person) -> list[str]:
    """The actions the page offers the person, in their order."""
    items = who.page.locator("#actions .accordion-item")
    return [name.removeprefix("action-") for name in items.evaluate_all("items => items.map(i => i.id)")]


def desk_row(desk: Person, table: str, demand: Demand) -> Any:
    return desk.page.locator(f"#{table} tr[data-demand='{demand.pk}']")


def district_figures(desk: Person, code: str) -> list[int]:
    """A district's row of 各区提交情况: transferred, awaiting the city, of them accepted, answered, returned."""
    cells = desk.page.locator(f"#by-district tr[data-district='{code}'] td").all_inner_texts()
    return [int(cell) for cell in cells[1:]]


def city_desk_messages(who: Person) -> list[tuple[str, str]]:
    """The subjects and bodies of the person's messages about the city desk, newest first."""
    who.go("/messages/?topic=city_desk")
    items = who.page.locator("#messages a[data-topic=city_desk]")
    return [(item.locator(".message-subject").inner_text(), item.inner_text()) for item in items.all()]


def test_the_city_desk_accepts_and_answers_a_districts_transfer(chromium, city):
    demand = escalated_to_tier_four(city)
    untransferred = escalated_to_tier_four(
        city, title="厂区周边道路照明不足", content="厂区周边道路夜间无路灯。"
    )

    hub = person(chromium, city, "hub")
    hub_transfers_to_the_city(hub, demand)
    demand.refresh_from_db()
    assert demand.status == S.TRANSFERRED and demand.at_city_desk, "the platform's own desk holds the matter"
    assert (demand.city_channel, demand.city_reference) == (CityChannelChoices.CITY_OFFICE, "")
    assert not hub.page.locator("#city-matter").count(), "nothing went to the 津产发 integration"
    assert "区级职责权限无法解决" in hub.text(".timeline li[data-action=transfer]")

    # The desk signs in to its own page: the matter waits to be accepted, with its district and enterprise.
    desk = person(chromium, city, "desk")
    assert desk.page.url.endswith("/city/"), "the desk's landing page"
    assert "市级专席" in desk.text("nav")
    row = desk_row(desk, "city-new", demand)
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == f"#{demand.pk} {TITLE}"
    assert cells[1:5] == ["静海区", "静海华泰钢管有限公司", label(CityChannelChoices.CITY_OFFICE), "—"]
    assert cells[6].isdigit(), "the working days it has waited"
    assert desk.page.locator("#city-new tbody tr").count() == 1, "only what was transferred to the city"
    assert desk.page.locator("#city-working").count() == 0 and "没有办理中的诉求" in desk.text("main")
    assert district_figures(desk, "jinghai") == [1, 1, 0, 0, 0]
    assert district_figures(desk, "nankai") == [0, 0, 0, 0, 0], "every district served is listed"
    assert f"静海区提交市级诉求 #{demand.pk}：{TITLE}" in city_desk_messages(desk)[0][0], "the desk was told"

    desk.go("/city/")
    desk.follow(f"#city-new tr[data-demand='{demand.pk}'] a", to=f"**/demands/{demand.pk}/")
    assert TITLE in desk.text("h1") and label(S.TRANSFERRED) in desk.text("#demand-status")
    page = desk.text("main")
    assert "13912345678" not in page and "139****5678" in page, "the desk reads the contact masked"
    offered = offered_actions(desk)
    assert offered[0] == A.CITY_PROGRESS and {A.RESOLVE, A.CITY_RETURN} <= set(offered), offered
    assert not set(offered) & {A.TRANSFER, A.DECIDE, A.ESCALATE, A.DISPATCH}, (
        "the district's steps stay its own"
    )
    assert desk.page.locator("#form-city_progress").is_visible(), "accepting the matter comes first"
    assert desk.page.input_value("#id_city_progress-stage") == "accepted"
    desk.act("city_progress", {"unit": UNIT, "note": "已转市发展改革委牵头办理。"})
    assert label(S.TRANSFERRED) in desk.text("#demand-status"), "accepted, the matter still awaits the city"
    progress = desk.text(".timeline li[data-action=city_progress]")
    assert "刘洋" in progress and f"市级已受理，{UNIT}：已转市发展改革委牵头办理。" in progress
    assert desk.page.input_value("#id_city_progress-stage") == "in_progress", "next, progress is reported"

    desk.go("/city/")
    assert desk_row(desk, "city-new", demand).count() == 0 and "没有待受理的诉求" in desk.text("main")
    assert desk_row(desk, "city-working", demand).count() == 1
    assert district_figures(desk, "jinghai") == [1, 1, 1, 0, 0]

    desk.open_demand(demand.pk)
    desk.page.click("#action-resolve .accordion-button")
    desk.page.locator("#form-resolve").wait_for(state="visible")
    assert "市级答复" in desk.text("#form-resolve label[for=id_resolve-result]")
    assert desk.text("button[name=submit-resolve]") == "答复办结"
    assert desk.page.locator("#form-resolve .form-notice").count() == 0, (
        "the desk's own answer needs no warning"
    )
    desk.act("resolve", {"result": ANSWER})
    assert label(S.RESOLVED) in desk.text("#demand-status")
    assert ANSWER in desk.text("#demand-result")
    assert not set(offered_actions(desk)) & CITY_STEPS, "answered, the city has no more to say"
    desk.go("/city/")
    assert desk.page.locator(f"tr[data-demand='{demand.pk}']").count() == 0, "answered: off both lists"
    assert district_figures(desk, "jinghai") == [1, 0, 0, 1, 0]

    # The desk reaches what was transferred to it and nothing else of the district.
    assert desk.go(f"/demands/{untransferred.pk}/").status == 404
    assert "厂区周边道路照明不足" not in desk.text()
    assert desk.go(f"/enterprises/{city['enterprise'].pk}/").status == 404, "nor the enterprise ledger"
    assert desk.go("/hub/").status == 404 and desk.go("/work/").status == 404, "nor the district's pages"

    # The hub reads the city's answer on the demand, and each step of the desk in its messages.
    hub.open_demand(demand.pk)
    assert label(S.RESOLVED) in hub.text("#demand-status")
    assert ANSWER in hub.text("#demand-result")
    timeline = hub.page.locator(".timeline li")
    actions_seen = timeline.evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions_seen[-3:] == [A.TRANSFER, A.CITY_PROGRESS, A.RESOLVE]
    assert f"市级已受理，{UNIT}" in hub.text(".timeline li[data-action=city_progress]")
    resolved = hub.text(".timeline li[data-action=resolve]")
    assert "刘洋" in resolved and label(S.RESOLVED) in resolved, "the desk answered it"
    assert "13912345678" in hub.text("main"), "the hub reads the contact in full"
    messages = city_desk_messages(hub)
    assert [subject for subject, _ in messages] == [
        f"市级专席已答复诉求 #{demand.pk}：{TITLE}",
        f"市级专席反馈诉求 #{demand.pk} 办理进展：{TITLE}",
    ]
    assert ANSWER[:40] in messages[0][1], "the answer is in the message"
    assert UNIT in messages[1][1]
    hub.follow("#messages a[data-topic=city_desk] >> nth=0", to=f"**/demands/{demand.pk}/")
    assert ANSWER in hub.text("#demand-result")
    assert city_desk_messages(person(chromium, city, "nankai_hub")) == [], "南开 hears nothing of 静海's"

    # The enterprise reads the answer and rates it as for any resolved demand.
    owner = person(chromium, city, "owner", phone=True)
    owner.open_demand(demand.pk)
    assert ANSWER in owner.text("#demand-result")
    owner.check("#id_evaluate-solved_0")
    owner.check("#id_evaluate-satisfied_0")
    owner.page.click("button[name=submit-evaluate]")
    owner.page.wait_for_load_state()
    assert label(S.EVALUATED) in owner.text("#demand-status")
    assert label(SolvedChoices.SOLVED) in owner.text("#demand-evaluation")
    assert label(SatisfiedChoices.SATISFIED) in owner.text("#demand-evaluation")
    for p in (hub, desk, owner):
        p.close()


def test_the_city_desk_returns_a_transfer_and_the_district_has_it_again(chromium, city):
    demand = escalated_to_tier_four(city)
    hub = person(chromium, city, "hub")
    hub_transfers_to_the_city(hub, demand)

    desk = person(chromium, city, "desk")
    desk.follow(f"#city-new tr[data-demand='{demand.pk}'] a", to=f"**/demands/{demand.pk}/")
    desk.page.click("#action-city_return .accordion-button")
    desk.page.locator("#form-city_return").wait_for(state="visible")
    desk.submit("button[name=submit-city_return]")
    assert desk.page.locator("#form-city_return .invalid-feedback").count() == 1, "a return says why"
    assert label(S.TRANSFERRED) in desk.text("#demand-status")
    desk.act("city_return", {"reason": "请区级先出具规划部门的书面意见，再行提交。"})
    assert label(S.ESCALATED) in desk.text("#demand-status"), "returned, the matter is the district's again"
    assert not set(offered_actions(desk)) & CITY_STEPS, "the desk still reads it, and has no step on it"
    desk.go("/city/")
    assert desk.page.locator(f"tr[data-demand='{demand.pk}']").count() == 0
    assert district_figures(desk, "jinghai") == [1, 0, 0, 0, 1]

    hub.open_demand(demand.pk)
    assert label(S.ESCALATED) in hub.text("#demand-status")
    assert hub.text("#demand-tier").startswith("4"), "back at tier 4"
    returned = hub.text(".timeline li[data-action=city_return]")
    assert "刘洋" in returned and "请区级先出具规划部门的书面意见" in returned
    assert hub.page.locator("#form-transfer").is_visible(), "the hub may transfer it again"
    subject, text = city_desk_messages(hub)[0]
    assert subject == f"市级专席退回诉求 #{demand.pk}：{TITLE}" and "规划部门的书面意见" in text
    for p in (hub, desk):
        p.close()

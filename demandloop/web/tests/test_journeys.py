"""The main journeys of every role, walked in a real browser (Chromium through Playwright) against a live server.

Each step asserts what the person sees on the page: the status, the deadline, the plan, the redirect text, the
Chinese error page. The screenshots taken on the way illustrate `docs/guide.md`.
"""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.utils import translation

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.choices import SatisfiedChoices, SolvedChoices
from demandloop.demands.models import Demand
from demandloop.org.choices import RoleChoices as R
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def label(choice: Any) -> str:
    """What the page shows for a choice: its Chinese label."""
    with translation.override("zh-hans"):
        return str(choice.label)


def label_of(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def in_a_week() -> str:
    return (datetime.date.today() + datetime.timedelta(days=7)).isoformat()


@pytest.fixture
def people(live_server: Any, make_user: Any, jinghai: Any) -> dict[str, Any]:
    """静海: an enterprise of area 1 with its account, the officers of areas 1 and 2, the market-regulation
    bureau's coordinator and lead, the hub and a leader of area 1."""
    from demandloop.enterprises.models import Enterprise
    from demandloop.knowledge.handbook import load_handbook
    from demandloop.org.models import Area, Department, LeaderPost
    from demandloop.web.tests.conftest import uscc_for

    area1, area2 = Area.objects.filter(district=jinghai).order_by("order")[:2]
    market = Department.objects.get(district=jinghai, code="scjgj")
    tax = Department.objects.get(district=jinghai, code="swj")
    load_handbook("jinghai")
    enterprise = Enterprise.objects.create(
        district=jinghai,
        uscc=uscc_for("jinghai", 1),
        name="静海华泰钢管有限公司",
        area=area1,
        locality=area1.locality,
    )
    post = LeaderPost.objects.create(district=jinghai, code="test-leader", title="副区长")
    post.areas.set([area1])
    officer = make_user("liwei", R.OFFICER, jinghai, areas=[area1], full_name="李伟")
    officer.phone = "13800001111"
    officer.save()
    return {
        "live_server": live_server,
        "district": jinghai,
        "enterprise": enterprise,
        "market": market,
        "tax": tax,
        "owner": make_user("huatai", R.ENTERPRISE, jinghai, enterprise=enterprise, full_name="张总"),
        "officer": officer,
        "other_officer": make_user("zhaomin", R.OFFICER, jinghai, areas=[area2], full_name="赵敏"),
        "coordinator": make_user("wangfang", R.COORDINATOR, jinghai, department=market, full_name="王芳"),
        "tax_coordinator": make_user("sunqiang", R.COORDINATOR, jinghai, department=tax, full_name="孙强"),
        "hub": make_user("zhoujing", R.HUB, jinghai, full_name="周静"),
        "leader": make_user("chenming", R.LEADER, jinghai, leader_post=post, full_name="陈明"),
        "dispatcher": make_user("wugang", R.DISPATCHER, jinghai, full_name="吴刚"),
    }


def person(chromium: Any, people: dict[str, Any], who: str, *, phone: bool = False) -> Person:
    return Person(chromium, people["live_server"].url, people[who].username, phone=phone)


def officer_registers(
    people: dict[str, Any], n: int, title: str, content: str, *, source: str = "phone", **kwargs: Any
) -> None:
    """The officer registers `n` demands of the enterprise (titles numbered 0 … n-1) through the action."""
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices

    for i in range(n):
        actions.do_receive(
            people["officer"],
            enterprise=people["enterprise"],
            channel=ChannelChoices.OFFICER,
            source=source,
            title=f"{title}{i}",
            content=content,
            **kwargs,
        )


def submit_from_portal(owner: Person, title: str, content: str, tmp_path: Any, *, shot: str = "") -> int:
    owner.go("/portal/new/")
    owner.page.fill("#id_title", title)
    # Typed key by key, as a person does: the handbook's answers follow the words (htmx on keyup).
    owner.page.type("#id_content", content, delay=5)
    attachment = tmp_path / "营业执照.pdf"
    attachment.write_bytes(b"%PDF-1.4\n% test attachment\n%%EOF\n")
    owner.page.set_input_files("#id_attachments", str(attachment))
    if shot:
        if "消防验收" in content:
            owner.page.wait_for_selector(".faq-suggestions")
            assert "消防验收" in owner.text(".faq-suggestions"), "a matching answer shows while typing"
        owner.shot(shot)
    owner.page.click("main button[type=submit]")
    owner.page.wait_for_url("**/demands/*/")
    return int(owner.page.url.rstrip("/").rsplit("/", 1)[1])


def test_it_walks_a_demand_from_the_portal_to_the_enterprise_rating(chromium, people, tmp_path):
    from demandloop.org.models import Domain, Tier

    district = people["district"]
    owner = person(chromium, people, "owner", phone=True)
    portal_text = owner.text()
    assert "李伟" in portal_text and "13800001111" in portal_text, "the enterprise sees its officer and phone"
    owner.shot("portal-home-phone")

    owner.go("/portal/policies/")
    owner.page.fill("input[name=q]", "消防验收")
    owner.page.press("input[name=q]", "Enter")
    owner.page.wait_for_load_state()
    assert "建设工程消防验收由谁办理" in owner.text("#faq"), "the handbook answers the enterprise's question"
    owner.shot("portal-policies-phone")

    number = submit_from_portal(
        owner,
        "厂房扩建消防验收咨询",
        "我公司厂房扩建后需要办理消防验收，想了解需要准备哪些材料、多久能办完。",
        tmp_path,
        shot="portal-submit-phone",
    )
    assert label(S.RECEIVED) in owner.text("#demand-status")
    assert "营业执照.pdf" in owner.text()
    owner.shot("portal-demand-received-phone")

    # On the officer's phone the work list is a card per demand, the new one waiting to be screened.
    on_phone = person(chromium, people, "officer", phone=True)
    card = on_phone.page.locator(f"#demand-list tr[data-demand='{number}']")
    assert "待甄别" in card.inner_text()
    assert not on_phone.page.locator("#demand-list thead").is_visible(), "no column headings on a phone"
    title_box, card_box = card.locator(".stack-main").bounding_box(), card.bounding_box()
    assert title_box["width"] > 0.85 * card_box["width"], "the demand's title runs across its card"
    on_phone.shot("officer-workbench-phone")
    on_phone.close()

    officer = person(chromium, people, "officer")
    workbench = officer.text()
    assert "厂房扩建消防验收咨询" in workbench and "静海华泰钢管有限公司" in workbench
    officer.shot("officer-workbench-journey")
    officer.open_demand(number)
    officer.act("screen")
    assert label(S.SCREENED) in officer.text("#demand-status")
    domain = Domain.objects.get(district=district, code="market")
    tier2 = Tier.objects.get(district=district, level=2)
    officer.act(
        "triage",
        {
            "domain": str(domain.pk),
            "complexity": "complex",
            "tier": str(tier2.pk),
            "lead_department": str(people["market"].pk),
        },
    )
    assert label(S.TRIAGED) in officer.text("#demand-status")
    assert "工作日" in officer.text(".deadline"), "the response deadline is counted in working days"
    officer.shot("officer-demand-triaged")
    officer.act("dispatch", {"lead_department": str(people["market"].pk)})
    assert label(S.DISPATCHED) in officer.text("#demand-status")
    assert "区市场监管局" in officer.text("#demand-lead")

    coordinator = person(chromium, people, "coordinator")
    assert "厂房扩建消防验收咨询" in coordinator.text(), "the dispatched demand is in the department's inbox"
    coordinator.shot("coordinator-inbox-journey")
    coordinator.open_demand(number)
    coordinator.act("accept")
    assert label(S.IN_PROGRESS) in coordinator.text("#demand-status")
    coordinator.act("plan", {"plan": "派员上门指导，材料齐全后3个工作日内完成验收。", "eta": in_a_week()})
    assert label(S.PLANNED) in coordinator.text("#demand-status")
    assert "派员上门指导" in coordinator.text("#demand-plan")
    coordinator.shot("coordinator-plan-given")

    officer.open_demand(number)
    officer.act("inform", {"note": "已电话告知张总方案和预计完成时间。"})
    assert label(S.INFORMED) in officer.text("#demand-status")

    coordinator.open_demand(number)
    coordinator.act("resolve", {"result": "已完成消防验收，出具验收意见书。"})
    assert label(S.RESOLVED) in coordinator.text("#demand-status")

    owner.open_demand(number)
    assert "已完成消防验收" in owner.text("#demand-result")
    owner.check("#id_evaluate-solved_0")
    owner.check("#id_evaluate-satisfied_0")
    owner.page.fill("#id_evaluate-comment", "服务很及时，谢谢！")
    owner.shot("portal-evaluate-phone")
    owner.page.click("button[name=submit-evaluate]")
    owner.page.wait_for_load_state()
    assert label(S.EVALUATED) in owner.text("#demand-status")
    assert label(SolvedChoices.SOLVED) in owner.text("#demand-evaluation")
    assert label(SatisfiedChoices.SATISFIED) in owner.text("#demand-evaluation")
    timeline = owner.text(".timeline")
    for person_name in ("张总", "李伟", "王芳"):
        assert person_name in timeline, f"the timeline names {person_name}"
    owner.shot("portal-demand-evaluated-phone")

    demand = Demand.objects.get(pk=number)
    assert demand.status == S.EVALUATED and demand.attachments.count() == 1
    assert [e.action for e in demand.events.order_by("at", "pk")] == [
        "receive",
        "attach",
        "screen",
        "triage",
        "dispatch",
        "accept",
        "plan",
        "inform",
        "resolve",
        "evaluate",
    ]
    for p in (owner, officer, coordinator):
        p.close()


def test_it_screens_out_a_lawsuit_and_keeps_it_from_other_areas(chromium, people, tmp_path):
    from demandloop.org.models import Exclusion

    owner = person(chromium, people, "owner", phone=True)
    number = submit_from_portal(
        owner, "劳动仲裁结果不服", "对劳动仲裁结果不服，要求重新处理并追究相关人员责任。", tmp_path
    )

    officer = person(chromium, people, "officer")
    officer.open_demand(number)
    litigation = Exclusion.objects.get(district=people["district"], code="litigation")
    officer.check("#id_screen-in_scope_1")
    officer.act("screen", {"exclusion": str(litigation.pk), "note": "属涉法涉诉事项。"})
    assert label(S.OUT_OF_SCOPE) in officer.text("#demand-status")

    owner.open_demand(number)
    assert litigation.redirect_text[:10] in owner.text("#demand-redirect"), (
        "the enterprise is told where to go"
    )
    owner.shot("portal-out-of-scope-phone")

    stranger = person(chromium, people, "other_officer")
    response = stranger.go(f"/demands/{number}/")
    assert response.status == 404
    page_text = stranger.text()
    assert "页面不存在" in page_text or "Page not found" in page_text
    assert "劳动仲裁" not in page_text, "the error page says nothing about the demand"
    stranger.shot("error-404")
    stranger.go("/work/")
    assert "劳动仲裁" not in stranger.text(), "nor does the workbench of another area"
    for p in (owner, officer, stranger):
        p.close()


def triaged_at_tier_2(people: dict[str, Any], domain: str, *, title: str, content: str) -> Any:
    """A complex demand the officer registered from a visit, screened and triaged to tier 2, the market-
    regulation bureau leading."""
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices, ComplexityChoices
    from demandloop.org.models import Domain, Tier

    district = people["district"]
    demand = actions.do_receive(
        people["officer"],
        enterprise=people["enterprise"],
        channel=ChannelChoices.OFFICER,
        source="visit",
        title=title,
        content=content,
    )
    actions.do_screen(demand, people["officer"], in_scope=True)
    return actions.do_triage(
        demand,
        people["officer"],
        domain=Domain.objects.get(district=district, code=domain),
        complexity=ComplexityChoices.COMPLEX,
        tier=Tier.objects.get(district=district, level=2),
        lead_department=people["market"],
    )


def test_it_escalates_to_tier_three_and_records_the_decision(chromium, people):

    demand = triaged_at_tier_2(
        people,
        "public",
        title="园区道路破损影响货车通行",
        content="园区主路破损严重，涉及住建、城管和交通多个部门，企业货车无法正常通行。",
    )

    hub = person(chromium, people, "hub")
    hub.open_demand(demand.pk)
    hub.act("escalate", {"reason": "multi_department", "note": "片区统筹后仍无法解决，提请联席会商。"})
    assert label(S.ESCALATED) in hub.text("#demand-status")
    assert hub.text("#demand-tier").startswith("3"), "the demand now sits at tier 3"

    hub.go("/hub/")
    hub.page.click("button[data-bs-target='#tab-decision']")
    hub.page.wait_for_selector("#tab-decision.show [data-demand]")
    assert "园区道路破损影响货车通行" in hub.text("#tab-decision"), "it waits in the tier-3 queue"
    hub.shot("hub-tier3-queue")
    hub.open_demand(demand.pk)
    hub.choose("id_decide-co_departments", str(people["tax"].pk))
    hub.act(
        "decide",
        {
            "lead_department": str(people["market"].pk),
            "deadline": in_a_week(),
            "note": "联席会议决定：市场监管局牵头，税务局配合。",
        },
    )
    assert label(S.IN_PROGRESS) in hub.text("#demand-status")
    assert "区市场监管局" in hub.text("#demand-lead")
    assert "区税务局" in hub.text()
    hub.shot("hub-decision-recorded")

    coordinator = person(chromium, people, "coordinator")
    assert "园区道路破损影响货车通行" in coordinator.text(), "the lead department finds it in its inbox"
    tax = person(chromium, people, "tax_coordinator")
    tax.open_demand(demand.pk)
    assert "园区道路破损影响货车通行" in tax.text("h1"), "the co-department reaches it too"

    leader = person(chromium, people, "leader")
    assert "园区道路破损影响货车通行" in leader.text(), "the leader of the area sees the escalated matter"
    leader.shot("leader-view-journey")
    for p in (hub, coordinator, tax, leader):
        p.close()


def test_it_blows_the_whistle_and_the_summoned_department_reports_in(chromium, people):
    from demandloop.demands import actions
    from demandloop.demands.choices import ChannelChoices

    demand = actions.do_receive(
        people["officer"],
        enterprise=people["enterprise"],
        channel=ChannelChoices.OFFICER,
        source="symposium",
        title="新厂区办理税务登记和排污许可",
        content="新厂区投产前需要同时办理税务登记变更和排污许可，涉及多个部门。",
    )
    officer = person(chromium, people, "officer")
    officer.open_demand(demand.pk)
    officer.page.click("#whistle-panel summary")
    officer.choose("id_whistle-departments", str(people["tax"].pk))
    officer.page.fill("#id_whistle-reason", "请税务局派员到企业现场指导税务登记变更。")
    officer.shot("officer-whistle")
    officer.page.click("button[name=submit-whistle]")
    officer.page.wait_for_load_state()
    assert "区税务局" in officer.text(".whistle") and label_of("not yet reported in") in officer.text(
        ".whistle"
    )

    tax = person(chromium, people, "tax_coordinator")
    summons = tax.text("#summons")
    assert "新厂区办理税务登记和排污许可" in summons and "请税务局派员" in summons
    tax.page.fill("#summons textarea[name=note]", "明天上午派员到企业现场。")
    tax.shot("coordinator-report-in")
    tax.page.click("#summons button[type=submit]")
    tax.page.wait_for_load_state()
    assert tax.page.locator("#summons").count() == 0, "nothing is left to report in"

    officer.open_demand(demand.pk)
    whistle = officer.text(".whistle")
    assert label_of("reported in") in whistle and "明天上午派员到企业现场" in whistle
    for p in (officer, tax):
        p.close()


def test_it_registers_a_visit_found_by_credit_code_and_a_12345_order(chromium, people, tmp_path):
    enterprise = people["enterprise"]
    officer = person(chromium, people, "officer")
    officer.go("/demands/new/")
    # Sent empty: each missing field says so; a field given its value loses its error, the others keep theirs.
    officer.submit("#register-form button[type=submit]")
    required = label_of("This field is required.")
    assert required in officer.text(".field-title") and required in officer.text(".field-content")
    choose_first = label_of("Find and choose the enterprise first.")
    assert choose_first in officer.text("#register-form")
    officer.page.fill("#enterprise-q", enterprise.uscc[:10])
    assert choose_first in officer.text("#register-form"), "typing a search chooses nothing yet"
    officer.page.click(".enterprise-result")
    officer.page.wait_for_selector("#chosen-enterprise")
    assert choose_first not in officer.text("#register-form"), "the enterprise is chosen now"
    officer.page.fill("#id_title", "招")
    assert required not in officer.text(".field-title") and required in officer.text(".field-content")
    assert officer.page.locator("#id_title.is-invalid").count() == 0
    assert "静海华泰钢管有限公司" in officer.text("#chosen-enterprise")
    assert "李伟" in officer.text("#chosen-enterprise"), "the chosen enterprise shows its officer"
    assert officer.text("#enterprise-results").strip() == "", "the search results close once one is chosen"
    officer.page.select_option("#id_channel", "officer")
    # The direct line asks how the officer heard of it; the 12345 number is not asked (web.forms.ask_when).
    assert officer.page.is_visible(".field-source") and officer.page.is_hidden(".field-hotline_number")
    officer.page.select_option("#id_source", "visit")
    officer.page.fill("#id_title", "招工难，希望对接人社部门招聘会")
    officer.page.type(
        "#id_content", "走访中企业反映一线工人缺口30人，希望参加区人社局组织的招聘会。", delay=5
    )
    # The router's suggestion (issue 6) follows the words: departments with the words that decided them.
    officer.page.wait_for_selector(".routing-decision", timeout=90000)
    assert "区人社局" in officer.text(".routing-decision"), "the router points to the labour bureau"
    officer.shot("officer-register")
    officer.page.fill("#id_contact_name", "张总")
    officer.page.fill("#id_contact_phone", "13912345678")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    officer.page.set_input_files("#id_attachments", str(photo))
    officer.page.click("#register-form button[type=submit]")
    officer.page.wait_for_url("**/demands/*/")
    assert label(S.RECEIVED) in officer.text("#demand-status")
    page = officer.text()
    assert "招工难" in page and "现场照片.png" in page and "13912345678" in page
    demand = Demand.objects.get(title="招工难，希望对接人社部门招聘会")
    assert (demand.channel, demand.source, demand.enterprise_id) == ("officer", "visit", enterprise.pk)

    other = person(chromium, people, "other_officer")
    other.go("/demands/new/")
    other.page.fill("#enterprise-q", "华泰")
    other.page.wait_for_selector("#enterprise-results p")
    assert "静海华泰钢管有限公司" not in other.text("#enterprise-results"), (
        "another area's officer cannot find it"
    )

    dispatcher = person(chromium, people, "dispatcher")
    dispatcher.go("/demands/new/")
    dispatcher.page.fill("#enterprise-q", "华泰钢管")
    dispatcher.page.click(".enterprise-result")
    dispatcher.page.wait_for_selector("#chosen-enterprise")
    dispatcher.page.select_option("#id_channel", "hotline")
    assert dispatcher.page.is_visible(".field-hotline_number") and dispatcher.page.is_hidden(".field-source")
    dispatcher.page.fill("#id_title", "企业反映园区路灯损坏")
    dispatcher.page.fill("#id_content", "12345来电：园区门口路灯损坏一个月，夜间员工下班不安全。")
    dispatcher.page.click("#register-form button[type=submit]")
    assert label_of("A 12345 demand needs its work-order number.") in dispatcher.text(".field-hotline_number")
    dispatcher.page.fill("#id_hotline_number", "GD20261122001")
    dispatcher.page.click("#register-form button[type=submit]")
    dispatcher.page.wait_for_url("**/demands/*/")
    assert Demand.objects.get(hotline_number="GD20261122001").channel == "hotline"
    dispatcher.go("/dispatch/")
    assert "企业反映园区路灯损坏" in dispatcher.text(), "the work order waits to be screened and dispatched"
    dispatcher.shot("dispatcher-registered")
    for p in (officer, other, dispatcher):
        p.close()


def test_it_shows_the_dashboard_with_charts_and_their_tables(chromium, people):

    officer_registers(people, 3, "用电增容申请", "新上生产线需要增加用电容量，请协调供电部门。")
    hub = person(chromium, people, "hub")
    hub.go("/dashboard/")
    hub.page.wait_for_selector(".chart[data-rendered=true]")
    assert hub.page.locator(".chart svg").count() == 3, "three charts are drawn"
    assert hub.text("[data-figure=total]") == "3"
    assert "静海镇片区" in hub.text("#area-table"), "the table under the chart names the area"
    hub.shot("dashboard-first-demands")
    hub.close()


def test_the_hub_reads_the_monthly_report_and_downloads_it_as_word(chromium, people, tmp_path):
    import io

    from django.utils import timezone
    from docx import Document

    officer_registers(
        people, 2, "招工用工对接", "企业扩产需要招聘一线工人，请人社部门对接用工。", source="visit"
    )
    month = timezone.localdate().strftime("%Y-%m")
    hub = person(chromium, people, "hub")
    hub.follow("nav >> text=月度通报", to="**/reports/monthly/**")
    hub.page.fill("#id_month", month)
    hub.page.click("#report-form button[type=submit]")
    hub.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert hub.text("#report-title") == "静海区“政企同行·有需必应”工作月度通报"
    assert "全区共收到企业诉求2件" in hub.text("#overview")
    assert "本月尚未结束" in hub.text("#as-of")
    assert hub.page.locator("#trend-chart svg").count() == 1
    assert "静海镇片区" in hub.text("#by-area")
    hub.page.wait_for_selector("#problem-list")
    hub.shot("monthly-report-first-demands")
    with hub.page.expect_download() as download:
        hub.page.click("#download-docx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    year, number = month.split("-")
    assert saved.name == f"静海区“政企同行·有需必应”工作月度通报（{year}年{int(number)}月）.docx"
    document = Document(io.BytesIO(saved.read_bytes()))
    assert document.paragraphs[0].text == "静海区“政企同行·有需必应”工作月度通报"
    hub.close()


def test_the_hub_issues_last_months_report_and_an_area_officer_reads_it_from_the_message(
    chromium, people, tmp_path
):
    """The hub opens last month's draft, confirms the issue (the number it takes, the people told) and lands on
    the issued report; the area officer finds the message in the navigation, opens the report from it and
    downloads the Word document with its number — the draft itself stays the hub's."""
    import io
    from datetime import datetime, time

    from django.utils import timezone
    from docx import Document

    from demandloop.reports.monthly import Month

    month = Month.last_complete()
    received = datetime.combine(
        month.first_day.replace(day=10), time(10), tzinfo=timezone.get_current_timezone()
    )
    officer_registers(
        people,
        3,
        "厂区道路维修",
        "厂区门前道路破损，大型货车通行困难，请协调维修。",
        source="visit",
        received_at=received,
    )
    hub = person(chromium, people, "hub")
    hub.follow("nav >> text=月度通报", to="**/reports/monthly/**")
    hub.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert hub.page.input_value("#id_month") == month.iso
    assert hub.text("#issue-status") == "未印发"
    hub.page.click("#issue-open")
    hub.page.wait_for_selector("#issue-confirm")
    year = timezone.localdate().year
    confirmation = hub.text("#issue-confirm-text")
    assert f"将以当前数据印发为{year}年第1期" in confirmation and "发送给7人" in confirmation
    hub.shot("monthly-report-issue-confirm", full_page=False)
    hub.page.click("#issue-confirm")
    hub.page.wait_for_url("**/reports/issued/*/")
    assert "已印发为" in hub.text(".alert-success")
    assert hub.text("#issue-mark").startswith(f"{year}年第1期")
    assert "全区共收到企业诉求3件" in hub.text("#overview")

    officer = person(chromium, people, "officer")
    officer.page.wait_for_selector("#unread-count")
    assert officer.text("#unread-count") == "1"
    officer.page.click("#nav-messages")
    officer.page.click("#messages >> text=已印发")
    officer.page.wait_for_url("**/reports/issued/*/")
    officer.page.wait_for_selector("#trend-chart[data-rendered=true]")
    assert officer.text("#issue-mark").startswith(f"{year}年第1期")
    assert "全区共收到企业诉求3件" in officer.text("#overview")
    assert officer.page.locator("#unread-count").count() == 0, "opening it read the message"
    officer.shot("officer-reads-issued-report", full_page=False)
    with officer.page.expect_download() as download:
        officer.page.click("#download-docx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(f"{year}年第1期.docx")
    assert Document(io.BytesIO(saved.read_bytes())).paragraphs[0].text == f"{year}年第1期"
    officer.follow("#archive-link", to="**/reports/issued/**")
    assert officer.page.locator(".issued-reports tbody tr").count() == 1
    draft = officer.go(f"/reports/monthly/?month={month.iso}")
    assert draft.status == 404 and officer.page.locator("#report-title").count() == 0, (
        "the draft is the hub's"
    )
    for p in (hub, officer):
        p.close()


def test_solicitation_from_question_to_demands(chromium, people, tmp_path):
    """The hub asks a town and the market-regulation bureau; the town's officer adds a problem, tries a bad
    Excel file (nothing saved, the row named) and submits; the bureau says 本期无问题; the hub accepts the town's
    reply and sees the demand it became, then downloads the campaign."""
    import io

    from openpyxl import Workbook, load_workbook

    area1 = people["officer"].memberships.get().areas.get()
    hub = person(chromium, people, "hub")
    hub.follow("nav >> text=定期征询", to="**/solicitation/")
    hub.page.click("#new-campaign")
    hub.page.fill("#id_title", "一季度企业问题征询")
    hub.page.fill("#id_instructions", "请梳理辖区企业近期反映的用工、融资、用地等方面问题")
    hub.choose("id_localities", str(area1.locality_id))
    hub.choose("id_departments", str(people["market"].pk))
    hub.page.fill("#id_reply_days", "5")
    hub.submit("#save-campaign")
    assert "发布后 5 个工作日" in hub.text("#reply-due")
    hub.submit("#launch")
    assert hub.text("#campaign-status") == "已发布"
    due = hub.text("#reply-due")
    assert len(due) == 10 and due.startswith("20"), "the deadline is shown as a date"
    assert hub.page.locator("#non-responders .non-responder").count() == 2

    officer = person(chromium, people, "officer")
    assert "一季度企业问题征询" in officer.text("#solicitation-hint")
    officer.page.click("#solicitation-hint a")
    assert "剩余" in officer.text("#days-left")
    officer.page.fill("input[name=enterprise]", people["enterprise"].uscc)
    officer.page.fill("textarea[name=content]", "企业反映招工难，缺少熟练焊工，希望对接职业技能培训。")
    officer.page.check("input[name=complexity][value=complex]")
    officer.page.click(".add-problem button[type=submit]")
    officer.page.wait_for_selector(".problem-list >> text=企业反映招工难")
    assert officer.page.locator(".problem-list tbody tr").count() == 1
    assert officer.page.input_value(".add-problem textarea[name=content]") == "", (
        "the form is ready for the next"
    )
    officer.shot("solicitation-reply", full_page=False)
    book = Workbook()
    book.active.append(["企业（统一社会信用代码或全称）", "片区", "问题描述", "一般/复杂"])
    book.active.append(["不存在的公司", "", "融资难", "复杂问题"])
    path = tmp_path / "问题清单.xlsx"
    book.save(path)
    officer.page.click("text=问题较多：上传 Excel 文件")
    officer.page.set_input_files(".upload-problems input[type=file]", str(path))
    officer.submit(".upload-problems button[type=submit]")
    assert "第2行，“企业（统一社会信用代码或全称）”列" in officer.text(".alert-danger")
    assert officer.page.locator(".problem-list tbody tr").count() == 1, "nothing from the bad file"
    officer.submit(".submit-reply")
    assert "答复已提交" in officer.text(".alert-success")
    assert officer.page.locator(".add-problem").count() == 0, "a submitted reply is not changed"

    coordinator = person(chromium, people, "coordinator")
    coordinator.go("/solicitation/")
    coordinator.page.click("#waiting a")
    coordinator.page.click(".no-problems")
    assert "本期无问题" in coordinator.text(".no-problems-said")

    hub.page.reload()
    states = hub.text("#targets")
    assert "按时答复" in states and "本期无问题" in states
    hub.submit("#targets .accept >> nth=0")
    assert "登记诉求 1 件" in hub.text(".alert-success")
    link = hub.page.locator("#problem-table tbody tr a[href^='/demands/']")
    assert link.count() == 1 and hub.text("#fig-demands") == "1"
    hub.shot("solicitation-accepted", full_page=False)
    with hub.page.expect_download() as download:
        hub.page.click("#download-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    problems = load_workbook(io.BytesIO(saved.read_bytes()))["问题清单"]
    assert problems["C2"].value == "静海华泰钢管有限公司" and problems["H2"].value
    link.click()
    assert "静海华泰钢管有限公司 · 定期征询" in hub.text("main"), "the demand's channel is the solicitation"
    for p in (hub, officer, coordinator):
        p.close()


def test_a_case_is_nominated_returned_revised_accepted_chosen_and_read_by_enterprises(
    chromium, people, tmp_path
):
    import io

    from docx import Document

    from demandloop.demands import actions
    from demandloop.knowledge.models import CaseSelection, TypicalCase

    demand = triaged_at_tier_2(
        people, "market", title="新建车间电力增容", content="企业新建车间需要电力增容，希望尽快接电投产。"
    )
    actions.do_dispatch(demand, people["officer"], lead_department=people["market"])
    actions.do_accept(demand, people["coordinator"])
    actions.do_plan(
        demand,
        people["coordinator"],
        plan="协调供电公司上门勘查，开辟绿色通道。",
        eta=datetime.date.today() + datetime.timedelta(days=7),
    )
    actions.do_inform(demand, people["officer"])
    actions.do_resolve(demand, people["coordinator"], result="五个工作日完成增容接电。")
    actions.do_evaluate(demand, people["owner"], solved="solved", satisfied="satisfied")

    officer = person(chromium, people, "officer")
    officer.open_demand(demand.pk)
    officer.page.click("#nominate-case")
    officer.page.wait_for_url("**/cases/new/*/")
    assert "企业新建车间需要电力增容" in officer.page.input_value("#id_background"), (
        "the draft starts from the demand"
    )
    assert "区市场监管局" in officer.page.input_value("#id_approach")
    assert "满意" in officer.page.input_value("#id_outcome")
    officer.page.fill("#id_lessons", "部门联办、上门服务，企业早投产。")
    officer.page.check("#id_anonymous")
    officer.shot("case-nominate")
    officer.page.fill("#id_lessons", "")
    officer.submit("button[name=submit-case]")
    assert "该字段是必填项" in officer.text(".field-lessons"), "an empty field is named"
    assert officer.page.is_checked("#id_anonymous"), "what was typed stays"
    officer.page.fill("#id_lessons", "部门联办、上门服务，企业早投产。")
    officer.page.click("button[name=submit-case]")
    officer.page.wait_for_url("**/cases/*/")
    assert officer.text("#case-status") == "待审核"
    assert "静海华泰钢管有限公司" not in officer.text("#case-background"), "anonymised: 某企业"
    case = TypicalCase.objects.get()

    hub = person(chromium, people, "hub")
    hub.follow("nav >> text=典型案例", to="**/cases/")
    assert "1 个案例等待您审核" in hub.text("#review-waiting")
    with hub.page.expect_response(lambda response: "/cases/?" in response.url):
        hub.page.select_option("#id_status", "accepted")
    hub.page.wait_for_selector("#no-cases")
    assert "status=accepted" in hub.page.url, "the filter is in the address (htmx pushes it)"
    with hub.page.expect_response(lambda response: "/cases/?" in response.url):
        hub.page.select_option("#id_status", "submitted")
    hub.page.wait_for_selector(f"#cases [data-case='{case.pk}']")
    hub.page.click(f"#cases [data-case='{case.pk}'] a")
    hub.page.fill("#id_reason", "请补充接电后的产值等成效数据。")
    hub.page.click("button[name=return]")
    hub.page.wait_for_load_state()
    assert hub.text("#case-status") == "退回修改"

    officer.go("/cases/")
    assert "被退回修改" in officer.text("#returned-to-me")
    officer.go(f"/cases/{case.pk}/")
    assert "请补充接电后的产值" in officer.text("#return-reason")
    officer.page.click("#edit-case")
    officer.page.fill("#id_outcome", "五个工作日完成增容接电，车间提前一个月投产。")
    officer.page.click("button[name=submit-case]")
    officer.page.wait_for_url(f"**/cases/{case.pk}/")
    assert officer.text("#case-status") == "待审核"

    hub.go(f"/cases/{case.pk}/")
    hub.page.click("button[name=accept]")
    hub.page.wait_for_load_state()
    assert hub.text("#case-status") == "已入库"
    assert list(hub.page.locator("#case-events li").evaluate_all("l => l.map(e => e.dataset.action)")) == [
        "nominate",
        "return",
        "resubmit",
        "accept",
    ]
    hub.go("/cases/selection/")
    hub.page.fill(f"input[name=place-{case.pk}]", "1")
    hub.page.click("#save-selection")
    hub.page.wait_for_load_state()
    hub.page.click("#publish-selection")
    hub.page.wait_for_load_state()
    assert hub.text("#selection-status") == "已发布"
    assert CaseSelection.objects.get().is_published
    with hub.page.expect_download() as download:
        hub.page.click("#casebook-docx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    year = case.year
    assert saved.name == f"静海区{year}年度十佳服务案例汇编.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(saved.read_bytes())).paragraphs)
    assert "一、“新建车间电力增容”诉求办理案例" in text and "提前一个月投产" in text

    owner = person(chromium, people, "owner", phone=True)
    owner.go("/cases/showcase/")
    assert "新建车间电力增容" in owner.text(".showcase-case") and "某企业" in owner.text(".showcase-case")
    for p in (officer, hub, owner):
        p.close()


def test_the_auditor_finds_a_refused_sign_in_and_exports_the_trail(chromium, people, make_user, tmp_path):
    from openpyxl import load_workbook

    from demandloop.demands import actions

    actions.do_receive(
        people["officer"],
        enterprise=people["enterprise"],
        channel="officer",
        source="visit",
        title="厂区门前道路破损",
        content="厂区门前道路破损，大货车通行困难。",
    )
    stranger = Person(chromium, people["live_server"].url, "zhoujing", password="not-the-password")
    assert "/accounts/login/" in stranger.page.url, "refused: still at the sign-in"
    stranger.close()
    make_user("shenji", R.AUDITOR, full_name="沈纪")
    auditor = Person(chromium, people["live_server"].url, "shenji")
    assert auditor.page.url.endswith("/audit/"), "one role: straight to its page"
    assert "诉求 · 受理" in auditor.text("#audit-rows") and "厂区门前道路破损" in auditor.text("#audit-rows")
    auditor.page.select_option("#id_result", "failure")
    auditor.page.click("#audit-filters button[type=submit]")
    auditor.page.wait_for_url("**/audit/?*result=failure*")
    assert auditor.text("#audit-count") == "1 条记录"
    assert "登录 · 登录失败" in auditor.text("#audit-rows") and "zhoujing" in auditor.text("#audit-rows")
    auditor.shot("audit-trail")
    with auditor.page.expect_download() as download:
        auditor.page.click("#audit-export")
    path = tmp_path / "trail.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "zhoujing" and rows[1][10] == "拒绝或失败"
    auditor.close()


def test_the_security_administrator_unlocks_an_officer_who_mistyped_the_password(chromium, people, make_user):
    url = people["live_server"].url
    username = people["officer"].username
    officer = Person(chromium, url, username, password="not-the-password")
    for _ in range(4):
        officer.sign_in(username, "still-not-it")
    locked = officer.text("#login-locked")
    assert locked.startswith("连续登录失败 5 次，账号已锁定至") and "联系安全管理员解锁" in locked
    officer.sign_in(username, f"pw-{username}")
    assert "/accounts/login/" in officer.page.url and "账号已锁定" in officer.text("#login-locked")

    # The 12345 desk's system calls the API with a token of the dispatcher's account.
    from demandloop.org.tokens import do_issue_token

    do_issue_token(None, people["dispatcher"], "12345 工单系统对接", 365)
    _token, key = do_issue_token(None, people["dispatcher"], "政务数据共享平台", 90)

    def call_api() -> int:
        request = urllib.request.Request(f"{url}/api/v1/demands/", headers={"Authorization": f"Token {key}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)

    assert call_api() == 200

    make_user("anquan", R.SECADMIN, full_name="安全员")
    secadmin = Person(chromium, url, "anquan")
    assert secadmin.page.url.endswith("/security/"), "one role: straight to its page"
    assert "安全策略" in secadmin.text("nav")
    row = secadmin.page.locator(f"#lock-rows tr[data-username='{username}']")
    assert "已锁定" in row.inner_text() and "5" in row.inner_text()
    secadmin.page.fill("#id_lockout_minutes", "0")
    secadmin.submit("#policy-save")
    assert "安全策略已保存：第 1 版" in secadmin.text("main")
    assert "直至解锁" in secadmin.text(f"#lock-rows tr[data-username='{username}']")
    secadmin.shot("security-policy")
    secadmin.submit(f"#lock-rows tr[data-username='{username}'] button")
    assert f"{username} 已解锁" in secadmin.text("main")
    assert secadmin.page.locator(f"#lock-rows tr[data-username='{username}']").count() == 0

    officer.sign_in(username, f"pw-{username}")
    assert officer.page.url.endswith("/work/"), "unlocked: signed in to the workbench"

    tokens = secadmin.text("#token-rows")
    assert "政务数据共享平台" in tokens and "127.0.0.1" in tokens and key not in tokens
    secadmin.submit("#token-rows tr:has-text('政务数据共享平台') button")
    assert "令牌“政务数据共享平台”已撤销" in secadmin.text("main")
    assert "政务数据共享平台" not in secadmin.text("#token-rows") and "12345 工单系统对接" in secadmin.text(
        "#token-rows"
    )
    assert call_api() == 401, "revoked: the next request is refused"
    for p in (officer, secadmin):
        p.close()


def test_an_officer_whose_password_was_reset_chooses_a_new_one_first(chromium, people):
    from demandloop.org.models import User

    username = people["officer"].username
    User.objects.filter(username=username).update(must_change_password=True)
    officer = Person(chromium, people["live_server"].url, username)
    # The page stays put (its own fragments do not send it to itself again) and says why once.
    officer.page.wait_for_load_state("networkidle")
    assert officer.page.url.endswith("/accounts/password/")
    assert officer.text("main").count("管理员设置或重置了您的密码") == 1
    officer.page.fill("#id_old_password", f"pw-{username}")
    officer.page.fill("#id_new_password1", "Jinghai-2026-mine!")
    officer.page.fill("#id_new_password2", "Jinghai-2026-mine!")
    officer.submit("main button[type=submit]")
    assert "密码已修改" in officer.text("main")
    officer.go("/work/")
    assert officer.page.url.endswith("/work/") and "工作台" in officer.text("nav")
    officer.close()


def test_the_auditor_sets_up_an_authenticator_in_the_browser_and_signs_in_with_its_code(
    chromium, people, make_user
):
    from base64 import b32decode

    from django_otp.oath import totp

    from demandloop.org.models import SecurityPolicy

    policy = SecurityPolicy.current()
    policy.two_factor = 1  # the administrators' accounts
    policy.save()
    make_user("shenji", R.AUDITOR, full_name="审计员")
    url = people["live_server"].url

    auditor = Person(chromium, url, "shenji")
    assert "/accounts/two-factor/set-up/" in auditor.page.url, "the password alone does not open the trail"
    assert auditor.page.locator("#two-factor-qr svg").count() == 1
    secret = auditor.text("#two-factor-secret").replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    auditor.shot("two-factor-set-up")
    auditor.page.fill("#id_code", f"{totp(key):06d}")
    auditor.submit("#two-factor-form button[type=submit]")
    assert auditor.page.url.endswith("/audit/") and "身份验证器已设置" in auditor.text("main")

    # The next sign-in asks for the code after the password.
    again = Person(chromium, url, "shenji")
    assert "/accounts/two-factor/" in again.page.url and "设置" not in again.text("h1")
    again.page.fill("#id_code", "000000")
    again.submit("#two-factor-form button[type=submit]")
    assert "验证码不正确或已过期" in again.text("#code-error")
    for p in (auditor, again):
        p.close()

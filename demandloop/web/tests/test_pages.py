"""The pages without a browser: figures, the hub's filters and export, the forms offered, refusals, error pages."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from demandloop.demands import actions
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand
from demandloop.reports import queries as figures
from demandloop.web import views


def see_through(world: Any, key: str) -> Demand:
    """Take demand `key` from dispatched to evaluated as its people would, the enterprise satisfied."""
    code = key[0]
    demand = world.demand(key)
    coordinator = world.person(f"{code}:coordinator")
    actions.do_accept(demand, coordinator)
    actions.do_plan(demand, coordinator, plan="上门指导", eta=date.today() + timedelta(days=10))
    actions.do_inform(demand, world.person(f"{code}:officer{key[1]}"))
    actions.do_resolve(demand, coordinator, result="已办结")
    actions.do_evaluate(demand, world.person(f"{code}:hub"), solved="solved", satisfied="satisfied")
    return demand


def test_it_counts_the_three_rates_per_area_over_the_scoped_demands(world):
    see_through(world, "J1")
    hub = world.person("J:hub")
    rows = {row.label: row for row in figures.rates_by(Demand.objects.for_user(hub), "area")}
    area1, area2 = (a.name for a in world.districts["J"].areas)
    assert set(rows) == {area1, area2}, "the hub of 静海 sees only 静海's areas"
    first, second = rows[area1], rows[area2]
    assert (first.response_rate, first.resolution_rate, first.satisfaction_rate) == (100.0, 100.0, 100.0)
    assert first.on_time_rate == 100.0
    assert (second.response_rate, second.resolution_rate, second.satisfaction_rate) == (0.0, 0.0, None)
    assert second.on_time_rate is None, "a demand still within its time counts in neither part"
    total = figures.totals(Demand.objects.for_user(hub))
    assert (total.total, total.responded, total.done, total.open) == (2, 1, 1, 1)


def test_it_groups_the_figures_by_tier_and_lead_department(world):
    hub = world.person("N:hub")
    by_tier = figures.rates_by(Demand.objects.for_user(hub), "tier")
    assert [(row.key, row.total) for row in by_tier] == [(2, 2)]
    by_department = figures.rates_by(Demand.objects.for_user(hub), "department")
    assert [(row.label, row.total) for row in by_department] == [(world.districts["N"].department.name, 2)]


def test_the_dashboard_shows_each_chart_with_its_table(world, client):
    see_through(world, "J1")
    client.force_login(world.person("J:coordinator"))
    page = client.get(reverse("dashboard")).content.decode()
    for group in ("area", "department", "tier"):
        assert f'id="{group}-table"' in page and f'id="group-{group}"' in page
    assert "100.0%" in page and "标记" not in page.split('id="group-area"')[0]


def test_the_hub_filters_by_area_and_exports_the_same_list(world, client):
    client.force_login(world.person("J:hub"))
    area2 = world.districts["J"].areas[1]
    page = client.get(reverse("hub"), {"area": area2.pk}).content.decode()
    assert "诉求标记-J2" in page and "诉求标记-J1" not in page
    export = client.get(reverse("hub_export"), {"area": area2.pk})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "受理时间", "企业", "统一社会信用代码", "标题")
    assert [row[4] for row in rows[1:]] == ["诉求标记-J2"]


def test_the_hub_export_keeps_a_title_that_looks_like_a_formula_as_text(world, client):
    # An enterprise types the title on the portal: the hub's workbook must not run it.
    Demand.objects.filter(pk=world.demand("J2").pk).update(title='=HYPERLINK("http://example.com")\x08')
    client.force_login(world.person("J:hub"))
    export = client.get(reverse("hub_export"), {"area": world.districts["J"].areas[1].pk})
    cell = load_workbook(io.BytesIO(export.content)).active["E2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com")', "s")


def test_the_hub_list_pages_through_htmx_without_the_page_around_it(world, client):
    client.force_login(world.person("J:hub"))
    partial = client.get(
        reverse("hub"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="demand-list"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="demand-list">') and '<nav class="navbar' not in partial


def test_it_offers_each_person_only_the_actions_they_may_take(world, client):
    demand = world.demand("J1")
    offered = {}
    for who in ("J:coordinator", "J:officer1", "J:enterprise", "J:leader"):
        client.force_login(world.person(who))
        response = client.get(reverse("demand_detail", args=[demand.pk]))
        offered[who] = {item["action"] for item in response.context["offered"]}
    assert {"accept", "return"} <= offered["J:coordinator"]
    assert "accept" not in offered["J:officer1"] and "merge" in offered["J:officer1"]
    assert offered["J:enterprise"] == {"withdraw", "attach"}
    assert offered["J:leader"] == {"attach"}


def test_the_panel_open_on_arrival_moves_the_demand_on_and_never_gives_it_up(world, client):
    demand = world.demand("J1")

    def opened(who: str, response: Any = None) -> list[str]:
        if response is None:
            client.force_login(world.person(who))
            response = client.get(reverse("demand_detail", args=[demand.pk]))
        html = response.content.decode()
        return [
            item["action"]
            for item in response.context["offered"]
            if f'id="form-{item["action"]}" class="accordion-collapse collapse show"' in html
        ]

    assert opened("J:coordinator") == ["accept"]
    assert opened("J:enterprise") == [], "the enterprise's withdrawal stays folded"
    client.force_login(world.person("J:coordinator"))
    client.post(reverse("demand_action", args=[demand.pk, "accept"]))
    assert opened("J:coordinator") == ["plan"]
    failed = client.post(reverse("demand_action", args=[demand.pk, "return"]), {"return-reason": ""})
    assert failed.status_code == 400 and opened("J:coordinator", failed) == ["return"], "the form with errors"
    demand.refresh_from_db()
    actions.do_plan(
        demand, world.person("J:coordinator"), plan="上门指导", eta=date.today() + timedelta(days=10)
    )
    assert opened("J:coordinator") == [], (
        "nothing but escalating or asking for time is left to the department"
    )


def test_the_dispatch_form_starts_from_the_department_the_triage_named_but_not_after_a_return(world):
    from demandloop.web.forms import DispatchForm

    demand = world.demand("J1")
    assert demand.lead_department_id is not None
    assert DispatchForm(demand=demand).fields["lead_department"].initial == demand.lead_department_id
    demand.status = S.RETURNED
    assert DispatchForm(demand=demand).fields["lead_department"].initial is None


def test_it_shows_the_actions_refusal_in_chinese_next_to_the_field(world, client):
    demand = world.demand("J1")
    client.force_login(world.person("J:coordinator"))
    client.post(reverse("demand_action", args=[demand.pk, "accept"]))
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("demand_action", args=[demand.pk, "plan"]), {"plan-plan": "派员指导", "plan-eta": yesterday}
    )
    assert response.status_code == 400
    assert "日期" in response.content.decode() or "future" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS and demand.plan == ""


def test_a_form_left_open_too_long_gets_a_clear_refusal_not_a_change(world, client):
    demand = world.demand("J1")
    client.force_login(world.person("J:coordinator"))
    assert client.post(reverse("demand_action", args=[demand.pk, "accept"])).status_code == 302
    again = client.post(reverse("demand_action", args=[demand.pk, "accept"]))
    assert again.status_code == 400
    assert demand.events.filter(action="accept").count() == 1


def test_the_portal_names_the_officer_of_the_enterprise(world, client, make_user):
    officer = world.person("J:officer1")
    officer.phone = "13700000001"
    officer.save()
    client.force_login(world.person("J:enterprise"))
    page = client.get(reverse("portal")).content.decode()
    assert officer.get_full_name() in page and "13700000001" in page
    assert "诉求标记-J1" in page and "诉求标记-J2" not in page


def test_the_portal_names_every_level_of_the_service_team(world, client, make_user):
    """南开 §二(二): the street's officer, the park's 双重服务员 and the key enterprise's industry officer each show
    who they are and how to reach them; officers of other parks and departments do not."""
    from demandloop.org.models import Locality

    nankai = world.districts["N"]
    district, department = nankai.district, nankai.department
    park, other_park = Locality.objects.filter(
        district=district, kind__in=["park", "business_district"]
    ).order_by("code")[:2]
    enterprise = nankai.enterprises[0]
    enterprise.park = park
    enterprise.is_key, enterprise.key_department = True, department
    enterprise.save()
    make_user("n-social", "social_officer", district, locality=park, full_name="园区双员")
    make_user("n-social-2", "social_officer", district, locality=other_park, full_name="别园双员")
    make_user("n-industry", "industry_officer", district, department=department, full_name="行业专员")

    client.force_login(world.person("N:enterprise"))
    page = client.get(reverse("portal")).content.decode()
    lines = re.findall(r'data-role="(\w+)">([^<]*)<strong class="officer-name">([^<]*)</strong>', page)
    assert [(role, label.strip(), name) for role, label, name in lines] == [
        ("officer", "助企服务员:", "N官一"),
        ("social_officer", "双重服务员:", "园区双员"),
        ("industry_officer", f"行业主管部门助企服务员（{department.name}）:", "行业专员"),
    ]


def test_the_contact_is_masked_for_the_department_and_plain_for_the_officer(world, client):
    demand = world.demand("J1")
    client.force_login(world.person("J:coordinator"))
    assert "138****5678" in client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    client.force_login(world.person("J:officer1"))
    assert "13812345678" in client.get(reverse("demand_detail", args=[demand.pk])).content.decode()


@pytest.mark.parametrize(
    ("handler", "status", "title"),
    [
        (views.bad_request, 400, "请求有误"),
        (views.permission_denied, 403, "无权访问"),
        (views.page_not_found, 404, "页面不存在"),
    ],
)
def test_the_error_pages_are_chinese_and_say_nothing_of_the_request(db, handler, status, title, settings):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    request = RequestFactory().get("/demands/999/?secret=标记-J1")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        response = handler(request, Exception("标记-J1 internal detail"))
    text = response.content.decode()
    assert response.status_code == status
    assert title in text and "标记" not in text and "internal detail" not in text


def test_the_server_error_page_is_chinese_and_reads_nothing_that_may_have_failed(
    db, django_assert_num_queries
):
    from django.utils import translation

    request = RequestFactory().get("/")
    # No user on the request and no query: the page renders when the database is what failed.
    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = views.server_error(request)
    text = response.content.decode()
    assert response.status_code == 500 and "服务器" in text and "返回首页" in text


def test_a_missing_page_answers_with_the_chinese_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404


def test_the_one_scan_figures_agree_with_one_query_per_grouping(world):
    see_through(world, "J1")
    demands = Demand.objects.for_user(world.person("J:hub"))
    summary = figures.figures(demands)
    assert summary.totals == figures.totals(demands)
    for grouping, rows in (
        ("area", summary.by_area),
        ("department", summary.by_department),
        ("tier", summary.by_tier),
    ):
        expected = figures.rates_by(demands, grouping)

        def counts(rates: list[figures.Rates]) -> list[tuple[Any, ...]]:
            return sorted((r.key, *(getattr(r, name) for name in figures.COUNTS)) for r in rates)

        assert counts(rows) == counts(expected), grouping
    assert summary.status_counts == figures.status_counts(demands) == {S.EVALUATED: 1, S.DISPATCHED: 1}


def test_the_sign_in_page_is_chinese_and_a_wrong_password_is_refused_plainly(world, client):
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and "用户名" in page
    refused = client.post(reverse("login"), {"username": "J-officer1", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in refused
    assert "忘记密码或账号被锁定？请联系系统管理员重置密码，或联系安全管理员解锁。" in page, "who to ask"


def signs_in(client: Any, username: str, password: str) -> bool:
    """Whether the sign-in page lets `username` in with `password` (through the lockout backend, as a browser)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def test_a_person_changes_the_password_and_signs_in_with_the_new_one(world, client):
    assert signs_in(client, "J-officer1", "pw-J-officer1")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-J-officer1",
            "new_password1": "Jinghai-2026-new!",
            "new_password2": "Jinghai-2026-new!",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()
    client.logout()
    assert not signs_in(client, "J-officer1", "pw-J-officer1")
    assert signs_in(client, "J-officer1", "Jinghai-2026-new!")


def test_a_person_with_several_roles_chooses_from_the_home_page(world, client):
    from demandloop.org.choices import RoleChoices as R
    from demandloop.org.models import Membership

    officer = world.person("J:officer1")
    Membership.objects.create(user=officer, role=R.LEADER, district=world.districts["J"].district)
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    assert reverse("workbench") in page and reverse("leader") in page


def test_an_unsatisfied_enterprise_asks_for_the_demand_to_be_redone(world, client):
    demand = world.demand("J1")
    coordinator = world.person("J:coordinator")
    actions.do_accept(demand, coordinator)
    actions.do_plan(demand, coordinator, plan="上门指导", eta=date.today() + timedelta(days=10))
    actions.do_inform(demand, world.person("J:officer1"))
    actions.do_resolve(demand, coordinator, result="已办结")
    client.force_login(world.person("J:enterprise"))
    url = reverse("demand_detail", args=[demand.pk])
    rated = client.post(
        reverse("demand_action", args=[demand.pk, "evaluate"]),
        {
            "evaluate-solved": "partly",
            "evaluate-satisfied": "not_satisfied",
            "evaluate-comment": "只解决了一半",
        },
    )
    assert rated.status_code == 302
    offered = {item["action"] for item in client.get(url).context["offered"]}
    assert "reopen" in offered
    redo = client.post(
        reverse("demand_action", args=[demand.pk, "reopen"]), {"reopen-reason": "消防验收仍未通过"}
    )
    assert redo.status_code == 302
    demand.refresh_from_db()
    assert (demand.status, demand.reopen_count) == (S.IN_PROGRESS, 1)
    assert "消防验收仍未通过" in client.get(url).content.decode()


def test_a_file_of_the_wrong_type_is_named_and_nothing_is_registered(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.person("J:officer1"))
    script = SimpleUploadedFile("材料.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    response = client.post(
        reverse("register_demand"),
        {
            "enterprise": world.districts["J"].enterprises[0].pk,
            "channel": "officer",
            "source": "visit",
            "title": "带附件的诉求",
            "content": "附件类型不对。",
            "attachments": [script],
        },
    )
    assert response.status_code == 200
    assert "材料.pdf" in response.content.decode()
    assert not Demand.objects.filter(title="带附件的诉求").exists()
    assert "企业J1有限公司" in response.content.decode(), "the chosen enterprise stays chosen"
    assert "J官一" in response.content.decode(), "with the officers who serve it"


def test_a_contact_phone_that_is_not_a_number_is_named_and_the_rest_kept(world, client):
    client.force_login(world.person("J:officer1"))
    form = {
        "enterprise": world.districts["J"].enterprises[0].pk,
        "channel": "officer",
        "source": "visit",
        "title": "电话写错的诉求",
        "content": "联系电话少写了一位。",
        "contact_name": "王经理",
        "contact_phone": "1381234567",
    }
    response = client.post(reverse("register_demand"), form)
    page = response.content.decode()
    assert response.status_code == 200 and not Demand.objects.filter(title="电话写错的诉求").exists()
    phone_block = page.split('field-contact_phone"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "11 位手机号" in phone_block and 'value="1381234567"' in phone_block
    assert "联系电话少写了一位。" in page and 'value="王经理"' in page, "what was typed stays"
    response = client.post(reverse("register_demand"), {**form, "contact_phone": "１３８１２３４５６７８"})
    assert response.status_code == 302
    assert Demand.objects.get(title="电话写错的诉求").contact_phone == "13812345678"


def test_an_officer_cannot_register_for_an_enterprise_of_another_area(world, client):
    client.force_login(world.person("J:officer2"))
    response = client.post(
        reverse("register_demand"),
        {
            "enterprise": world.districts["J"].enterprises[0].pk,
            "channel": "officer",
            "source": "visit",
            "title": "越权登记",
            "content": "不应成功。",
        },
    )
    assert response.status_code == 200 and not Demand.objects.filter(title="越权登记").exists()
    assert "企业J1有限公司" not in response.content.decode()


def test_the_dispatcher_and_the_demand_page_show_the_supervision_steps(world, client):
    from django.utils import timezone

    from demandloop.meetings.models import Supervision

    demand = world.demand("J2")
    Supervision.objects.create(
        demand=demand,
        district=demand.district,
        clock="response",
        due=demand.response_due,
        step="supervision",
        at=timezone.now(),
        department=demand.lead_department,
        tier=2,
        outcome="supervised",
        recipients=2,
    )
    client.force_login(world.person("J:dispatcher"))
    page = client.get(reverse("dispatch")).content.decode()
    recent = page.split("近期督办")[1]
    assert f"#{demand.pk}" in recent and "已发出（通知 2 人）" in recent
    client.force_login(world.person("J:officer2"))
    detail = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    steps = detail.split("督办记录")[1].split("</ul>")[0]
    assert "已发出（通知 2 人）" in steps
    assert f'href="/demands/{demand.pk}/"' not in steps, "no link from the demand's page to itself"
    client.force_login(world.person("N:dispatcher"))
    assert f'href="/demands/{demand.pk}/"' not in client.get(reverse("dispatch")).content.decode()


def test_a_list_page_reads_one_row_more_instead_of_counting(world, django_assert_max_num_queries):
    from demandloop.web.queries import ListPage

    rows = Demand.objects.order_by("pk")
    first = ListPage.of(rows, "1", 3)
    assert [d.title for d in first.object_list] == [f"诉求标记-{k}" for k in ("J1", "J2", "N1")]
    assert first.has_next and not first.has_previous
    second = ListPage.of(rows, 2, 3)
    assert [d.title for d in second.object_list] == ["诉求标记-N2"]
    assert not second.has_next and second.previous_page_number == 1
    assert ListPage.of(rows, "abc", 3).number == 1
    assert ListPage.of(rows, "999", 3).object_list == []
    with django_assert_max_num_queries(2):
        ListPage.of(rows, 1, 3)


def test_the_department_ids_narrow_the_inbox_to_what_the_scope_reaches(world):
    from demandloop.web.queries import department_open_ids

    department = world.districts["J"].department
    assert department_open_ids([department.pk]) == sorted(d.pk for d in world.districts["J"].demands)
    assert department_open_ids([]) == []


def test_the_hub_reads_the_figures_the_background_refresh_computed(
    world, client, django_assert_max_num_queries
):
    from demandloop.web.queries import figures_for, refresh_district_figures

    assert refresh_district_figures() == 2
    hub, dispatcher = world.person("J:hub"), world.person("J:dispatcher")
    with django_assert_max_num_queries(3):
        # Membership reads for the grants only: no scan of the demands.
        timed = figures_for(hub)
    assert timed.figures.totals.total == 2
    assert figures_for(dispatcher) is not None and figures_for(dispatcher).computed_at == timed.computed_at
    assert figures_for(world.person("N:hub")).figures.totals.total == 2
    assert figures_for(world.person("J:officer1")).figures.totals.total == 1, "an area has its own figures"


def test_an_officer_answers_a_simple_question_on_the_spot(world, client):
    from demandloop.demands.choices import ChannelChoices
    from demandloop.org.models import Domain, Tier

    district = world.districts["J"].district
    officer = world.person("J:officer1")
    demand = actions.do_receive(
        officer,
        enterprise=world.districts["J"].enterprises[0],
        channel=ChannelChoices.OFFICER,
        source="phone",
        title="咨询社保补贴政策",
        content="想了解招用高校毕业生的社保补贴怎么申请。",
    )
    client.force_login(officer)
    url = reverse("demand_detail", args=[demand.pk])
    assert (
        client.post(
            reverse("demand_action", args=[demand.pk, "screen"]), {"screen-in_scope": "yes"}
        ).status_code
        == 302
    )
    triage = {
        "triage-domain": Domain.objects.get(district=district, code="social").pk,
        "triage-complexity": "simple",
        "triage-tier": Tier.objects.get(district=district, level=1).pk,
    }
    assert client.post(reverse("demand_action", args=[demand.pk, "triage"]), triage).status_code == 302
    offered = {item["action"] for item in client.get(url).context["offered"]}
    assert "answer" in offered and "dispatch" not in offered, (
        "a simple tier-1 matter is answered, not dispatched"
    )
    answer = {"answer-answer": "可在人社网上经办平台申请一次性扩岗补助，已告知所需材料。"}
    assert client.post(reverse("demand_action", args=[demand.pk, "answer"]), answer).status_code == 302
    demand.refresh_from_db()
    assert demand.status == S.ANSWERED and demand.responded_at is not None
    assert "一次性扩岗补助" in client.get(url).content.decode()


def test_a_coordinator_asks_for_more_time_and_the_department_lead_grants_it(world, client):
    demand = world.demand("J1")
    coordinator, lead = world.person("J:coordinator"), world.person("J:dept_lead")
    actions.do_accept(demand, coordinator)
    actions.do_plan(demand, coordinator, plan="分两批完成", eta=date.today() + timedelta(days=5))
    client.force_login(coordinator)
    later = (date.today() + timedelta(days=20)).isoformat()
    asked = client.post(
        reverse("demand_action", args=[demand.pk, "request_extension"]),
        {"request_extension-until": later, "request_extension-reason": "需等待检测报告"},
    )
    assert asked.status_code == 302
    client.force_login(lead)
    offered = {
        item["action"] for item in client.get(reverse("demand_detail", args=[demand.pk])).context["offered"]
    }
    assert {"approve_extension", "reject_extension"} <= offered
    assert client.post(reverse("demand_action", args=[demand.pk, "approve_extension"])).status_code == 302
    demand.refresh_from_db()
    assert demand.completion_due.date().isoformat() == later and demand.extension_count == 1


def test_the_enterprise_reads_what_it_was_told_but_not_the_clerks_working_notes(world, client):
    demand = world.demand("J1")
    coordinator = world.person("J:coordinator")
    actions.do_accept(demand, coordinator, note="内部：先核实企业资质再答复")
    actions.do_plan(demand, coordinator, plan="上门指导", eta=date.today() + timedelta(days=10))
    actions.do_inform(demand, world.person("J:officer1"), note="已电话告知企业方案")
    client.force_login(world.person("J:enterprise"))
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert "已电话告知企业方案" in page and "上门指导" in page
    assert "内部：先核实企业资质" not in page
    client.force_login(world.person("J:officer1"))
    assert "内部：先核实企业资质" in client.get(reverse("demand_detail", args=[demand.pk])).content.decode()


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("J:officer1", "workbench"),
        ("J:hub", "hub"),
        ("J:coordinator", "inbox"),
        ("J:dispatcher", "dispatch"),
        ("J:enterprise", "portal"),
    ],
)
def test_a_list_page_costs_the_same_queries_for_two_demands_as_for_twenty(
    world, client, settled_calendar, who, page
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from demandloop.demands.choices import ChannelChoices

    client.force_login(world.person(who))
    client.get(reverse(page))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(page))
    enterprise = world.districts["J"].enterprises[0]
    for n in range(18):
        actions.do_receive(
            world.person("J:hub"),
            enterprise=enterprise,
            channel=ChannelChoices.HOTLINE,
            hotline_number=f"GD{n:04d}",
            title=f"工单{n}",
            content="12345来电反映的问题。",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(page))
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_the_workbench_shows_what_each_kind_of_officer_serves(world, client, make_user):
    from demandloop.org.models import Locality

    jinghai = world.districts["J"]
    district, department = jinghai.district, jinghai.department
    park = Locality.objects.filter(district=district, kind="park").first()
    assert park is not None
    enterprise = jinghai.enterprises[0]
    enterprise.park = park
    enterprise.is_key, enterprise.key_department = True, department
    enterprise.save()

    social = make_user("social-1", "social_officer", district, locality=park)
    client.force_login(social)
    served = client.get(reverse("workbench")).content.decode().split('id="served"')[1].split("</ul>")[0]
    assert park.name in served and "1 家企业" in served and "尚未分配" not in served

    industry = make_user("industry-1", "industry_officer", district, department=department)
    client.force_login(industry)
    served = client.get(reverse("workbench")).content.decode().split('id="served"')[1].split("</ul>")[0]
    assert f"{department.name}重点企业" in served and "1 家企业" in served

    client.force_login(make_user("officer-x", "officer", district))
    served = client.get(reverse("workbench")).content.decode().split('id="served"')[1].split("</ul>")[0]
    assert "尚未分配服务范围" in served


def test_the_work_lists_mark_a_provisional_deadline(world, client):
    """DESIGN.md §5: a deadline counted over a year whose holidays are not yet published says so in the lists."""
    demand = world.demand("J1")
    client.force_login(world.person("J:coordinator"))
    row = (
        client.get(reverse("inbox")).content.decode().split(f'data-demand="{demand.pk}"')[1].split("</li>")[0]
    )
    assert "剩余" in row and "（暂定）" not in row
    Demand.objects.filter(pk=demand.pk).update(response_due_provisional=True)
    row = (
        client.get(reverse("inbox")).content.decode().split(f'data-demand="{demand.pk}"')[1].split("</li>")[0]
    )
    assert "（暂定）" in row
    client.force_login(world.person("J:hub"))
    table = client.get(reverse("hub")).content.decode()
    assert "（暂定）" in table


def test_each_page_of_the_navigation_bar_is_titled_as_its_link_says(world, client, make_user):
    """A link of the navigation bar lands on a page whose title carries the link's words: "消息投递" does not open
    on "发件箱"."""
    import re

    from django.utils import translation

    from demandloop.web.access import pages_for

    people = [world.person(f"J:{who}") for who in world.districts["J"].people]
    people.append(make_user("sec", "secadmin", None, is_staff=True))
    people.append(make_user("aud", "auditor", None, is_staff=True))
    checked = set()
    for user in people:
        client.force_login(user)
        for page in pages_for(user):
            if page.url_name in checked:
                continue
            checked.add(page.url_name)
            html = client.get(reverse(page.url_name)).content.decode()
            assert "{#" not in html and "{%" not in html, f"{page.url_name} shows template code"
            title = re.search(r"<title>(.*?)</title>", html, re.S)
            assert title is not None, page.url_name
            with translation.override("zh-hans"):
                label = str(page.label)
            assert label in title.group(1), (
                f"{page.url_name}: the link says {label}, the page {title.group(1)}"
            )
    assert len(checked) >= 15, sorted(checked)


@pytest.mark.parametrize(
    ("who", "url", "target"),
    [
        ("J:officer1", "/enterprises/", "enterprise-table"),
        ("J:officer1", "/work/", "demand-list"),
        ("J:hub", "/hub/", "demand-list"),
        ("J:hub", "/cases/", "case-table"),
        ("J:hub", "/handbook/", "handbook-entries"),
    ],
)
def test_a_list_gives_htmx_its_part_but_a_history_restore_the_whole_page(world, client, who, url, target):
    client.force_login(world.person(who))
    part = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)
    assert part.status_code == 200 and "<html" not in part.content.decode()
    # htmx restoring the page from history (not in its cache) swaps the answer in for the whole body.
    restored = client.get(
        url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target, HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restored.content.decode() and 'class="navbar' in restored.content.decode()
    for response in (part, restored, client.get(url)):
        assert "HX-Request" in response["Vary"], "a cache must not serve the part for the page"

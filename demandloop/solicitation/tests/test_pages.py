"""The hub creates, launches, follows and exports a campaign; the units reply on their page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from demandloop.solicitation import actions
from demandloop.solicitation.actions import ProblemInput
from demandloop.solicitation.models import Campaign, Reply
from demandloop.solicitation.tests.conftest import campaign_of, hub_of_both, target

pytestmark = pytest.mark.django_db


def test_the_hub_creates_a_draft_for_all_localities_and_launches_it(world, client):
    w = world.jinghai
    client.force_login(w.hub)
    response = client.post(
        reverse("solicitation_create"),
        {
            "title": "2026年一季度企业问题征询",
            "instructions": "请梳理辖区企业近期反映的用工、融资、用地等方面问题",
            "all_localities": "on",
            "departments": [w.dep("scjgj").pk],
            "reply_days": "5",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.status == "draft"
    assert campaign.targets.filter(kind="locality").count() == w.district.localities.count()
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert "发布后 5 个工作日" in page and "发布" in page
    client.post(reverse("solicitation_change", args=[campaign.pk, "launch"]))
    campaign.refresh_from_db()
    assert campaign.status == "launched"
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert campaign.reply_due.date().isoformat() in page and "尚未答复单位" in page


def test_a_bad_campaign_form_names_the_field_and_saves_nothing(world, client):
    w = world.jinghai
    client.force_login(w.hub)
    response = client.post(
        reverse("solicitation_create"),
        {"title": "征询", "instructions": "请梳理", "reply_days": "3", "reply_by": "2099-01-01"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "工作日数与截止日期只填一项" in text
    response = client.post(
        reverse("solicitation_create"), {"title": "征询", "instructions": "请梳理", "reply_days": "3"}
    )
    assert "请至少选择一个征询的乡镇街道园区或部门" in response.content.decode()
    assert not Campaign.objects.exists()


def test_an_officer_adds_problems_with_htmx_and_submits(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    client.force_login(w.officer_a)
    assert "待您答复" in client.get(reverse("workbench")).content.decode()
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert "请梳理辖区企业近期反映" in page and "剩余" in page
    url = reverse("solicitation_reply", args=[campaign.pk, town.pk, "add"])
    partial = client.post(
        url,
        {"enterprise": w.ent_a.uscc, "content": "企业反映招工难", "complexity": "complex"},
        HTTP_HX_REQUEST="true",
    )
    assert partial.status_code == 200 and "企业反映招工难" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    refused = client.post(
        url, {"enterprise": "不存在的公司", "content": "x", "complexity": "simple"}, HTTP_HX_REQUEST="true"
    )
    # A typo is said beside the list, which is kept, and the page keeps what was typed (the header tells
    # static/web/forms.js not to empty the form).
    text = refused.content.decode()
    assert refused.status_code == 200 and refused["X-Demandloop-Refused"] == "1"
    assert 'class="alert alert-danger py-2 small problem-refused"' in text
    assert "本区没有统一社会信用代码或名称为“不存在的公司”的企业" in text
    assert "企业反映招工难" in text, "the problems already in the draft stay listed"
    client.post(reverse("solicitation_reply", args=[campaign.pk, town.pk, "submit"]))
    reply = Reply.objects.get(target=town)
    assert reply.status == "submitted" and reply.problems.count() == 1
    assert "待您答复" not in client.get(reverse("workbench")).content.decode()


def test_an_upload_with_a_bad_row_shows_the_row_and_saves_nothing(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    client.force_login(w.officer_a)
    book = Workbook()
    book.active.append(["企业（统一社会信用代码或全称）", "片区", "问题描述", "一般/复杂"])
    book.active.append([w.ent_a.uscc, "", "招工难", "复杂"])
    book.active.append(["", "", "融资难", "不知道"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "问题.xlsx"
    response = client.post(
        reverse("solicitation_reply", args=[campaign.pk, town.pk, "upload"]), {"file": buffer}, follow=True
    )
    text = response.content.decode()
    assert "第3行，“一般/复杂”列" in text and "文件内容均未保存" in text
    assert not Reply.objects.filter(target=town, problems__isnull=False).exists()


def test_the_hub_accepts_a_reply_and_sees_each_demand_with_its_status(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town,
        w.officer_a,
        [
            ProblemInput(content="企业反映招工难", complexity="complex", enterprise=w.ent_a),
            ProblemInput(content="全镇用电报装慢", complexity="complex"),
        ],
    )
    actions.do_submit_reply(town, w.officer_a)
    client.force_login(w.hub)
    client.post(reverse("solicitation_change", args=[campaign.pk, "accept"]), {"target": town.pk})
    problem = town.reply.problems.get(enterprise=w.ent_a)
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert (
        f"#{problem.demand.pk}" in page and problem.demand.get_status_display() in page and "已接收" in page
    )
    assert "共性问题，不转诉求" in page
    # The officer sees the demand number on its own reply.
    client.force_login(w.officer_a)
    assert (
        f"#{problem.demand.pk}"
        in client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    )


def test_the_hub_reminds_the_non_responders_in_one_click(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    client.force_login(w.hub)
    response = client.post(reverse("solicitation_change", args=[campaign.pk, "remind"]), follow=True)
    assert "已向 2 个单位" in response.content.decode()
    assert campaign.reminders.count() == 1


def test_the_export_lists_units_and_problems_with_their_demands(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town, w.officer_a, [ProblemInput(content="=招工难", complexity="complex", enterprise=w.ent_a)]
    )
    demand = actions.do_accept_reply(actions.do_submit_reply(town, w.officer_a), w.hub)[0]
    client.force_login(w.hub)
    response = client.get(reverse("solicitation_export", args=[campaign.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "答复情况", "问题清单"]
    replies = [[c.value for c in row] for row in book["答复情况"].iter_rows(min_row=2)]
    assert [row[0] for row in replies] == [w.a.locality.name, "区市场监管局"]
    assert replies[0][2] == "按时答复" and replies[1][2] == "未答复"
    problems = [[c.value for c in row] for row in book["问题清单"].iter_rows(min_row=2)]
    assert problems[0][5] == "=招工难" and book["问题清单"]["F2"].data_type == "s"
    assert problems[0][7] == demand.pk and problems[0][8] == demand.get_status_display()


def test_a_unit_not_asked_and_another_district_get_404(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    for who in (w.officer_b, w.coord_other, world.nankai.hub, world.nankai.officer_a):
        client.force_login(who)
        assert client.get(reverse("solicitation_detail", args=[campaign.pk])).status_code == 404
    client.force_login(w.coord_lead)
    # The department's people reach the campaign, but not the town's reply.
    assert client.get(reverse("solicitation_detail", args=[campaign.pk])).status_code == 200
    url = reverse("solicitation_reply", args=[campaign.pk, town.pk, "submit"])
    assert client.post(url).status_code == 404


def test_a_demand_from_a_campaign_names_it_and_links_it_for_those_who_may_open_it(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(
        town, w.officer_a, [ProblemInput(content="招工难", complexity="complex", enterprise=w.ent_a)]
    )
    demand = actions.do_accept_reply(actions.do_submit_reply(town, w.officer_a), w.hub)[0]
    url = reverse("demand_detail", args=[demand.pk])
    client.force_login(w.hub)
    page = client.get(url).content.decode()
    assert "来自定期征询" in page and reverse("solicitation_detail", args=[campaign.pk]) in page
    assert "单位判断为复杂问题" in page
    # The area's leader reaches the demand, not the campaign: the title without a link.
    client.force_login(w.leader)
    page = client.get(url).content.decode()
    assert campaign.title in page and reverse("solicitation_detail", args=[campaign.pk]) not in page


def test_the_hub_sees_a_unit_nobody_can_answer_for(world, client):
    w = world.jinghai
    campaign = campaign_of(w, departments=[w.dep("scjgj"), w.dep("gajhfj")])
    client.force_login(w.hub)
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert page.count("无人答复") == 1


def test_the_hub_changes_a_draft_but_not_a_launched_campaign(world, client):
    w = world.jinghai
    draft = campaign_of(w, launch=False)
    client.force_login(w.hub)
    url = reverse("solicitation_edit", args=[draft.pk])
    form = client.get(url).content.decode()
    assert "2026年第四季度企业问题征询" in form
    client.post(
        url,
        {"title": "改过的标题", "instructions": "请梳理", "all_departments": "on", "reply_by": "2099-12-31"},
    )
    draft.refresh_from_db()
    assert (
        draft.title == "改过的标题"
        and draft.reply_days is None
        and draft.reply_by.isoformat() == "2099-12-31"
    )
    assert not draft.targets.filter(kind="locality").exists()
    launched = campaign_of(w, title="已发布")
    response = client.get(reverse("solicitation_edit", args=[launched.pk]), follow=True)
    assert "只有草稿状态的征询可以修改" in response.content.decode()


def test_the_hub_returns_a_reply_with_a_reason_and_closes_the_campaign(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    town = target(campaign, w.a.locality)
    actions.do_add_problems(town, w.officer_a, [ProblemInput(content="融资难", complexity="complex")])
    actions.do_submit_reply(town, w.officer_a)
    client.force_login(w.hub)
    change = reverse("solicitation_change", args=[campaign.pk, "return"])
    refused = client.post(change, {"target": town.pk, "reason": ""}, follow=True)
    assert "退回理由" in refused.content.decode()
    client.post(change, {"target": town.pk, "reason": "请写明企业名称"})
    assert Reply.objects.get(target=town).status == "draft"
    client.post(reverse("solicitation_change", args=[campaign.pk, "close"]))
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    client.force_login(w.officer_a)
    page = client.get(reverse("solicitation_detail", args=[campaign.pk])).content.decode()
    assert "请写明企业名称" in page and "提交答复" not in page, "closed: the draft is shown, not editable"


def test_a_unit_downloads_its_template_and_the_hub_does_not(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    department = target(campaign, w.dep("scjgj"))
    url = reverse("solicitation_template", args=[campaign.pk, department.pk])
    client.force_login(w.coord_lead)
    book = load_workbook(io.BytesIO(client.get(url).content))
    assert [c.value for c in book.worksheets[0][1]] == [
        "企业（统一社会信用代码或全称）",
        "问题描述",
        "一般/复杂",
    ]
    client.force_login(w.officer_a)
    assert client.get(url).status_code == 404, "another unit's template"
    client.force_login(w.hub)
    assert client.get(url).status_code == 404


def test_the_list_shows_the_hub_its_counts_and_a_unit_what_waits(world, client):
    w = world.jinghai
    campaign = campaign_of(w)
    client.force_login(w.hub)
    page = client.get(reverse("solicitation_list")).content.decode()
    assert campaign.title in page and "0 / 2" in page and "发起征询" in page
    client.force_login(w.coord_lead)
    page = client.get(reverse("solicitation_list")).content.decode()
    assert "待您答复" in page and "区市场监管局" in page and "发起征询" not in page
    assert client.get(reverse("solicitation_create")).status_code == 404


def test_the_hub_deletes_a_draft_after_confirming_but_never_a_launched_campaign(world, client):
    w = world.jinghai
    draft = campaign_of(w, launch=False, title="下季度征询（草稿）")
    launched = campaign_of(w, title="已发布的征询")
    client.force_login(w.hub)
    page = client.get(reverse("solicitation_detail", args=[draft.pk])).content.decode()
    # The button opens a confirmation; only its own button deletes.
    assert 'id="delete-draft"' in page and "删除后不能恢复" in page
    assert reverse("solicitation_delete", args=[draft.pk]) in page
    page = client.get(reverse("solicitation_detail", args=[launched.pk])).content.decode()
    assert 'id="delete-draft"' not in page
    refused = client.post(reverse("solicitation_delete", args=[launched.pk]), follow=True)
    assert "已发布的征询不能删除" in refused.content.decode()
    assert Campaign.objects.filter(pk=launched.pk).exists()
    deleted = client.post(reverse("solicitation_delete", args=[draft.pk]), follow=True)
    assert deleted.redirect_chain[-1][0] == reverse("solicitation_list")
    assert "征询草稿“下季度征询（草稿）”已删除" in deleted.content.decode()
    assert not Campaign.objects.filter(pk=draft.pk).exists()
    # Another district's hub and a unit are told it does not exist.
    other = campaign_of(w, launch=False)
    for person in (world.nankai.hub, w.officer_a):
        client.force_login(person)
        assert client.post(reverse("solicitation_delete", args=[other.pk])).status_code == 404
    assert Campaign.objects.filter(pk=other.pk).exists()


def test_a_hub_of_two_districts_chooses_the_district_and_gets_its_units(world, client):
    person = hub_of_both(world)
    jinghai, nankai = world.jinghai, world.nankai
    client.force_login(person)
    page = client.get(reverse("solicitation_create")).content.decode()
    assert 'name="district"' in page and 'value="nankai"' in page and 'hx-get="/solicitation/new/"' in page
    assert jinghai.a.locality.name in page and nankai.a.locality.name not in page
    # Choosing 南开 reloads the form for it, keeping what was typed.
    page = client.get(
        reverse("solicitation_create"), {"district": "nankai", "title": "南开一季度征询", "reply_days": "4"}
    ).content.decode()
    assert nankai.a.locality.name in page and jinghai.a.locality.name not in page
    assert 'value="南开一季度征询"' in page and 'value="4"' in page
    assert '<option value="nankai" selected>' in page
    response = client.post(
        reverse("solicitation_create"),
        {
            "district": "nankai",
            "title": "南开一季度征询",
            "instructions": "请梳理辖区企业近期反映的问题",
            "localities": [nankai.a.locality.pk],
            "departments": [nankai.dep("scjgj").pk],
            "reply_days": "4",
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("solicitation_detail", args=[campaign.pk])
    assert campaign.district == nankai.district
    assert {t.unit for t in campaign.targets.all()} == {nankai.a.locality, nankai.dep("scjgj")}


def test_the_district_chosen_is_checked_against_the_person_s_districts(world, client):
    from demandloop.org.models import District

    person = hub_of_both(world)
    jinghai = world.jinghai
    elsewhere = District.objects.create(code="binhai", name="滨海新区")
    client.force_login(person)
    body = {
        "title": "征询",
        "instructions": "请梳理问题",
        "localities": [jinghai.a.locality.pk],
        "reply_days": "3",
    }
    # A district that is not theirs, and units of another district than the one chosen: refused, nothing saved.
    refused = client.post(reverse("solicitation_create"), {**body, "district": elsewhere.code})
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
    refused = client.post(reverse("solicitation_create"), {**body, "district": "nankai"})
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
    assert not Campaign.objects.exists()
    assert client.get(reverse("solicitation_create"), {"district": elsewhere.code}).status_code == 404
    client.post(reverse("solicitation_create"), {**body, "district": "jinghai"})
    assert Campaign.objects.get().district == jinghai.district


def test_a_hub_of_one_district_is_not_asked_which(world, client):
    w = world.nankai
    client.force_login(w.hub)
    page = client.get(reverse("solicitation_create")).content.decode()
    assert 'name="district"' not in page and "南开区" in page
    # A district slipped into the request changes nothing: the campaign is its own district's.
    client.post(
        reverse("solicitation_create"),
        {
            "district": "jinghai",
            "title": "征询",
            "instructions": "请梳理问题",
            "localities": [w.a.locality.pk],
            "reply_days": "3",
        },
    )
    assert Campaign.objects.get().district == w.district
    assert client.get(reverse("solicitation_create"), {"district": "jinghai"}).status_code == 404

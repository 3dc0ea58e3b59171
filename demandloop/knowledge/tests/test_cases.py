"""Typical cases and the annual 十佳服务案例: an officer writes up a demand well handled, the service office returns
or accepts it, colleagues learn from the library, the hub chooses and publishes the year's ten, enterprises read
them, and the 案例汇编 leaves as Word and Excel."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from rest_framework.test import APIClient

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed
from demandloop.demands.tests.world import World, build_world, drive
from demandloop.integrations.models import Notification
from demandloop.knowledge import actions
from demandloop.knowledge.casebook import casebook_file
from demandloop.knowledge.cases import case_draft, case_title, demand_facts
from demandloop.knowledge.choices import CaseStatusChoices as CS
from demandloop.knowledge.models import CaseSelection, TypicalCase

pytestmark = pytest.mark.django_db

TEXTS = {
    "title": "多部门联办助企业食堂如期开业",
    "background": "企业新开食堂，急需办理食品经营许可。",
    "approach": "片区服务员吹哨，市场监管局牵头、税务局配合，三天内上门指导。",
    "outcome": "许可证按期办结，企业评价满意。",
    "lessons": "一次告知、部门联办，企业少跑腿。",
}


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def nominate(w: Any, demand: Any = None, by: Any = None, **extra: Any) -> TypicalCase:
    demand = demand or drive(w, S.EVALUATED)
    return actions.do_nominate_case(demand, by or w.officer_a, **{**TEXTS, **extra})


def accepted(w: Any, **extra: Any) -> TypicalCase:
    case = nominate(w, **extra)
    return actions.do_accept_case(case, w.hub)


# --- Nominating --------------------------------------------------------------------------------------------


def test_a_case_s_title_quotes_the_demand_s_and_fits_the_field():
    assert case_title("我们饭店的外摆经营被城管罚款？") == "“我们饭店的外摆经营被城管罚款”诉求办理案例"
    long = case_title("长" * 200)
    assert len(long) <= TypicalCase._meta.get_field("title").max_length and "…" in long


def test_it_drafts_the_case_from_the_demand_and_its_events(world):
    w = world.jinghai
    demand = drive(w, S.EVALUATED)
    draft = case_draft(demand)
    assert draft["title"] == f"“{demand.title}”诉求办理案例"
    assert "企业新开食堂" in draft["background"] and w.ent_a.name in draft["background"]
    assert "区市场监管局" in draft["approach"] and "区税务局" in draft["approach"]
    assert "三个工作日内上门指导" in draft["approach"]
    assert "已办结" in draft["outcome"] and "部分解决" in draft["outcome"] and "基本满意" in draft["outcome"]
    assert draft["tags"] == [demand.domain.name]
    facts = demand_facts(demand)
    assert facts.tier_level == 2 and facts.tiers_passed == (2,)
    assert facts.working_days == 0 and facts.on_time is True


def test_the_facts_of_many_demands_take_as_many_queries_as_of_one(world, django_assert_max_num_queries):
    from demandloop.knowledge.cases import facts_of
    from demandloop.sla.services import get_calendar

    w = world.jinghai
    demands = [drive(w, S.EVALUATED) for _ in range(4)] + [drive(w, S.ANSWERED)]
    get_calendar()
    with django_assert_max_num_queries(6):
        facts = facts_of(demands)
    assert facts[demands[0].pk].departments == ("区市场监管局", "区税务局")
    assert facts[demands[-1].pk].tiers_passed == (1,) and facts[demands[-1].pk].departments == ()


def test_it_lets_the_officer_of_the_area_nominate_a_resolved_demand_with_one_event(world):
    w = world.jinghai
    case = nominate(w, tags="营商环境、 食品 ,许可")
    assert case.status == CS.SUBMITTED and case.author == w.officer_a and case.author_role == "officer"
    assert case.year == timezone.localtime(case.demand.resolved_at).year
    assert case.tags == ["营商环境", "食品", "许可"]
    event = case.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "nominate",
        "",
        "submitted",
        w.officer_a,
    )


def test_it_lets_the_department_and_the_hub_nominate_but_not_the_leader_or_another_area(world):
    w = world.jinghai
    assert nominate(w, by=w.coord_lead).author_role == "coordinator"
    assert nominate(w, by=w.hub).author_role == "hub"
    with pytest.raises(ActionForbidden):
        nominate(w, by=w.leader)
    with pytest.raises(ActionForbidden):
        nominate(w, by=w.officer_b)
    with pytest.raises(ActionForbidden):
        nominate(w, by=world.nankai.hub)


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.WITHDRAWN, S.OUT_OF_SCOPE, S.MERGED])
def test_it_refuses_a_demand_not_resolved(world, status):
    w = world.jinghai
    with pytest.raises(ActionNotAllowed):
        nominate(w, demand=drive(w, status), by=w.hub)
    assert not TypicalCase.objects.exists()


def test_it_takes_an_answered_or_closed_demand(world):
    w = world.jinghai
    assert nominate(w, demand=drive(w, S.ANSWERED)).status == CS.SUBMITTED
    assert nominate(w, demand=drive(w, S.CLOSED)).status == CS.SUBMITTED


def test_it_keeps_one_case_per_demand(world):
    w = world.jinghai
    case = nominate(w)
    with pytest.raises(ActionNotAllowed):
        nominate(w, demand=case.demand, by=w.hub)


def test_it_names_the_empty_field_and_saves_nothing(world):
    w = world.jinghai
    with pytest.raises(ActionInvalid) as error:
        nominate(w, lessons="  ")
    assert error.value.field == "lessons" and "经验启示" in error.value.message
    with pytest.raises(ActionInvalid) as error:
        nominate(w, tags=["一个很长很长很长很长很长很长很长很长的标签"])
    assert error.value.field == "tags"
    assert not TypicalCase.objects.exists()


def test_it_clears_the_enterprise_name_from_an_anonymised_case(world):
    w = world.jinghai
    name = w.ent_a.name
    case = nominate(w, anonymous=True, background=f"{name}反映食堂许可办理难。", title=f"帮{name}办许可")
    assert name not in case.background and name not in case.title
    assert case.background.startswith("某企业")


def test_the_hub_hears_of_a_nomination_in_its_inbox_and_by_e_mail(world):
    from demandloop.integrations.models import OutboxMessage

    w = world.jinghai
    w.hub.email = "hub@jinghai.example.gov.cn"
    w.hub.save(update_fields=["email"])
    case = nominate(w)
    told = Notification.objects.get(topic="case_nominated")
    assert told.user == w.hub and told.district == w.district
    assert told.subject == f"典型案例待审核：{TEXTS['title']}"
    assert f"#{case.demand_id}" in told.body and told.link == f"/cases/{case.pk}/"
    mail = OutboxMessage.objects.get(topic="case_nominated")
    assert (mail.channel, mail.recipient, mail.status) == ("email", "hub@jinghai.example.gov.cn", "pending")
    # Another district's hub, and the author, hear nothing of it.
    assert not Notification.objects.filter(user__in=[world.nankai.hub, w.officer_a]).exists()


def test_the_hub_is_not_told_of_its_own_nomination_but_hears_of_a_resubmission(world):
    w = world.jinghai
    nominate(w, by=w.hub)
    assert not Notification.objects.filter(topic="case_nominated").exists()
    case = nominate(w)
    actions.do_return_case(case, w.hub, reason="请补充成效数据")
    actions.do_edit_case(case, w.officer_a, **{**TEXTS, "outcome": "许可证3天办结。"})
    subjects = list(
        Notification.objects.filter(user=w.hub, topic="case_nominated")
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects == [f"典型案例待审核：{TEXTS['title']}", f"典型案例已修改，待重新审核：{TEXTS['title']}"]


def test_a_nomination_rolled_back_tells_nobody(world):
    from django.db import transaction

    from demandloop.integrations.models import OutboxMessage

    w = world.jinghai
    w.hub.email = "hub@jinghai.example.gov.cn"
    w.hub.save(update_fields=["email"])
    demand = drive(w, S.EVALUATED)
    before = Notification.objects.count()  # the enterprise was told of its demand's resolution
    with pytest.raises(RuntimeError), transaction.atomic():
        nominate(w, demand=demand)
        raise RuntimeError("the caller's transaction fails after the nomination")
    assert not TypicalCase.objects.exists()
    assert (
        Notification.objects.count() == before
        and not OutboxMessage.objects.filter(topic="case_nominated").exists()
    )


# --- Review ------------------------------------------------------------------------------------------------


def test_the_hub_returns_with_a_reason_the_author_revises_and_the_hub_accepts(world):
    w = world.jinghai
    case = nominate(w)
    with pytest.raises(ActionInvalid) as error:
        actions.do_return_case(case, w.hub, reason=" ")
    assert error.value.field == "reason"
    actions.do_return_case(case, w.hub, reason="请补充成效数据")
    assert case.status == CS.RETURNED and case.return_reason == "请补充成效数据"
    returned = Notification.objects.get(user=w.officer_a, topic="case")
    assert (
        "退回" in returned.subject
        and returned.body == "请补充成效数据"
        and returned.link == f"/cases/{case.pk}/"
    )
    with pytest.raises(ActionNotAllowed):
        actions.do_accept_case(case, w.hub)

    actions.do_edit_case(case, w.officer_a, **{**TEXTS, "outcome": "许可证3天办结，节省开业时间两周。"})
    assert case.status == CS.SUBMITTED and "两周" in case.outcome
    actions.do_accept_case(case, w.hub, note="写得好")
    case.refresh_from_db()
    assert case.status == CS.ACCEPTED and case.accepted_at is not None
    assert Notification.objects.filter(user=w.officer_a, topic="case").count() == 2
    steps = list(case.events.values_list("action", "from_status", "to_status", "note"))
    assert steps == [
        ("nominate", "", "submitted", ""),
        ("return", "submitted", "returned", "请补充成效数据"),
        ("resubmit", "returned", "submitted", ""),
        ("accept", "submitted", "accepted", "写得好"),
    ]


def test_only_the_hub_of_the_district_reviews(world):
    w = world.jinghai
    case = nominate(w)
    for person in (w.officer_a, w.coord_lead, world.nankai.hub, w.dispatcher):
        with pytest.raises(ActionForbidden):
            actions.do_accept_case(case, person)
        with pytest.raises(ActionForbidden):
            actions.do_return_case(case, person, reason="不行")
    assert TypicalCase.objects.get().status == CS.SUBMITTED


def test_an_accepted_case_is_edited_by_the_hub_only(world):
    w = world.jinghai
    case = accepted(w)
    with pytest.raises(ActionNotAllowed):
        actions.do_edit_case(case, w.officer_a, **TEXTS)
    actions.do_edit_case(case, w.hub, **{**TEXTS, "title": "改后的标题"})
    assert case.title == "改后的标题" and case.status == CS.ACCEPTED
    with pytest.raises(ActionForbidden):
        actions.do_edit_case(case, w.officer_b, **TEXTS)


def test_a_stale_copy_loses_to_the_first_reviewer(world):
    w = world.jinghai
    case = nominate(w)
    stale = TypicalCase.objects.get(pk=case.pk)
    actions.do_accept_case(case, w.hub)
    from demandloop.demands.errors import DemandConflict

    stale.status = CS.SUBMITTED
    with pytest.raises(DemandConflict):
        actions.do_return_case(stale, w.hub, reason="晚了一步")
    assert TypicalCase.objects.get().status == CS.ACCEPTED


# --- Who reads which case ----------------------------------------------------------------------------------


def readers(case: TypicalCase, people: dict[str, Any]) -> set[str]:
    return {
        name
        for name, user in people.items()
        if TypicalCase.objects.for_user(user).filter(pk=case.pk).exists()
    }


def test_the_scope_of_a_case_follows_its_state(world):
    w = world.jinghai
    people = {**w.people, "nankai_hub": world.nankai.hub, "sysadmin": world.admins["sysadmin"]}
    case = nominate(w)
    assert readers(case, people) == {"officer_a", "hub"}
    actions.do_accept_case(case, w.hub)
    staff = {"officer_a", "officer_b", "social", "industry", "coord_lead", "coord_co", "coord_other", "lead"}
    assert readers(case, people) == staff | {"leader", "hub", "dispatcher"}
    selection = actions.do_set_selection(w.district, w.hub, year=case.year, cases=[case])
    assert "ent_user_b" not in readers(case, people)
    actions.do_publish_selection(selection, w.hub)
    assert readers(case, people) == staff | {"leader", "hub", "dispatcher", "ent_user_a", "ent_user_b"}


# --- The annual selection ----------------------------------------------------------------------------------


def test_the_hub_chooses_at_most_ten_accepted_cases_of_the_year_in_order(world):
    w = world.jinghai
    cases = [accepted(w) for _ in range(3)]
    year = cases[0].year
    selection = actions.do_set_selection(w.district, w.hub, year=year, cases=[cases[2], cases[0]])
    assert list(selection.entries.values_list("case_id", "rank")) == [(cases[2].pk, 1), (cases[0].pk, 2)]
    with pytest.raises(ActionInvalid) as error:
        actions.do_set_selection(w.district, w.hub, year=year, cases=cases * 4)
    assert error.value.field == "cases"
    with pytest.raises(ActionInvalid):
        actions.do_set_selection(w.district, w.hub, year=year, cases=[cases[0], cases[0]])
    with pytest.raises(ActionInvalid):
        actions.do_set_selection(w.district, w.hub, year=year + 1, cases=[cases[0]])
    with pytest.raises(ActionInvalid):
        actions.do_set_selection(w.district, w.hub, year=year, cases=[nominate(w)])
    with pytest.raises(ActionForbidden):
        actions.do_set_selection(w.district, world.nankai.hub, year=year, cases=[cases[0]])
    with pytest.raises(ActionInvalid) as error:
        actions.do_set_selection(w.district, w.hub, year="20x6", cases=[])
    assert error.value.field == "year"
    assert list(selection.entries.values_list("case_id", flat=True)) == [cases[2].pk, cases[0].pk]


def test_a_published_selection_is_frozen_until_unpublished_with_a_reason(world):
    w = world.jinghai
    case = accepted(w)
    selection = actions.do_set_selection(w.district, w.hub, year=case.year, cases=[case])
    actions.do_publish_selection(selection, w.hub)
    assert selection.is_published and selection.published_by == w.hub
    assert Notification.objects.filter(user=w.officer_a, subject__contains="十佳").exists()
    with pytest.raises(ActionNotAllowed):
        actions.do_set_selection(w.district, w.hub, year=case.year, cases=[])
    with pytest.raises(ActionNotAllowed):
        actions.do_edit_case(case, w.hub, **TEXTS)
    with pytest.raises(ActionInvalid) as error:
        actions.do_unpublish_selection(selection, w.hub, reason="")
    assert error.value.field == "reason"
    actions.do_unpublish_selection(selection, w.hub, reason="案例需补充材料")
    assert selection.status == "draft"
    assert list(selection.events.values_list("action", "note")) == [
        ("set", ""),
        ("publish", ""),
        ("unpublish", "案例需补充材料"),
    ]
    actions.do_set_selection(w.district, w.hub, year=case.year, cases=[])
    with pytest.raises(ActionInvalid):
        actions.do_publish_selection(CaseSelection.objects.get(), w.hub)


# --- The casebook ------------------------------------------------------------------------------------------


def document_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_the_casebook_of_the_ten_is_a_document_in_official_form(world):
    w = world.jinghai
    first = accepted(w, title="第一个案例")
    second = accepted(w, title="第二个案例", anonymous=True, background=f"{w.ent_a.name}反映问题。")
    selection = actions.do_set_selection(w.district, w.hub, year=first.year, cases=[second, first])
    empty = document_text(casebook_file(w.district, first.year, "top10", "docx").content)
    assert "尚未发布" in empty
    actions.do_publish_selection(selection, w.hub)
    file = casebook_file(w.district, first.year, "top10", "docx", on=date(2026, 12, 28))
    text = document_text(file.content)
    assert f"静海区{first.year}年度十佳服务案例汇编" in text
    assert "区政务服务办\u30002026年12月28日" in text
    assert text.index("一、第二个案例") < text.index("二、第一个案例")
    for heading in ("（一）背景", "（二）做法", "（三）成效", "（四）经验启示"):
        assert heading in text
    assert w.ent_a.name in text.split("二、第一个案例")[1]
    assert w.ent_a.name not in text.split("二、第一个案例")[0]
    assert file.ascii_filename == f"cases-jinghai-{first.year}-top10.docx"


def test_the_excel_list_holds_every_accepted_case_as_text(world):
    w = world.jinghai
    case = accepted(w, title="=HYPERLINK(1)")
    nominate(w, title="未入库的案例")
    book = load_workbook(io.BytesIO(casebook_file(w.district, case.year, "accepted", "xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "案例标题", "企业")
    assert len(rows) == 2 and rows[1][1] == "=HYPERLINK(1)"
    assert book.active["B2"].data_type == "s"


def test_the_command_writes_the_casebook_and_names_bad_arguments(world, tmp_path: Path):
    w = world.jinghai
    case = accepted(w)
    out = tmp_path / "案例.docx"
    call_command(
        "cases",
        "export",
        "--district",
        "jinghai",
        "--year",
        str(case.year),
        "--collection",
        "accepted",
        "--out",
        str(out),
    )
    assert case.title in document_text(out.read_bytes())
    with pytest.raises(CommandError, match="--year"):
        call_command("cases", "export", "--district", "jinghai", "--year", "去年", "--out", str(out))
    with pytest.raises(CommandError, match="--collection"):
        call_command(
            "cases",
            "export",
            "--district",
            "jinghai",
            "--year",
            "2026",
            "--collection",
            "all",
            "--out",
            str(out),
        )
    with pytest.raises(CommandError, match="xiqing"):
        call_command("cases", "export", "--district", "xiqing", "--year", "2026", "--out", str(out))


# --- API ---------------------------------------------------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_nominates_reviews_selects_and_exports(world):
    w = world.jinghai
    demand = drive(w, S.EVALUATED)
    officer = api(w.officer_a)
    draft = officer.get(f"/api/v1/cases/draft/?demand={demand.pk}")
    assert draft.status_code == 200 and draft.json()["title"] == f"“{demand.title}”诉求办理案例"
    assert api(w.officer_b).get(f"/api/v1/cases/draft/?demand={demand.pk}").status_code == 404
    missing = officer.post("/api/v1/cases/", {**TEXTS, "demand": demand.pk, "lessons": ""}, format="json")
    assert missing.status_code == 400 and "lessons" in missing.json()
    created = officer.post("/api/v1/cases/", {**TEXTS, "demand": demand.pk, "tags": ["食品"]}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["facts"]["departments"] == ["区市场监管局", "区税务局"]
    assert officer.get(f"/api/v1/cases/draft/?demand={demand.pk}").status_code == 409
    assert api(w.officer_b).get(f"/api/v1/cases/{pk}/").status_code == 404
    assert api(w.officer_a).post(f"/api/v1/cases/{pk}/accept/", {}).status_code == 403
    hub = api(w.hub)
    returned = hub.post(f"/api/v1/cases/{pk}/return/", {"reason": "补充数据"}, format="json")
    assert returned.json()["status"] == "returned"
    assert officer.patch(f"/api/v1/cases/{pk}/", ["三天办结"], format="json").status_code == 400
    revised = officer.patch(f"/api/v1/cases/{pk}/", {"outcome": "三天办结"}, format="json")
    assert revised.status_code == 200 and revised.json()["status"] == "submitted"
    assert hub.post(f"/api/v1/cases/{pk}/accept/", {}, format="json").json()["status"] == "accepted"
    events = officer.get(f"/api/v1/cases/{pk}/events/").json()
    assert [e["action"] for e in events] == ["nominate", "return", "resubmit", "accept"]
    year = TypicalCase.objects.get().year

    chosen = hub.put("/api/v1/cases/selection/", {"year": year, "cases": [pk]}, format="json")
    assert chosen.status_code == 200 and chosen.json()["entries"][0]["case"]["id"] == pk
    assert api(w.ent_user_b).get(f"/api/v1/cases/selection/?year={year}").json()["entries"] == []
    assert hub.post("/api/v1/cases/selection/publish/", {"year": year}, format="json").status_code == 200
    public = api(w.ent_user_b).get(f"/api/v1/cases/selection/?year={year}").json()
    assert [e["case"]["id"] for e in public["entries"]] == [pk] and "candidates" not in public
    assert (
        api(world.nankai.hub).get(f"/api/v1/cases/selection/?district=jinghai&year={year}").status_code == 404
    )
    assert (
        hub.post(
            "/api/v1/cases/selection/unpublish/", {"year": year, "reason": ""}, format="json"
        ).status_code
        == 400
    )

    word = api(w.ent_user_b).get(f"/api/v1/cases/export/?year={year}&format=docx")
    assert word.status_code == 200 and TypicalCase.objects.get().title in document_text(word.content)
    assert api(w.ent_user_b).get(f"/api/v1/cases/export/?year={year}&collection=accepted").status_code == 404
    assert hub.get(f"/api/v1/cases/export/?year={year}&collection=accepted&format=xlsx").status_code == 200
    bad = hub.get(f"/api/v1/cases/export/?year={year}&format=pdf")
    assert bad.status_code == 400 and "format" in bad.json()
    assert api(world.nankai.hub).get(f"/api/v1/cases/export/?district=jinghai&year={year}").status_code == 404


# --- Pages -------------------------------------------------------------------------------------------------


def test_the_officer_nominates_from_the_demand_page_with_the_draft_filled_in(world, client):
    w = world.jinghai
    demand = drive(w, S.EVALUATED)
    client.force_login(w.officer_a)
    page = client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    assert reverse("case_nominate", args=[demand.pk]) in page
    form = client.get(reverse("case_nominate", args=[demand.pk])).content.decode()
    assert "企业新开食堂" in form and "区税务局" in form
    refused = client.post(reverse("case_nominate", args=[demand.pk]), {**TEXTS, "outcome": ""})
    assert refused.status_code == 400 and "该字段是必填项" in refused.content.decode()
    done = client.post(reverse("case_nominate", args=[demand.pk]), {**TEXTS, "tags": "食品、许可"})
    case = TypicalCase.objects.get()
    assert done["Location"] == reverse("case_detail", args=[case.pk]) and case.tags == ["食品", "许可"]
    assert "nominate-case" not in client.get(reverse("demand_detail", args=[demand.pk])).content.decode()
    client.force_login(w.officer_b)
    assert client.get(reverse("case_nominate", args=[demand.pk])).status_code == 404
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_the_hub_reviews_on_the_case_page_and_the_list_filters_by_htmx(world, client):
    w = world.jinghai
    case = nominate(w)
    client.force_login(w.hub)
    listing = client.get(reverse("case_list")).content.decode()
    assert "1 个案例等待您审核" in listing and case.title in listing
    partial = client.get(reverse("case_list") + "?status=accepted", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and case.title not in partial
    client.post(reverse("case_review", args=[case.pk, "return"]), {"reason": ""})
    assert TypicalCase.objects.get().status == CS.SUBMITTED
    client.post(reverse("case_review", args=[case.pk, "return"]), {"reason": "补充成效"})
    assert TypicalCase.objects.get().status == CS.RETURNED
    client.force_login(w.officer_a)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "补充成效" in page and reverse("case_edit", args=[case.pk]) in page
    client.post(reverse("case_edit", args=[case.pk]), {**TEXTS, "outcome": "补充后的成效"})
    assert TypicalCase.objects.get().status == CS.SUBMITTED
    client.force_login(w.hub)
    client.post(reverse("case_review", args=[case.pk, "accept"]), {"note": ""})
    assert TypicalCase.objects.get().status == CS.ACCEPTED


def test_the_hub_selects_by_places_and_enterprises_read_the_published_ten(world, client):
    w = world.jinghai
    first, second = accepted(w, title="甲案例"), accepted(w, title="乙案例")
    year = first.year
    client.force_login(w.hub)
    url = reverse("case_selection") + f"?year={year}"
    page = client.get(url).content.decode()
    assert "甲案例" in page and "基本满意" in page and "区市场监管局" in page
    clash = client.post(url, {"year": year, f"place-{first.pk}": "1", f"place-{second.pk}": "1"})
    assert clash.status_code == 400 and "第 1 名" in clash.content.decode()
    client.post(url, {"year": year, f"place-{first.pk}": "2", f"place-{second.pk}": "1"})
    assert list(CaseSelection.objects.get().entries.values_list("case_id", flat=True)) == [
        second.pk,
        first.pk,
    ]
    client.force_login(w.ent_user_b)
    assert "乙案例" not in client.get(reverse("case_showcase")).content.decode()
    client.force_login(w.hub)
    client.post(reverse("case_selection_publish"), {"year": year})
    assert CaseSelection.objects.get().is_published
    client.force_login(w.ent_user_b)
    showcase = client.get(reverse("case_showcase")).content.decode()
    assert showcase.index("乙案例") < showcase.index("甲案例")
    assert client.get(reverse("case_list")).status_code == 404
    download = client.get(reverse("case_casebook") + f"?year={year}")
    assert download.status_code == 200 and "乙案例" in document_text(download.content)
    assert client.get(reverse("case_casebook") + f"?year={year}&collection=accepted").status_code == 404
    assert client.get(reverse("case_casebook") + "?year=abc").status_code == 400


# --- Refusals in the audit trail ----------------------------------------------------------------------------


def failures(action: str) -> list[tuple[Any, str, str, str]]:
    """(user, object type, object id, refusal code) of every failed audit row of `action`, oldest first."""
    from demandloop.core.models import AuditEvent

    rows = AuditEvent.objects.filter(action=action, success=False).order_by("pk")
    return [(row.user, row.object_type, row.object_id, row.detail["code"]) for row in rows]


def test_a_refused_case_action_through_the_api_is_audited_as_a_failure(world):
    from demandloop.core.models import AuditEvent

    w = world.jinghai
    case = nominate(w)
    # The author may not review their own case (403), and the refusal is not lost with the rolled-back work.
    refused = api(w.officer_a).post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")
    assert refused.status_code == 403
    assert failures("knowledge.case.accept") == [
        (w.officer_a, "knowledge.typicalcase", str(case.pk), "forbidden")
    ]
    row = AuditEvent.objects.get(action="knowledge.case.accept", success=False)
    assert row.message == refused.json()["detail"] and row.district_id == w.district.pk
    assert row.detail["status"] == "submitted"
    hub = api(w.hub)
    assert hub.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json").status_code == 200
    # The state refuses a second review (409); an unresolved demand cannot be nominated (409).
    assert hub.post(f"/api/v1/cases/{case.pk}/return/", {"reason": "补充"}, format="json").status_code == 409
    assert failures("knowledge.case.return") == [
        (w.hub, "knowledge.typicalcase", str(case.pk), "not_allowed")
    ]
    open_demand = drive(w, S.IN_PROGRESS)
    body = {**TEXTS, "demand": open_demand.pk}
    assert api(w.officer_a).post("/api/v1/cases/", body, format="json").status_code == 409
    assert failures("knowledge.case.nominate") == [
        (w.officer_a, "demands.demand", str(open_demand.pk), "not_allowed")
    ]
    # The selection: a case of another district's hub is not theirs to choose (404 before any action); a
    # published selection cannot be published again, nor unpublished without a reason.
    year = case.year
    assert (
        hub.put("/api/v1/cases/selection/", {"year": year, "cases": [case.pk]}, format="json").status_code
        == 200
    )
    assert hub.post("/api/v1/cases/selection/publish/", {"year": year}, format="json").status_code == 200
    assert hub.post("/api/v1/cases/selection/publish/", {"year": year}, format="json").status_code == 409
    body = {"year": year, "reason": " "}
    assert hub.post("/api/v1/cases/selection/unpublish/", body, format="json").status_code == 400
    assert (
        hub.put("/api/v1/cases/selection/", {"year": year, "cases": [case.pk]}, format="json").status_code
        == 409
    )
    selection = CaseSelection.objects.get()
    assert failures("knowledge.selection.publish") == [
        (w.hub, "knowledge.caseselection", str(selection.pk), "not_allowed")
    ]
    assert failures("knowledge.selection.unpublish") == [
        (w.hub, "knowledge.caseselection", str(selection.pk), "invalid")
    ]
    assert failures("knowledge.selection.set") == [(w.hub, "org.district", str(w.district.pk), "not_allowed")]
    assert AuditEvent.objects.get(action="knowledge.selection.set", success=False).detail["year"] == str(year)
    # Nothing of it passed as an access refusal of the API route (one row per refusal).
    assert not AuditEvent.objects.filter(action="access.refused").exists()


def test_a_refused_case_action_on_the_pages_is_audited_as_a_failure(world, client):
    w = world.jinghai
    case = accepted(w)
    # Nominating a demand that is a case already, from a form opened a moment earlier.
    client.force_login(w.hub)
    response = client.post(reverse("case_nominate", args=[case.demand_id]), TEXTS)
    assert response["Location"] == reverse("demand_detail", args=[case.demand_id])
    assert failures("knowledge.case.nominate") == [
        (w.hub, "demands.demand", str(case.demand_id), "not_allowed")
    ]
    # Reviewing an accepted case again.
    client.post(reverse("case_review", args=[case.pk, "accept"]), {"note": ""})
    assert failures("knowledge.case.accept") == [
        (w.hub, "knowledge.typicalcase", str(case.pk), "not_allowed")
    ]
    # A colleague who reads the library case may not edit it.
    client.force_login(w.coord_lead)
    response = client.post(reverse("case_edit", args=[case.pk]), {**TEXTS, "outcome": "改写"})
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert TypicalCase.objects.get().outcome == TEXTS["outcome"]
    assert failures("knowledge.case.edit") == [
        (w.coord_lead, "knowledge.typicalcase", str(case.pk), "forbidden")
    ]
    # Publishing an empty selection.
    client.force_login(w.hub)
    actions.do_set_selection(w.district, w.hub, year=case.year, cases=[])
    client.post(reverse("case_selection_publish"), {"year": case.year})
    assert [code for *_rest, code in failures("knowledge.selection.publish")] == ["invalid"]


def test_the_history_of_a_case_and_a_selection_cannot_be_rewritten(world):
    from django.db import DatabaseError, transaction

    from demandloop.knowledge.models import CaseSelectionEvent, TypicalCaseEvent

    w = world.jinghai
    case = accepted(w)
    actions.do_set_selection(w.district, w.hub, year=case.year, cases=[case])
    for model in (TypicalCaseEvent, CaseSelectionEvent):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.update(note="改写")
    assert not TypicalCaseEvent.objects.filter(note="改写").exists()

"""The hub keeps the handbook on its pages (静海 §四(一): 动态更新常见问题解答及部门联系人信息); every colleague reads
it; each change is a version; the portal and the suggestions read what is published."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from demandloop.core.models import AuditEvent
from demandloop.knowledge.handbook import load_handbook
from demandloop.knowledge.models import FaqEntry
from demandloop.knowledge.queries import faq_index_for
from demandloop.org.models import Department
from demandloop.org.presets import load_preset

QUESTION = "冷链仓储企业如何申请冷库建设补助？"
ANSWER = "向区商务局提交冷库建设项目备案和投资凭证，补助按投资额的10%核定，每年3月集中受理。"


@pytest.fixture
def people(db: Any, make_user: Any) -> Any:
    jinghai = load_preset("jinghai").district
    nankai = load_preset("nankai").district
    load_handbook("jinghai")
    area = jinghai.areas.order_by("order").first()
    enterprise = _enterprise(jinghai, area)

    class People:
        district = jinghai
        hub = make_user("hb-hub", "hub", jinghai, full_name="枢纽甲")
        officer = make_user("hb-officer", "officer", jinghai, areas=[area])
        other_hub = make_user("hb-hub-n", "hub", nankai)
        company = make_user("hb-ent", "enterprise", jinghai, enterprise=enterprise)
        commerce = Department.objects.get(district=jinghai, code="swuj")

    return People


def _enterprise(district: Any, area: Any) -> Any:
    from stdnum.cn import uscc

    from demandloop.enterprises.models import Enterprise

    body = "91120223MA0HB0001"
    return Enterprise.objects.create(
        district=district, area=area, name="天津冷链物流有限公司", uscc=body + uscc.calc_check_digit(body)
    )


def _form(**values: Any) -> dict[str, Any]:
    data = {
        "question": QUESTION,
        "answer": ANSWER,
        "contacts": "区商务局 022-1234",
        "keywords": "冷库、冷链、补助",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def _add(client: Any, people: Any) -> FaqEntry:
    client.force_login(people.hub)
    response = client.post(reverse("handbook_new"), _form(department=people.commerce.pk, is_published="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    return FaqEntry.objects.get(district=people.district, question=QUESTION)


def test_the_hub_adds_a_question_that_colleagues_enterprises_and_new_demands_then_find(client, people):
    before = FaqEntry.objects.filter(district=people.district).count()
    entry = _add(client, people)
    assert entry.code.startswith("hub-") and entry.version == 1 and entry.order == before + 1
    assert entry.keywords == ["冷库", "冷链", "补助"] and entry.department == people.commerce
    assert AuditEvent.objects.filter(action="knowledge.faq.add", user=people.hub).count() == 1

    client.force_login(people.officer)
    page = client.get(reverse("handbook"), {"q": "冷库 补助"}).content.decode()
    assert QUESTION in page and "共 1 个问题" in page and "新增问题" not in page
    client.force_login(people.company)
    assert QUESTION in client.get(reverse("portal_policies")).content.decode()
    matches = faq_index_for(people.district.pk).search("我们是冷链企业，新建冷库想申请补助")
    assert matches and matches[0].code == entry.code


def test_an_edit_is_a_new_version_and_a_withdrawal_hides_the_question(client, people):
    entry = _add(client, people)
    edited = client.post(
        reverse("handbook_edit", args=[entry.pk]),
        _form(
            answer=ANSWER + "2027年起改为每季度受理。",
            department=people.commerce.pk,
            is_published="on",
            version=1,
        ),
    )
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2 and entry.answer.endswith("每季度受理。")
    page = client.get(reverse("handbook_edit", args=[entry.pk])).content.decode()
    assert page.count("data-version=") == 2 and "枢纽甲" in page
    assert ANSWER + "</div>" in page, "version 1's answer is kept in the list"

    # Withdrawing is not a new version; officers and enterprises no longer see it, the hub still does.
    client.post(
        reverse("handbook_edit", args=[entry.pk]),
        _form(answer=entry.answer, department=people.commerce.pk, version=2),
    )
    entry.refresh_from_db()
    assert (entry.version, entry.is_published) == (2, False)
    assert QUESTION in client.get(reverse("handbook"), {"status": "withdrawn"}).content.decode()
    client.force_login(people.officer)
    assert QUESTION not in client.get(reverse("handbook")).content.decode()
    # An officer cannot ask for the withdrawn ones.
    assert QUESTION not in client.get(reverse("handbook"), {"status": "withdrawn"}).content.decode()
    client.force_login(people.company)
    assert QUESTION not in client.get(reverse("portal_policies")).content.decode()
    assert all(m.code != entry.code for m in faq_index_for(people.district.pk).search(QUESTION))


def test_bad_input_names_the_field_and_saves_nothing(client, people):
    client.force_login(people.hub)
    count = FaqEntry.objects.count()
    empty = client.post(reverse("handbook_new"), _form(answer="  "))
    assert empty.status_code == 400 and "field-answer" in empty.content.decode()
    existing = FaqEntry.objects.filter(district=people.district).first()
    twin = client.post(reverse("handbook_new"), _form(question=existing.question))
    text = twin.content.decode()
    assert twin.status_code == 400 and f"手册中已有相同的问题（编号 {existing.code}）" in text
    long_word = client.post(reverse("handbook_new"), _form(keywords="冷库、" + "长" * 21))
    assert long_word.status_code == 400 and "超过 20 个字" in long_word.content.decode()
    assert FaqEntry.objects.count() == count


def test_a_save_over_someone_elses_newer_version_is_refused(client, people):
    entry = _add(client, people)
    client.post(
        reverse("handbook_edit", args=[entry.pk]), _form(answer="第二版。", version=1, is_published="on")
    )
    stale = client.post(
        reverse("handbook_edit", args=[entry.pk]),
        _form(answer="基于第一版的修改。", version=1, is_published="on"),
        follow=True,
    )
    assert "他人刚刚保存了此问题（第 2 版）" in stale.content.decode()
    entry.refresh_from_db()
    assert (entry.version, entry.answer) == (2, "第二版。")


def test_only_the_districts_hub_keeps_its_handbook(client, people):
    entry = FaqEntry.objects.filter(district=people.district).first()
    client.force_login(people.officer)
    assert client.get(reverse("handbook_new")).status_code == 404
    assert client.get(reverse("handbook_edit", args=[entry.pk])).status_code == 404
    client.force_login(people.other_hub)
    assert client.get(reverse("handbook_edit", args=[entry.pk])).status_code == 404
    assert client.get(reverse("handbook"), {"district": "jinghai"}).status_code == 404
    client.force_login(people.company)
    assert client.get(reverse("handbook")).status_code == 404


def test_every_colleague_downloads_the_handbook(client, people):
    client.force_login(people.officer)
    word = client.get(reverse("handbook_download", args=["docx"]))
    assert word.status_code == 200 and word["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("handbook_download", args=["pdf"])).status_code == 404


def _api(user: Any) -> Any:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_hub_keeps_the_handbook_over_the_api_too(people):
    hub = _api(people.hub)
    created = hub.post(
        "/api/v1/faq/",
        {"question": QUESTION, "answer": ANSWER, "department": "swuj", "keywords": ["冷库", "补助"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["department"], body["version"], body["is_published"]) == ("swuj", 1, True)
    url = f"/api/v1/faq/{body['id']}/"

    assert hub.patch(url, {"answer": "新口径。"}, format="json").json() == {
        "version": ["请注明据以修改的版本号。"]
    }
    not_an_object = hub.patch(url, [None, None], format="json")
    assert (not_an_object.status_code, not_an_object.json()) == (400, {"detail": ["请求体须为 JSON 对象。"]})
    changed = hub.patch(url, {"answer": "新口径。", "version": 1}, format="json")
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    assert hub.patch(url, {"answer": "旧的修改。", "version": 1}, format="json").status_code == 409
    assert hub.patch(url, {"department": "nope", "version": 2}, format="json").json() == {
        "department": ["本区没有这个部门。"]
    }
    withdrawn = hub.patch(url, {"is_published": False, "version": 2}, format="json").json()
    assert (withdrawn["is_published"], withdrawn["version"]) == (False, 2)
    assert hub.get(url).status_code == 200, "the hub still reads its withdrawn entry"

    # Everyone else reads the published entries only, and writes nothing.
    officer = _api(people.officer)
    assert officer.get(url).status_code == 404
    assert (
        officer.post("/api/v1/faq/", {"question": "问？", "answer": "答。"}, format="json").status_code == 404
    )
    other = _api(people.other_hub)
    assert other.patch(url, {"answer": "越权。", "version": 2}, format="json").status_code == 404

"""The API at its edges: bad input answered in Chinese naming the field, never a 5xx, files checked and served
only as downloads, personal data masked per role, filters that never widen the scope."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.models import Demand, DemandAttachment
from demandloop.demands.serializers import ACTION_SERIALIZERS
from demandloop.demands.tests.world import drive, receive
from demandloop.enterprises.models import Enterprise
from demandloop.org.demo import make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path: Path) -> Any:
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


def post(client: Any, demand: Any, action: str, body: Any) -> Any:
    return client.post(f"/api/v1/demands/{demand.pk}/actions/{action}/", body, format="json")


def test_it_names_the_field_in_chinese_when_input_is_wrong(world: Any, api_as: Any) -> None:
    w = world.jinghai
    hub = api_as(w.hub)
    demand = drive(w, S.SCREENED)
    with translation.override("zh-hans"):
        response = post(hub, demand, "triage", {"domain": "nope", "complexity": "complex", "tier": 2})
    assert response.status_code == 400
    assert response.json() == {"domain": ["本区没有代码为“nope”的领域。"]}
    response = post(hub, demand, "triage", {"domain": "market", "complexity": "complex", "tier": 9})
    assert list(response.json()) == ["tier"]
    planned = drive(w, S.IN_PROGRESS)
    response = post(api_as(w.coord_lead), planned, "plan", {"plan": "方案", "eta": "2001-01-01"})
    assert (response.status_code, response.json()) == (400, {"eta": ["日期须晚于当前时间。"]})
    response = post(api_as(w.coord_lead), planned, "plan", {"plan": "方案", "eta": "明天"})
    assert response.status_code == 400 and "eta" in response.json()


def test_it_answers_a_state_conflict_with_409_in_chinese(world: Any, api_as: Any) -> None:
    w = world.nankai
    demand = receive(w)
    response = post(api_as(w.hub), demand, "resolve", {"result": "已办结"})
    assert response.status_code == 409
    assert response.json() == {"detail": "诉求当前状态为“已受理”，不能执行“办结”。", "code": "not_allowed"}


@pytest.mark.parametrize("action", sorted(ACTION_SERIALIZERS))
def test_it_never_fails_on_garbage_input(action: str, world: Any, api_as: Any) -> None:
    w = world.jinghai
    hub = api_as(w.hub)
    demands = [drive(w, S.RECEIVED), drive(w, S.TRIAGED), drive(w, S.PLANNED)]
    rng = random.Random(action)
    garbage: list[Any] = [
        {},
        [],
        "text",
        42,
        None,
        {"note": None},
        {"note": ["a"]},
        {"reason": {"x": 1}},
        {"tier": 2**70, "domain": 5, "complexity": []},
        {"eta": "2026-02-30"},
        {"eta": "2026-03-01T10:00"},
        {"deadline": 10**20},
        {"lead_department": {"code": "scjgj"}, "co_departments": "swj"},
        {"co_departments": ["scjgj"] * 100},
        {"duplicate_of": -1},
        {"duplicate_of": 2**80},
        {"solved": "perhaps", "satisfied": True},
        {"in_scope": "maybe", "exclusion": 7},
        {"city_channel": "moon", "city_reference": "x" * 500},
        {"part": "", "department": "zz"},
        {"until": "2999-12-31T25:00:00+08:00"},
        {"plan": "x" * 30000, "eta": "2099-01-01"},
    ]
    garbage.append({key: rng.choice(["", "\x00", "💥" * 3, 1.5, -7]) for key in ("note", "reason", "result")})
    for demand in demands:
        for body in garbage:
            response = post(hub, demand, action, body)
            assert response.status_code in (200, 400, 403, 409), (action, body, response.content[:300])


def test_it_refuses_404_for_demand_ids_that_are_not_numbers_or_too_large(world: Any, api_as: Any) -> None:
    hub = api_as(world.jinghai.hub)
    for pk in ("abc", "0", "-1", str(2**64), "1e3"):
        assert hub.get(f"/api/v1/demands/{pk}/").status_code == 404
        assert hub.post(f"/api/v1/demands/{pk}/actions/accept/", {}, format="json").status_code == 404


def test_it_registers_a_demand_of_an_enterprise_not_yet_in_the_ledger_flagged_for_the_hub(
    world: Any, api_as: Any
) -> None:
    w = world.jinghai
    officer = api_as(w.officer_a)
    uscc = make_uscc(random.Random(5), w.district, "company")
    body = {"new_enterprise": {"uscc": uscc, "name": "天津新设科技有限公司", "area": w.a.pk}}
    response = officer.post("/api/v1/demands/", {**_intake(), **body}, format="json")
    assert response.status_code == 201, response.json()
    demand = response.json()
    assert demand["enterprise"]["needs_review"] is True
    assert Enterprise.objects.get(uscc=uscc).area == w.a
    # Outside the officer's areas, or with a bad code, nothing is registered.
    other = {"uscc": make_uscc(random.Random(6), w.district, "company"), "name": "乙", "area": w.b.pk}
    response = officer.post("/api/v1/demands/", {**_intake(), "new_enterprise": other}, format="json")
    assert response.status_code == 400 and "area" in response.json()["new_enterprise"]
    wrong = {"uscc": "91120223MA05ABCDE0", "name": "丙", "area": w.a.pk}
    response = officer.post("/api/v1/demands/", {**_intake(), "new_enterprise": wrong}, format="json")
    assert response.status_code == 400 and "uscc" in response.json()["new_enterprise"]
    both = {**_intake(), "enterprise": w.ent_a.pk, "new_enterprise": body["new_enterprise"]}
    assert officer.post("/api/v1/demands/", both, format="json").status_code == 400
    assert not Enterprise.objects.filter(name__in=["乙", "丙"]).exists()


def test_it_refuses_a_contact_phone_that_is_not_a_number_and_keeps_a_masked_one(
    world: Any, api_as: Any
) -> None:
    w = world.jinghai
    officer = api_as(w.officer_a)
    body = {**_intake(), "enterprise": w.ent_a.pk, "title": "电话有误的诉求"}
    with translation.override("zh-hans"):
        response = officer.post("/api/v1/demands/", {**body, "contact_phone": "138123"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["contact_phone"]
    assert "11 位手机号" in response.json()["contact_phone"][0]
    assert not Demand.objects.filter(title="电话有误的诉求").exists()
    # As the 12345 hotline gives a caller's number; and full-width digits are stored as ASCII.
    for phone, stored in (("138****5678", "138****5678"), ("０２２－２８３９５６７８", "022-28395678")):
        response = officer.post("/api/v1/demands/", {**body, "contact_phone": phone}, format="json")
        assert response.status_code == 201, response.json()
        assert Demand.objects.get(pk=response.json()["id"]).contact_phone == stored


def _intake() -> dict[str, Any]:
    return {
        "channel": "officer",
        "source": "visit",
        "title": "厂房租赁补贴",
        "content": "咨询厂房租赁补贴政策。",
    }


def test_it_masks_the_contact_for_roles_without_personal_data_access(world: Any, api_as: Any) -> None:
    w = world.nankai
    demand = drive(w, S.IN_PROGRESS)
    contacts = {
        who: api_as(getattr(w, who)).get(f"/api/v1/demands/{demand.pk}/").json()["contact"]
        for who in (
            "officer_a",
            "hub",
            "dispatcher",
            "coord_lead",
            "coord_co",
            "lead",
            "leader",
            "ent_user_a",
        )
    }
    assert contacts["officer_a"] == {"name": "张三丰", "phone": "13812345678", "masked": False}
    assert contacts["hub"] == contacts["dispatcher"] == contacts["officer_a"]
    for who in ("coord_lead", "coord_co", "lead", "leader", "ent_user_a"):
        assert contacts[who] == {"name": "张**", "phone": "138****5678", "masked": True}, who
    # A 双重服务员 reads unmasked only what it registered itself.
    mine = receive(w, enterprise=w.ent_park, by=w.social)
    social = api_as(w.social)
    assert social.get(f"/api/v1/demands/{mine.pk}/").json()["contact"]["masked"] is False
    theirs = receive(w, enterprise=w.ent_park, by=w.officer_b)
    assert social.get(f"/api/v1/demands/{theirs.pk}/").json()["contact"]["masked"] is True


def test_it_hides_the_routing_data_from_enterprise_accounts(world: Any, api_as: Any) -> None:
    w = world.jinghai
    demand = drive(w, S.TRIAGED)
    assert api_as(w.officer_a).get(f"/api/v1/demands/{demand.pk}/").json()["routing_choice"]["tier"] == 2
    seen = api_as(w.ent_user_a).get(f"/api/v1/demands/{demand.pk}/").json()
    assert (seen["routing_choice"], seen["routing_suggestion"]) == ({}, {})


def test_it_filters_within_the_scope_and_refuses_bad_filter_values(world: Any, api_as: Any) -> None:
    w = world.jinghai
    planned, received = drive(w, S.PLANNED), drive(w, S.RECEIVED)
    drive(world.nankai, S.PLANNED)
    hub = api_as(w.hub)

    def ids(query: str) -> set[int]:
        response = hub.get(f"/api/v1/demands/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=planned") == {planned.pk}
    assert ids("status=planned&status=received") == {planned.pk, received.pk}
    assert ids("tier=2") == {planned.pk}
    assert ids(f"department={w.dep('swj').pk}") == {planned.pk}
    assert ids(f"lead_department={w.dep('scjgj').pk}") == {planned.pk}
    assert ids("is_open=true") == {planned.pk, received.pk}
    assert ids("overdue=any") == set()
    assert ids(f"q={planned.pk}") == {planned.pk}
    assert ids("district=nankai") == set()
    for bad in ("tier=abc", f"area={2**70}", "status=nope", "received_from=2026-13-01", "overdue=always"):
        response = hub.get(f"/api/v1/demands/?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.json()


def test_it_marks_a_demand_overdue_once_its_response_deadline_passed_without_a_plan(
    world: Any, api_as: Any, clock: Any
) -> None:
    w = world.jinghai
    clock.set(2025, 9, 30, 10)
    late = drive(w, S.TRIAGED)  # tier 2: due Saturday 11 October (make-up working day)
    clock.set(2025, 10, 11, 23)
    hub = api_as(w.hub)
    assert hub.get("/api/v1/demands/?overdue=response").json()["count"] == 0
    clock.set(2025, 10, 12, 0, 1)
    assert [row["id"] for row in hub.get("/api/v1/demands/?overdue=response").json()["results"]] == [late.pk]


def test_it_stores_attachments_outside_the_web_root_and_serves_them_only_as_downloads(
    world: Any, api_as: Any, media: Path
) -> None:
    w = world.jinghai
    demand = drive(w, S.IN_PROGRESS)
    officer = api_as(w.officer_a)
    url = f"/api/v1/demands/{demand.pk}/attachments/"
    pdf = SimpleUploadedFile("../../营业执照.pdf", b"%PDF-1.7 scan", content_type="text/html")
    response = officer.post(url, {"file": pdf}, format="multipart")
    assert response.status_code == 201, response.json()
    stored = DemandAttachment.objects.get()
    assert stored.original_name == "营业执照.pdf"
    # Our content type, not the browser's claim; the file lies under the storage, never under static files.
    assert stored.content_type == "application/pdf"
    path = Path(stored.file.path).resolve()
    assert path.is_relative_to(media.resolve()) and path.suffix == ".pdf"
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    download = officer.get(f"{url}{stored.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 scan"
    assert officer.get(f"/media/{stored.file.name}").status_code == 404
    assert [row["original_name"] for row in officer.get(url).json()] == ["营业执照.pdf"]
    assert demand.events.filter(action="attach").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("run.exe", b"MZ\x90\x00", "类型"),
        ("fake.pdf", b"<script>alert(1)</script>", "不符"),
        ("empty.png", b"", "空文件"),
        ("notes.txt", b"abc\x00def", "不符"),
    ],
)
def test_it_refuses_files_of_other_types_or_with_lying_content(
    name: str, content: bytes, problem: str, world: Any, api_as: Any, media: Path
) -> None:
    w = world.jinghai
    demand = drive(w, S.RECEIVED)
    upload = SimpleUploadedFile(name, content)
    response = api_as(w.officer_a).post(
        f"/api/v1/demands/{demand.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert problem in response.json()["file"][0]
    assert not DemandAttachment.objects.exists()
    assert not any(media.rglob("*.*"))


def test_it_refuses_files_over_the_size_limit(world: Any, api_as: Any, media: Path) -> None:
    w = world.jinghai
    demand = drive(w, S.RECEIVED)
    with override_settings(ATTACHMENT_MAX_BYTES=1024 * 1024):
        big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024))
        response = api_as(w.officer_a).post(
            f"/api/v1/demands/{demand.pk}/attachments/", {"file": big}, format="multipart"
        )
    assert response.status_code == 400
    assert "1 MB" in response.json()["file"][0]
    assert Demand.objects.get(pk=demand.pk).version == demand.version


def test_it_lists_demands_with_a_number_of_queries_that_does_not_grow_with_the_page(
    world: Any, api_as: Any, settled_calendar: None
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = world.jinghai
    officer = api_as(w.officer_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer.get("/api/v1/demands/").status_code == 200
        return len(captured)

    drive(w, S.IN_PROGRESS)
    few = queries()
    for status in (S.PLANNED, S.INFORMED, S.ESCALATED, S.EVALUATED, S.RECEIVED, S.DISPATCHED):
        drive(w, status)
    assert queries() == few

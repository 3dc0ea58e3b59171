"""The issued reports over the API: the hub issues and corrects, the district reads the figures and the files as
issued, refusals name the field, and the schema describes it all."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document
from rest_framework.test import APIClient

from demandloop.lib.downloads import DOCX, XLSX
from demandloop.reports.models import IssuedReport

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/issued/"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_hub_issues_and_corrects_and_the_district_reads_it(november: Any, world: Any, clock: Any) -> None:
    w = november
    hub = _api(w.hub)
    answer = hub.post(f"{URL}issue/", {"district": "jinghai", "month": "2025-11"}, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert (data["month"], data["number_label"], data["is_current"], data["recipients"]) == (
        "2025-11",
        "2025年第1期",
        True,
        11,
    )
    assert data["report"]["totals"]["total"] == 5 and data["report"]["overdue_count"] == 1

    again = hub.post(f"{URL}issue/", {"month": "2025-11"}, format="json")
    assert again.status_code == 400 and "更正原因" in again.json()["reason"][0]
    clock.set(2025, 12, 10, 17)
    corrected = hub.post(f"{URL}issue/", {"month": "2025-11", "reason": "数据口径调整"}, format="json")
    assert corrected.status_code == 201 and corrected.json()["corrects"] == data["id"]

    officer = _api(w.officer_b)
    listed = officer.get(URL).json()["results"]
    assert [(row["number"], row["is_current"]) for row in listed] == [(2, True), (1, False)]
    assert listed[1]["corrected_by"] == corrected.json()["id"]
    assert [row["number"] for row in officer.get(f"{URL}?current=true").json()["results"]] == [2]
    one = officer.get(f"{URL}{data['id']}/")
    assert one.status_code == 200 and one.json()["report"]["month"] == "2025-11"
    word = officer.get(f"{URL}{data['id']}/?format=docx")
    assert word.status_code == 200 and word["Content-Type"] == DOCX
    assert word.content == bytes(IssuedReport.objects.get(pk=data["id"]).docx)
    assert Document(io.BytesIO(word.content)).paragraphs[0].text == "2025年第1期"
    assert officer.get(f"{URL}{data['id']}/?format=xlsx")["Content-Type"] == XLSX
    bad = officer.get(f"{URL}{data['id']}/?format=pdf")
    assert bad.status_code == 400 and "pdf" in bad.json()["format"][0]


def test_refusals_name_the_field_and_strangers_get_404(november: Any, world: Any, clock: Any) -> None:
    w = november
    hub = _api(w.hub)
    for body, field, words in (
        ({"month": "2025-13"}, "month", "YYYY-MM"),
        ({"month": "2026-01"}, "month", "尚未开始"),
        ({"month": "2025-12"}, "month", "尚未结束"),
        ({"month": "2025-11", "reason": "无须更正"}, "reason", "尚未印发"),
        ({}, "month", ""),
    ):
        answer = hub.post(f"{URL}issue/", body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.json())
        assert words in answer.json()[field][0]
    for person in (w.dispatcher, w.officer_a, w.ent_user_a, world.nankai.hub):
        client = _api(person)
        assert client.post(f"{URL}issue/", {"district": "jinghai", "month": "2025-11"}).status_code == 404
    issued = hub.post(f"{URL}issue/", {"month": "2025-11"}, format="json").json()
    for person in (w.ent_user_a, world.nankai.hub, world.admins["sysadmin"]):
        client = _api(person)
        assert client.get(f"{URL}{issued['id']}/").status_code == 404
        assert issued["id"] not in {row["id"] for row in client.get(URL).json()["results"]}
    assert APIClient().get(URL).status_code in (401, 403)
    for typed in ("abc", str(2**63), "0"):
        assert hub.get(f"{URL}{typed}/").status_code == 404, typed
    assert hub.get(f"{URL}?year=twenty").status_code == 400


def test_the_schema_describes_the_issued_reports(db: Any) -> None:
    schema = APIClient().get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/reports/issued/issue/"]
    retrieve = paths["/api/v1/reports/issued/{id}/"]["get"]
    assert {"application/json", DOCX, XLSX} <= set(retrieve["responses"]["200"]["content"])

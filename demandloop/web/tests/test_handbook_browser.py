"""The hub corrects an answer of the handbook in a real browser; the officer then reads the new version."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from demandloop.knowledge.handbook import load_handbook
from demandloop.knowledge.models import FaqEntry
from demandloop.knowledge.queries import matching_entries
from demandloop.web.tests.browser import Person, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

ADDED = "自2026年12月起，新办纳税人可在电子税务局自助申领数电发票额度，无需到窗口。"


def test_the_hub_corrects_an_answer_and_the_officer_reads_the_new_version(
    chromium: Any, live_server: Any, jinghai: Any, make_user: Any, officer_visit: Any
) -> None:
    load_handbook("jinghai")
    make_user("hub-zhou", "hub", jinghai, full_name="周欣")
    hub = Person(chromium, live_server.url, "hub-zhou")
    # The address carries the filter (the form's htmx request pushes the same one): one page load, no swap racing
    # the click below.
    hub.go("/handbook/?q=发票")
    assert hub.page.input_value("#id_q") == "发票"
    entries = hub.page.locator("#faq [data-entry]")
    expect(entries).to_have_count(matching_entries(FaqEntry.objects.filter(district=jinghai), "发票").count())
    entry = FaqEntry.objects.filter(district=jinghai, question__contains="数电发票").get()
    hub.page.click(f"#faq-{entry.pk} .accordion-button")
    expect(hub.page.locator(f"#faq-body-{entry.pk}")).to_be_visible()
    hub.shot("hub-handbook", full_page=False)

    hub.follow(f"#faq-{entry.pk} .edit-entry", to=f"**/handbook/{entry.pk}/edit/")
    hub.page.fill("#id_answer", f"{entry.answer}\n{ADDED}")
    hub.submit("button[name=save-entry]")
    assert "已保存为第 2 版" in hub.text(".alert")
    hub.go(f"/handbook/{entry.pk}/edit/")
    assert hub.page.locator("#versions [data-version]").count() == 2
    hub.page.click("#versions [data-version='1'] summary")
    hub.shot("hub-handbook-edit", full_page=False)

    officer = Person(chromium, live_server.url, officer_visit.officer.username)
    officer.go("/handbook/?q=数电发票")
    assert officer.page.locator("#add-question").count() == 0, "the officer reads, the hub keeps"
    officer.page.click(f"#faq-{entry.pk} .accordion-button")
    expect(officer.page.locator(f"#faq-body-{entry.pk} .faq-answer")).to_contain_text("电子税务局自助申领")
    assert "第 2 版" in officer.text(f"#faq-body-{entry.pk}")

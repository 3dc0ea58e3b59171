"""The hub's monthly ledger update on its page: the diff first, the ledger written only on confirmation, the
areas' officers told of their new and deregistered enterprises (静海 §四(二))."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.tests.test_import import new_row, write_csv
from demandloop.integrations.models import Notification


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def test_the_hub_reviews_the_diff_then_confirms_and_the_areas_are_told(
    client: Any, tmp_path: Path, place: Any, firms: Any, people: Any
) -> None:
    path = write_csv(
        tmp_path / "2026-11.csv",
        [
            new_row(300, "新设一有限公司"),  # placed in area A by its address
            [firms.b.uscc, firms.b.name, "", "", "", "", "注销", "2026-11-20", ""],
            [firms.c.uscc, firms.c.name, "", "", "", "", "存续", "", ""],
        ],
    )
    client.force_login(people.henry)
    before = Enterprise.objects.count()
    checked = client.post(reverse("ledger_import"), {"district": "ceshi", "file": _upload(path)})
    page = checked.content.decode()
    assert checked.status_code == 200 and 'id="review"' in page
    assert "新设一有限公司" in page.split('data-outcome="new"')[1] and "片区：长虹一片区" in page
    assert firms.b.name in page.split('data-outcome="deregistered"')[1]
    assert Enterprise.objects.count() == before and not Notification.objects.filter(topic="ledger").exists()

    token = page.split('name="token" value="')[1].split('"')[0]
    applied = client.post(reverse("ledger_import"), {"district": "ceshi", "token": token, "apply": ""})
    assert 'id="applied"' in applied.content.decode()
    assert Enterprise.objects.filter(name="新设一有限公司", area=place.area_a).exists()
    firms.b.refresh_from_db()
    assert firms.b.status == "deregistered"
    alice = Notification.objects.get(user=people.alice, topic="ledger")
    bob = Notification.objects.get(user=people.bob, topic="ledger")
    assert "新设一有限公司" in alice.body and firms.b.name in bob.body
    # The same confirmation twice does nothing more.
    again = client.post(
        reverse("ledger_import"), {"district": "ceshi", "token": token, "apply": ""}, follow=True
    )
    assert "该清单已不在待确认状态" in again.content.decode()
    assert Notification.objects.filter(topic="ledger").count() == 2
    # Next month's list under the same file name is news again.
    path = write_csv(tmp_path / "2026-11.csv", [new_row(302, "新设三有限公司")])
    checked = client.post(
        reverse("ledger_import"), {"district": "ceshi", "file": _upload(path)}
    ).content.decode()
    token = checked.split('name="token" value="')[1].split('"')[0]
    client.post(reverse("ledger_import"), {"district": "ceshi", "token": token, "apply": ""})
    assert Notification.objects.filter(user=people.alice, topic="ledger").count() == 2


def test_a_wrong_row_refuses_the_list_and_keeps_nothing(
    client: Any, tmp_path: Path, place: Any, firms: Any, people: Any
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [new_row(301, "新设二有限公司"), ["123", "坏代码公司", "", "", "", "", "", "", ""]],
    )
    client.force_login(people.henry)
    response = client.post(reverse("ledger_import"), {"district": "ceshi", "file": _upload(path)})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="refused"' in page and 'name="token"' not in page
    assert "<td>3</td><td>统一社会信用代码</td>" in page
    assert not Enterprise.objects.filter(name="新设二有限公司").exists()


def test_only_the_hub_updates_the_ledger(client: Any, people: Any) -> None:
    for person in (people.alice, people.carol, people.lee):
        client.force_login(person)
        assert client.get(reverse("ledger_import")).status_code == 404
    client.force_login(people.otto)
    assert client.get(reverse("ledger_import"), {"district": "ceshi"}).status_code == 404
    client.force_login(people.henry)
    assert 'id="open-ledger-import"' in client.get(reverse("enterprise_list")).content.decode()

"""The dispatcher's pages of the 12345 work orders: import a file (checked first if they like), read the ledger,
link an order the import could not match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demandloop.demands.models import Demand
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.tests.files import order, write_csv


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def _rows(w: Any) -> list[dict[str, Any]]:
    return [
        order("JH-P1", w.ent_a),
        # No code and a name the ledger does not hold: kept for the dispatcher to link.
        order("JH-P2", None, 企业名称="静海某不知名商行", 诉求内容="门店招牌审批咨询"),
    ]


def test_the_dispatcher_checks_then_imports_a_12345_export(world: Any, client: Any, tmp_path: Path) -> None:
    w = world.jinghai
    client.force_login(w.dispatcher)
    path = write_csv(tmp_path / "12345工单.csv", _rows(w))
    checked = client.post(reverse("hotline_import"), {"file": _upload(path), "dry_run": "on"})
    page = checked.content.decode()
    assert checked.status_code == 200 and 'id="checked"' in page
    assert "2 件新工单将被导入，其中 1 件未匹配到企业" in page
    assert not HotlineOrder.objects.exists(), "checking imports nothing"

    imported = client.post(reverse("hotline_import"), {"file": _upload(path)})
    page = imported.content.decode()
    assert imported.status_code == 200 and 'id="imported"' in page
    assert HotlineOrder.objects.filter(district=w.district).count() == 2
    linked = HotlineOrder.objects.get(number="JH-P1")
    assert f'href="/demands/{linked.demand_id}/"' in page and "按统一社会信用代码匹配" in page

    again = client.post(reverse("hotline_import"), {"file": _upload(path)})
    assert "已导入、未变化 2" in again.content.decode()
    assert HotlineOrder.objects.count() == 2, "the same file again changes nothing"


def test_a_wrong_row_refuses_the_file_naming_row_and_column(world: Any, client: Any, tmp_path: Path) -> None:
    w = world.jinghai
    client.force_login(w.dispatcher)
    rows = [order("JH-E1", w.ent_a), order("JH-E2", w.ent_b, 受理时间="明天上午")]
    response = client.post(
        reverse("hotline_import"), {"file": _upload(write_csv(tmp_path / "bad.csv", rows))}
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'id="refused"' in page
    errors = page.split('id="import-errors"')[1].split("</table>")[0]
    assert "<td>3</td><td>受理时间</td>" in errors
    assert not HotlineOrder.objects.exists() and not Demand.objects.filter(channel="hotline").exists()


def test_the_dispatcher_links_an_unmatched_order_from_the_ledger(
    world: Any, client: Any, tmp_path: Path
) -> None:
    w = world.jinghai
    client.force_login(w.dispatcher)
    client.post(reverse("hotline_import"), {"file": _upload(write_csv(tmp_path / "o.csv", _rows(w)))})
    waiting = HotlineOrder.objects.get(number="JH-P2")
    ledger = client.get(reverse("hotline_orders"), {"linked": "false"}).content.decode()
    assert f'data-order="{waiting.pk}"' in ledger and "JH-P1" not in ledger
    assert "1 件工单待关联企业" in ledger

    wrong = client.post(reverse("hotline_link", args=[waiting.pk]), {"enterprise": "查无此企业"}, follow=True)
    assert "本区没有统一社会信用代码或名称为“查无此企业”的企业" in wrong.content.decode()
    client.post(reverse("hotline_link", args=[waiting.pk]), {"enterprise": w.ent_b.uscc})
    waiting.refresh_from_db()
    assert waiting.demand is not None and waiting.demand.enterprise == w.ent_b
    assert waiting.demand.channel == "hotline" and waiting.demand.hotline_number == "JH-P2"


def test_only_the_districts_dispatcher_and_hub_run_its_orders(
    world: Any, client: Any, tmp_path: Path
) -> None:
    w = world.jinghai
    client.force_login(w.dispatcher)
    client.post(reverse("hotline_import"), {"file": _upload(write_csv(tmp_path / "o.csv", _rows(w)))})
    waiting = HotlineOrder.objects.get(number="JH-P2")
    client.force_login(w.hub)
    assert "JH-P2" in client.get(reverse("hotline_orders")).content.decode()
    client.force_login(w.officer_a)
    assert client.get(reverse("hotline_orders")).status_code == 404
    assert client.get(reverse("hotline_import")).status_code == 404
    client.force_login(world.nankai.dispatcher)
    assert "JH-P2" not in client.get(reverse("hotline_orders")).content.decode()
    refused = client.post(reverse("hotline_link", args=[waiting.pk]), {"enterprise": w.ent_b.uscc})
    assert refused.status_code == 404
    waiting.refresh_from_db()
    assert waiting.demand is None

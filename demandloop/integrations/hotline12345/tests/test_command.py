"""`demandloop import hotline FILE`: the sub-command of the import dispatcher, with its report for the dispatcher."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from demandloop.core.models import AuditEvent
from demandloop.demands.models import Demand
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.tests.files import order, write_csv, write_xlsx


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", "hotline", *args, stdout=out)
    return out.getvalue()


def test_it_imports_under_the_named_dispatcher_and_says_what_it_did(
    world: Any, tmp_path: Path, chinese: None
) -> None:
    w = world.jinghai
    path = write_xlsx(
        tmp_path / "orders.xlsx", [order("GD1", w.ent_a), order("GD2", 企业名称="不在台账的公司")]
    )

    output = run(str(path), "--district", "jinghai", "--user", w.dispatcher.username)

    lines = output.splitlines()
    assert lines[0] == f"静海区 12345 工单文件 {path}：共 2 行。"
    assert "新增工单（2）：" in lines
    assert f"  第2行  GD1  {w.ent_a.name}  按统一社会信用代码匹配" in lines
    assert lines[-1] == "已导入：新增工单 2 件，转为诉求 1 件，1 件待匹配企业。"
    assert HotlineOrder.objects.get(number="GD1").demand.events.get().actor == w.dispatcher

    again = run(str(path), "--district", "jinghai", "--user", w.dispatcher.username)
    assert "已导入且无变化：2。" in again.splitlines()
    assert again.splitlines()[-1] == "没有新工单：文件中的工单此前均已导入。"
    assert HotlineOrder.objects.count() == 2 and Demand.objects.count() == 1


def test_without_a_user_the_platform_imports(world: Any, tmp_path: Path) -> None:
    w = world.jinghai
    run(
        str(write_csv(tmp_path / "orders.csv", [order("GD1", w.ent_a)], encoding="gbk")),
        "--district",
        "jinghai",
    )
    demand = HotlineOrder.objects.get().demand
    event = demand.events.get()
    assert (event.actor, event.actor_role) == (None, "system")
    assert AuditEvent.objects.get(action="hotline12345.import").role == "system"


def test_a_dry_run_writes_nothing(world: Any, tmp_path: Path, chinese: None) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("GD1", world.jinghai.ent_a)])
    output = run(str(path), "--district", "jinghai", "--dry-run")
    assert output.splitlines()[-1] == "试运行，未写入任何内容。去掉 --dry-run 再次运行即可导入。"
    assert HotlineOrder.objects.count() == 0


def test_a_refused_file_lists_its_errors_and_fails(world: Any, tmp_path: Path, chinese: None) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("GD1", world.jinghai.ent_a, 诉求内容="")])
    out = StringIO()
    with pytest.raises(CommandError, match="未导入任何内容"):
        call_command("import", "hotline", str(path), "--district", "jinghai", stdout=out)
    assert "  第2行“诉求内容”列：诉求内容必填。" in out.getvalue().splitlines()
    assert HotlineOrder.objects.count() == 0


@pytest.mark.parametrize("who", ["officer_a", "coord_lead"])
def test_only_the_dispatcher_or_the_hub_of_the_district_may_be_named(
    world: Any, tmp_path: Path, chinese: None, who: str
) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("GD1", world.jinghai.ent_a)])
    user = world.jinghai.people[who]
    with pytest.raises(CommandError, match="无权导入静海区的 12345 工单"):
        run(str(path), "--district", "jinghai", "--user", user.username)
    with pytest.raises(CommandError, match="无权导入南开区的 12345 工单"):
        run(str(path), "--district", "nankai", "--user", world.jinghai.dispatcher.username)
    assert HotlineOrder.objects.count() == 0


def test_several_districts_need_one_named(world: Any, tmp_path: Path, chinese: None) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("GD1", world.jinghai.ent_a)])
    with pytest.raises(CommandError, match="--district"):
        run(str(path))
    with pytest.raises(CommandError, match="没有代码为“binhai”的区"):
        run(str(path), "--district", "binhai")

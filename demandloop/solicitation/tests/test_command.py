"""`demandloop solicitation list|export`: a district's campaigns for scripts, and one campaign's workbook."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from demandloop.solicitation.tests.conftest import campaign_of

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("solicitation", *args, stdout=out)
    return out.getvalue()


def test_it_lists_the_campaigns_with_their_non_responders(world):
    w = world.jinghai
    campaign = campaign_of(w)
    text = run("list", "--district", "jinghai")
    assert f"#{campaign.pk} 2026年第四季度企业问题征询" in text and "0/2" in text
    assert "未答复：" in text and w.a.locality.name in text and "区市场监管局" in text


def test_it_writes_a_campaign_as_a_workbook(world, tmp_path):
    campaign = campaign_of(world.jinghai)
    out = tmp_path / "征询.xlsx"
    run("export", "--district", "jinghai", "--campaign", str(campaign.pk), "--out", str(out))
    assert load_workbook(out).sheetnames == ["汇总", "答复情况", "问题清单"]


def test_it_names_what_is_wrong(world, tmp_path):
    campaign = campaign_of(world.jinghai)
    with pytest.raises(CommandError, match="要做什么：list, export"):
        run("send", "--district", "jinghai")
    with pytest.raises(CommandError, match="--campaign"):
        run(
            "export",
            "--district",
            "nankai",
            "--campaign",
            str(campaign.pk),
            "--out",
            str(tmp_path / "x.xlsx"),
        )
    with pytest.raises(CommandError, match="--out"):
        run(
            "export",
            "--district",
            "jinghai",
            "--campaign",
            str(campaign.pk),
            "--out",
            str(tmp_path / "x.docx"),
        )

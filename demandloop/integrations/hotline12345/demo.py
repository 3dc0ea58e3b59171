"""The demo's 12345 ledger (`demandloop init --demo`): the work orders behind the demo's hotline demands, as the
dispatcher imported them, and two of this morning's orders whose enterprise the import could not find.

The demo demands are written by the demands' actions in one batch, before this runs, so their status-backs to
12345 were never written: each order records its demand's last reportable status as already reported and
accepted (the demo has no 12345 system to report to). The orders waiting for their enterprise give the ledger's
"link" its work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.demands.choices import ChannelChoices
from demandloop.demands.models import Demand
from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices as Match
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.statusback import REPORTED_STATUSES
from demandloop.org.choices import RoleChoices

# Callers whose enterprise is not in the ledger: the name as they gave it, what they asked.
UNMATCHED = [
    ("王师傅", "静海区老王五金建材店", "门店招牌需要更换，想问问要办什么手续、找哪个部门。", "城市管理"),
    (
        "刘女士",
        "天津某某餐饮管理有限公司",
        "新开的饭店想申请食品经营许可，材料准备了一半，不知道还缺什么。",
        "市场监管",
    ),
]


def create_demo_hotline_orders(district: Any) -> int:
    """The ledger rows of the district's demo hotline demands and two unmatched orders; returns how many."""
    dispatcher = (
        district.memberships.filter(role=RoleChoices.DISPATCHER, is_active=True, user__is_demo=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    by = dispatcher.user if dispatcher else None
    demands = (
        Demand.objects.filter(district=district, channel=ChannelChoices.HOTLINE)
        .exclude(hotline_number="")
        .filter(hotline_order__isnull=True)
        .select_related("enterprise", "domain")
        .order_by("pk")
    )
    orders = []
    now = timezone.now()
    for demand in demands:
        # Nothing after now: a demand received a moment ago was imported just now.
        imported = min(demand.received_at + timedelta(minutes=20), now)
        reported = REPORTED_STATUSES.get(demand.status)
        orders.append(
            HotlineOrder(
                district=district,
                number=demand.hotline_number,
                received_at=demand.received_at,
                caller_name=demand.contact_name,
                phone=demand.contact_phone,
                enterprise_name=demand.enterprise.name,
                uscc=demand.enterprise.uscc,
                category=demand.domain.name if demand.domain else "",
                title=demand.title,
                content=demand.content,
                hotline_due=demand.received_at + timedelta(days=7),
                raw_row={"工单编号": demand.hotline_number, "企业名称": demand.enterprise.name},
                enterprise_match=Match.USCC,
                demand=demand,
                imported_at=imported,
                imported_by=by,
                import_file=f"12345工单导出-{timezone.localtime(imported):%Y%m%d}.xlsx",
                feedback_status=reported or "",
                feedback_written_at=demand.status_changed_at if reported else None,
                feedback_delivered_at=min(demand.status_changed_at + timedelta(minutes=3), now)
                if reported
                else None,
                feedback_count=1 if reported else 0,
            )
        )
    with translation.override(settings.LANGUAGE_CODE):
        # The import's own words, in the district's language (the import writes them so).
        note = _("No enterprise of the ledger bears this name; the order gives no code.")
    for n, (caller, name, content, category) in enumerate(UNMATCHED, start=1):
        received = now - timedelta(hours=3 - n)
        orders.append(
            HotlineOrder(
                district=district,
                number=f"12345-{district.code}-U{n:03d}",
                received_at=received,
                caller_name=caller,
                phone=f"1390000{n:04d}",
                enterprise_name=name,
                category=category,
                title=f"【{category}】{content[:16]}",
                content=content,
                hotline_due=received + timedelta(days=5),
                raw_row={"企业名称": name},
                enterprise_match=Match.UNMATCHED,
                match_note=note,
                imported_at=received + timedelta(minutes=30),
                imported_by=by,
                import_file=f"12345工单导出-{timezone.localtime(now):%Y%m%d}.xlsx",
            )
        )
    HotlineOrder.objects.bulk_create(orders)
    return len(orders)

"""The 12345 work-order import (DESIGN.md §6 intake): the hotline system's export, as demands of the district.

`demandloop import hotline FILE [--district CODE] [--user NAME] [--dry-run]`, and `POST /api/v1/hotline-orders/import/`.

The file (CSV in UTF-8 or GBK, or XLSX; `lib/tabular.py` reads it) has one work order per row. Columns, by the
names 12345 exports use (the first name of each is the canonical one): 工单编号, 受理时间 and 诉求内容 are required;
企业名称 and/or 统一社会信用代码 (one of them per row), 来电人, 联系电话, 地址, 诉求类别, 标题, 办理时限 are optional.

Every row is validated first; an error names its row, its column and why, and a single bad row refuses the whole
file: nothing is written (STYLE.md rule 6). Then, in one transaction, each new order becomes a demand THROUGH
`demands.actions.do_receive` (channel `hotline`, the 12345 number as its external reference, received when 12345
received it) and a `HotlineOrder` row linked to it.

Decisions, for the dispatcher who reads the report:
- Idempotent by work-order number (unique per district): re-importing a file changes nothing. An order already
  imported whose row now reads differently is listed as changed and left as it was — never silently overwritten;
  the dispatcher follows it up with 12345. A blank cell tells nothing (it changes nothing).
- The same number twice in one file: identical rows count once; rows that differ are an error.
- The enterprise: by its 统一社会信用代码 in the district's ledger, else by its exact name (full-width and
  half-width characters and spaces aside). A code the ledger does not hold registers the enterprise, flagged for
  the hub's review (`needs_review`, as the demand intake does). An order whose enterprise cannot be settled (no code
  and no single exact name, a deregistered enterprise, a code of another district's ledger) is kept unlinked with
  the reason, for the dispatcher to choose the enterprise (`actions.do_link_enterprise`).
- Times without a time zone are Beijing time; a date alone as a deadline means the end of that day.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandloop.core import audit
from demandloop.core.imports import (
    CellError,
    ImportReport,
    RowError,
    cell_text,
    district_for_command,
    table_error_message,
)
from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import ChannelChoices
from demandloop.demands.errors import DemandActionError
from demandloop.demands.queries import demand_grants
from demandloop.enterprises.actions import do_register_enterprise
from demandloop.enterprises.choices import EnterpriseKindChoices, EnterpriseStatusChoices
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.validators import uscc_error_message
from demandloop.integrations.hotline12345.choices import EnterpriseMatchChoices as Match
from demandloop.integrations.hotline12345.models import HotlineOrder
from demandloop.integrations.hotline12345.queries import managed_district_ids
from demandloop.lib.tabular import Table, TableReadError, read_table
from demandloop.lib.uscc import normalize_uscc
from demandloop.org.models import District, User
from demandloop.sla.calendar import END_OF_DAY, SHANGHAI

HELP = gettext_lazy("work orders exported from the 12345 hotline system")

# Headers of the 12345 export (its own words, so data, not messages); the first one is the canonical name.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("工单编号", "工单号", "工单编码", "编号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间"),
    "caller_name": ("来电人", "来电人姓名", "诉求人", "联系人"),
    "phone": ("联系电话", "来电号码", "联系方式", "电话"),
    "enterprise_name": ("企业名称", "单位名称", "经营主体名称", "诉求企业"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "address": ("地址", "企业地址", "事发地址", "诉求地址"),
    "category": ("诉求类别", "诉求分类", "工单类型", "问题分类", "类别"),
    "title": ("标题", "工单标题", "诉求标题"),
    "content": ("诉求内容", "工单内容", "来电内容", "问题描述", "内容"),
    "hotline_due": ("办理时限", "办结时限", "办理期限", "要求办结时间", "截止时间"),
}
REQUIRED_COLUMNS = ("number", "received_at", "content")
# One of these must be present: a 12345 order of an enterprise names it somehow.
ENTERPRISE_COLUMNS = ("enterprise_name", "uscc")
# The order's fields compared with an earlier import of the same number.
COMPARED_FIELDS = (
    "received_at",
    "caller_name",
    "phone",
    "enterprise_name",
    "uscc",
    "address",
    "category",
    "title",
    "content",
    "hotline_due",
)
# Longest values the order (and the demand it becomes) can hold.
MAX_LENGTHS = {
    "number": 64,
    "caller_name": 64,
    "phone": 20,
    "enterprise_name": 200,
    "address": 255,
    "category": 64,
    "title": 200,
}
# A title derived from the content (12345 exports often have none) is its first words.
DERIVED_TITLE_LENGTH = 40
# Clocks of two machines differ: a receipt a few minutes "in the future" is not an error.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
# A work-order number is one word of letters, digits and the usual separators.
NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_\-./]*$")

_DATETIME_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$"),
    re.compile(
        r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?分?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$"),
)


@dataclass
class OrderRow:
    """One row of the file as the import will take it."""

    row: int
    number: str
    outcome: str  # "new", "unchanged", "changed", "repeated"
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    order_id: int | None = None
    # For new rows: the enterprise found, or the one to register, or why none.
    match: str = ""
    enterprise: Enterprise | None = None
    match_note: str = ""
    same_as_row: int | None = None
    demand_id: int | None = None

    @property
    def match_label(self) -> str:
        """How the enterprise was found, in words ("" for a row that is not new)."""
        return str(Match(self.match).label) if self.match else ""

    @property
    def change_labels(self) -> list[tuple[str, tuple[str, str]]]:
        """(field label, (as imported, as in the file now)) of a changed row, as people read them."""
        return [(_label(name), (_shown(old), _shown(new))) for name, (old, new) in self.changes.items()]


@dataclass
class HotlineImportReport(ImportReport[OrderRow]):
    """What the file would do (or did) to the 12345 orders of one district."""

    @property
    def unmatched(self) -> list[OrderRow]:
        return [row for row in self.of("new") if row.match == Match.UNMATCHED]


# --- Reading cells ------------------------------------------------------------------------------------------


def _long_text(value: Any) -> str:
    """Text whose line breaks matter (the content of the order): blanks trimmed per line, lines kept."""
    if isinstance(value, str):
        lines = [" ".join(line.split()) for line in value.strip().splitlines()]
        return "\n".join(line for line in lines if line)
    return cell_text(value)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=SHANGHAI) if timezone.is_naive(moment) else moment


def _moment(value: Any, *, end_of_day: bool) -> datetime.datetime | None:
    """A cell as an aware datetime; a date alone is the start of that day, or its end for a deadline."""
    if isinstance(value, datetime.datetime):
        return _aware(value)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(
            value, END_OF_DAY if end_of_day else datetime.time(), tzinfo=SHANGHAI
        )
    text = cell_text(value)
    if not text:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None and ("T" in text or " " in text or ":" in text):
        return _aware(parsed)
    for pattern in _DATETIME_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year, month, day, hour, minute, second = match.groups()
        try:
            day_value = datetime.date(int(year), int(month), int(day))
            if hour is None:
                return datetime.datetime.combine(
                    day_value, END_OF_DAY if end_of_day else datetime.time(), tzinfo=SHANGHAI
                )
            clock = datetime.time(int(hour), int(minute), int(second or 0))
        except ValueError:
            break
        return datetime.datetime.combine(day_value, clock, tzinfo=SHANGHAI)
    raise CellError(_("“%(value)s” is not a date and time; write it as 2025-09-30 14:05.") % {"value": text})


def _received_at(value: Any) -> datetime.datetime | None:
    return _moment(value, end_of_day=False)


def _due(value: Any) -> datetime.datetime | None:
    return _moment(value, end_of_day=True)


def _uscc(value: Any) -> str:
    # Operators type the code from the caller's words: lower case is the typing, not the code (as in the intake).
    code = normalize_uscc(cell_text(value)).upper()
    if not code:
        return ""
    message = uscc_error_message(code)
    if message is not None:
        raise CellError(message)
    return code


def _raw_cell(value: Any) -> Any:
    """A cell as JSON keeps it: text, a number, or an ISO date."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def derived_title(content: str, category: str = "") -> str:
    """A title for an order exported without one: its category and the first words of its content."""
    first_line = content.splitlines()[0] if content else ""
    head = (
        first_line
        if len(first_line) <= DERIVED_TITLE_LENGTH
        else first_line[: DERIVED_TITLE_LENGTH - 1] + "…"
    )
    return f"【{category}】{head}" if category else head


def name_key(name: str) -> str:
    """An enterprise name as compared: full-width and half-width forms alike, spaces aside."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def _name_variants(name: str) -> set[str]:
    """Spellings under which the ledger may hold `name`: as given, half-width, without spaces, and with
    full-width brackets (names are compared by `name_key` once found)."""
    variants = set()
    for half in (unicodedata.normalize("NFKC", name), name_key(name)):
        variants |= {half, half.replace("(", "（").replace(")", "）")}
    return {name, *variants}


# --- Building the plan ------------------------------------------------------------------------------------------


READERS: dict[str, Callable[[Any], Any]] = {
    "number": cell_text,
    "received_at": _received_at,
    "caller_name": cell_text,
    "phone": cell_text,
    "enterprise_name": cell_text,
    "uscc": _uscc,
    "address": cell_text,
    "category": cell_text,
    "title": cell_text,
    "content": _long_text,
    "hotline_due": _due,
}


def _columns(table: Table) -> tuple[dict[str, int], dict[str, str]]:
    """Column index and header (as written in the file) of each field the file carries."""
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    for name, titles in COLUMNS.items():
        position = table.column(titles)
        if position is not None:
            index[name] = position
            header[name] = table.header[position]
    return index, header


def _read_row(
    cells: Callable[[str], Any], present: dict[str, int]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The typed values of one row and its errors (field, message)."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, reader in READERS.items():
        if name not in present:
            continue
        try:
            values[name] = reader(cells(name))
        except CellError as error:
            errors.append((name, str(error)))
    unreadable = {name for name, _message in errors}
    required = {
        "number": _("The work-order number is required."),
        "received_at": _("The time 12345 received the order is required."),
        "content": _("The content of the order is required."),
    }
    for name, message in required.items():
        if name not in unreadable and not values.get(name):
            errors.append((name, message))
    number = values.get("number", "")
    if number and not NUMBER_PATTERN.match(number):
        errors.append(
            (
                "number",
                _("“%(value)s” is not a work-order number: use letters and digits only.") % {"value": number},
            )
        )
    for name, limit in MAX_LENGTHS.items():
        text = values.get(name) or ""
        if len(text) > limit:
            errors.append(
                (
                    name,
                    _("At most %(limit)d characters; this cell has %(length)d.")
                    % {"limit": limit, "length": len(text)},
                )
            )
    if not (values.get("enterprise_name") or values.get("uscc")) and not (
        unreadable & set(ENTERPRISE_COLUMNS)
    ):
        column = "enterprise_name" if "enterprise_name" in present else "uscc"
        errors.append((column, _("Give the enterprise's name or its unified social credit code.")))
    received, due = values.get("received_at"), values.get("hotline_due")
    if received is not None and received > timezone.now() + FUTURE_TOLERANCE:
        errors.append(("received_at", _("The time 12345 received the order lies in the future.")))
    if received is not None and due is not None and due < received:
        errors.append(("hotline_due", _("The 12345 deadline lies before the time the order was received.")))
    return values, errors


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """What an order stores from the row; the title is derived when the row has none."""
    stored = {name: values.get(name) for name in COMPARED_FIELDS}
    if not stored["title"]:
        stored["title"] = derived_title(values.get("content", ""), values.get("category") or "")
    return stored


def _changes(
    order: HotlineOrder, values: dict[str, Any], present: dict[str, int]
) -> dict[str, tuple[Any, Any]]:
    """The fields whose cells differ from what the order holds: (held, now in the file)."""
    stored = _comparable(values)
    changes = {}
    for name in COMPARED_FIELDS:
        # A blank cell, a column the file lacks, or a title derived for want of one tells nothing.
        told = values.get(name) not in (None, "") and name in present
        if told and getattr(order, name) != stored[name]:
            changes[name] = (getattr(order, name), stored[name])
    return changes


def build_hotline_plan(table: Table, district: District, path: str = "") -> HotlineImportReport:
    """Validate `table` and compare it with the orders and the ledger of `district` (reads only)."""
    report = HotlineImportReport(path=path, district=district, total_rows=len(table.rows))
    present, headers = _columns(table)
    missing = [COLUMNS[name][0] for name in REQUIRED_COLUMNS if name not in present]
    if not any(name in present for name in ENTERPRISE_COLUMNS):
        missing.append(
            _("%(first)s or %(second)s")
            % {"first": COLUMNS["enterprise_name"][0], "second": COLUMNS["uscc"][0]}
        )
    if missing:
        report.file_error = _(
            "The file has no column %(columns)s (the first row must hold the column names)."
        ) % {"columns": "、".join(f"“{name}”" for name in missing)}
        return report

    def column_of(name: str) -> str:
        return headers.get(name) or COLUMNS[name][0]

    parsed: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for row in table.rows:

        def cells(name: str, row: Any = row) -> Any:
            return row.get(present[name])

        values, errors = _read_row(cells, present)
        if errors:
            report.errors.extend(RowError(row.number, column_of(name), message) for name, message in errors)
            continue
        raw = {
            title or f"#{index + 1}": _raw_cell(row.get(index)) for index, title in enumerate(table.header)
        }
        parsed.append((row.number, values, raw))

    existing = {
        order.number: order
        for order in HotlineOrder.objects.filter(
            district=district, number__in=[v["number"] for _n, v, _r in parsed]
        )
    }
    first_seen: dict[str, OrderRow] = {}
    for number, values, raw in parsed:
        entry = OrderRow(row=number, number=values["number"], outcome="new", values=values, raw=raw)
        earlier = first_seen.get(entry.number)
        if earlier is not None:
            if _comparable(earlier.values) != _comparable(values):
                report.errors.append(
                    RowError(
                        number,
                        column_of("number"),
                        _("The same work-order number is on row %(row)d with different content.")
                        % {"row": earlier.row},
                    )
                )
            else:
                entry.outcome, entry.same_as_row = "repeated", earlier.row
                report.rows.append(entry)
            continue
        first_seen[entry.number] = entry
        order = existing.get(entry.number)
        if order is not None:
            entry.order_id = order.pk
            entry.demand_id = order.demand_id
            entry.changes = _changes(order, values, present)
            entry.outcome = "changed" if entry.changes else "unchanged"
        report.rows.append(entry)
    _match_enterprises(report.of("new"), district)
    return report


def _match_enterprises(entries: Sequence[OrderRow], district: District) -> None:
    """Settle each new order's enterprise: by code, by exact name, to be registered, or unmatched with why."""
    codes = {entry.values.get("uscc") for entry in entries} - {None, ""}
    by_code = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes).select_related("district")}
    names = {
        variant
        for entry in entries
        if not entry.values.get("uscc") and entry.values.get("enterprise_name")
        for variant in _name_variants(entry.values["enterprise_name"])
    }
    by_name: dict[str, list[Enterprise]] = {}
    for enterprise in Enterprise.objects.filter(district=district, name__in=names):
        by_name.setdefault(name_key(enterprise.name), []).append(enterprise)
    for entry in entries:
        code = entry.values.get("uscc") or ""
        name = entry.values.get("enterprise_name") or ""
        if code:
            found = by_code.get(code)
            if found is None:
                if name:
                    entry.match = Match.REGISTERED
                else:
                    entry.match = Match.UNMATCHED
                    entry.match_note = _(
                        "Not in the ledger, and the order gives no name to register it under."
                    )
            elif found.district_id != district.pk:
                entry.match = Match.UNMATCHED
                entry.match_note = _("This code is in the ledger of %(district)s.") % {
                    "district": found.district.name
                }
            else:
                _settle(entry, found, Match.USCC)
            continue
        candidates = by_name.get(name_key(name), [])
        if len(candidates) == 1:
            _settle(entry, candidates[0], Match.NAME)
        elif candidates:
            entry.match = Match.UNMATCHED
            entry.match_note = _("Several enterprises of the ledger bear this name.")
        else:
            entry.match = Match.UNMATCHED
            entry.match_note = _("No enterprise of the ledger bears this name; the order gives no code.")


def _settle(entry: OrderRow, enterprise: Enterprise, how: str) -> None:
    if enterprise.status == EnterpriseStatusChoices.DEREGISTERED:
        entry.match = Match.UNMATCHED
        entry.match_note = _("The enterprise %(name)s is deregistered.") % {"name": enterprise.name}
        return
    entry.match, entry.enterprise = how, enterprise


# --- Applying -----------------------------------------------------------------------------------------------


class _RowFailed(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def may_import_orders(user: Any, district: District) -> bool:
    """The dispatcher (区网格中心) or the hub of the district imports its 12345 orders."""
    return district.pk in managed_district_ids(user)


def _register(entry: OrderRow, district: District, acting_user: Any, reason: str) -> Enterprise:
    """The enterprise a code not yet in the ledger names, registered for the hub's review."""
    name = entry.values["enterprise_name"]
    # GB 32100-2015: registered by market regulation (9), type 2 个体工商户, type 3 农民专业合作社.
    kinds = {"92": EnterpriseKindChoices.INDIVIDUAL, "93": EnterpriseKindChoices.COOPERATIVE}
    kind = kinds.get(entry.values["uscc"][:2], EnterpriseKindChoices.COMPANY)
    fields = {
        "uscc": entry.values["uscc"],
        "name": name,
        "kind": kind,
        "address": entry.values.get("address") or "",
        "needs_review": True,
    }
    return do_register_enterprise(district, fields, acting_user=acting_user, reason=reason)


def _order_fields(stored: dict[str, Any]) -> dict[str, Any]:
    """The compared fields as the model stores them: blank text, or no time."""
    moments = ("received_at", "hotline_due")
    return {name: stored[name] or (None if name in moments else "") for name in COMPARED_FIELDS}


def apply_hotline_plan(report: HotlineImportReport, *, acting_user: Any = None) -> None:
    """Write the new orders (and their demands) in one transaction; refuses a report with errors."""
    if not report.ok:
        raise ValueError("a 12345 import with errors is never applied")
    district = report.district
    file_name = Path(report.path).name
    reason = _("12345 work-order import %(file)s") % {"file": file_name}
    now = timezone.now()
    registered: dict[str, Enterprise] = {}
    if not report.of("new"):
        # Nothing new: a file imported again writes nothing at all, not even an audit row.
        report.applied = True
        return
    with transaction.atomic():
        for entry in report.of("new"):
            values = entry.values
            enterprise = entry.enterprise
            if entry.match == Match.REGISTERED:
                code = values["uscc"]
                if code not in registered:
                    registered[code] = _register(entry, district, acting_user, reason)
                enterprise = registered[code]
            stored = _comparable(values)
            demand = None
            if enterprise is not None:
                try:
                    demand = demand_actions.do_receive(
                        acting_user,
                        enterprise=enterprise,
                        channel=ChannelChoices.HOTLINE,
                        title=stored["title"],
                        content=stored["content"],
                        contact_name=stored["caller_name"] or "",
                        contact_phone=stored["phone"] or "",
                        hotline_number=entry.number,
                        received_at=stored["received_at"],
                        note=_("Imported from 12345 work order %(number)s.") % {"number": entry.number},
                    )
                except DemandActionError as error:
                    raise _RowFailed(RowError(entry.row, COLUMNS["number"][0], error.message)) from error
            order = HotlineOrder.objects.create(
                district=district,
                number=entry.number,
                **_order_fields(stored),
                raw_row=entry.raw,
                enterprise_match=entry.match,
                match_note=entry.match_note,
                demand=demand,
                imported_at=now,
                imported_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                import_file=file_name[:255],
            )
            entry.order_id, entry.enterprise = order.pk, enterprise
            entry.demand_id = demand.pk if demand is not None else None
        audit.record(
            "hotline12345.import",
            user=acting_user,
            role=_acting_role(acting_user, district),
            district_id=district.pk,
            message=reason,
            detail={
                "file": file_name,
                "new": len(report.of("new")),
                "unmatched": len(report.unmatched),
                "unchanged": len(report.of("unchanged")),
                "changed": [entry.number for entry in report.of("changed")],
            },
        )
    report.applied = True


def _acting_role(user: Any, district: District) -> str:
    if user is None:
        return audit.SYSTEM_ROLE
    grants = demand_grants(user)
    return "dispatcher" if district.pk in grants.dispatcher_district_ids else "hub"


def import_hotline(
    path: str | Path,
    *,
    district: District,
    acting_user: Any = None,
    apply: bool = True,
    content: bytes | None = None,
) -> HotlineImportReport:
    """Read, validate and (with `apply`) import a 12345 export; see the module's docstring.

    `content` carries an upload's bytes; `path` then only names the file.
    """
    try:
        table = read_table(path, content)
    except TableReadError as error:
        report = HotlineImportReport(path=str(path), district=district)
        report.file_error = table_error_message(error)
        return report
    report = build_hotline_plan(table, district, str(path))
    if apply and report.ok:
        try:
            apply_hotline_plan(report, acting_user=acting_user)
        except _RowFailed as failure:
            report.errors.append(failure.error)
            _forget_writes(report)
        except IntegrityError:
            # Another import of the same orders (or a clerk registering one of these codes) came first.
            report.file_error = _(
                "The work orders changed while importing; nothing was imported. Run the import again."
            )
            _forget_writes(report)
    return report


def _forget_writes(report: HotlineImportReport) -> None:
    """After a rollback, no row of the report points at anything written."""
    for entry in report.of("new"):
        entry.order_id = entry.demand_id = None


# --- The command ------------------------------------------------------------------------------------------------


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", help=_("the CSV or XLSX file"))
    parser.add_argument(
        "--district",
        metavar="CODE",
        help=_("the district whose work orders these are (needed when there are several)"),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=_("the dispatcher or hub user the import is recorded under (without it: the platform)"),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("only check the file and show what it would do; write nothing"),
    )


def handle(options: dict[str, Any], stdout: OutputWrapper) -> None:
    district = district_for_command(options.get("district"))
    user = None
    username = options.get("user")
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user “%(name)s”.") % {"name": username})
        if not may_import_orders(user, district):
            raise CommandError(
                _(
                    "%(name)s may not import the 12345 work orders of %(district)s: only its dispatcher or hub may."
                )
                % {"name": username, "district": district.name}
            )
    report = import_hotline(
        options["file"], district=district, acting_user=user, apply=not options.get("dry_run")
    )
    for line in render_report(report):
        stdout.write(line)
    if not report.ok:
        raise CommandError(_("Nothing was imported."))


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _label(name: str) -> str:
    return str(HotlineOrder._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def render_report(report: HotlineImportReport) -> Sequence[str]:
    """The report as lines the dispatcher reads."""
    lines = [
        _("12345 work orders %(file)s for %(district)s: %(rows)d rows.")
        % {"file": report.path, "district": report.district.name, "rows": report.total_rows}
    ]
    if report.file_error:
        return [*lines, report.file_error]

    def head(entry: OrderRow) -> str:
        return _("row %(row)d") % {"row": entry.row} + f"  {entry.number}"

    new = report.of("new")
    if new:
        lines.append(_("New work orders (%(n)d):") % {"n": len(new)})
        for entry in new:
            enterprise = (
                entry.enterprise.name if entry.enterprise else entry.values.get("enterprise_name", "")
            )
            detail = f"{enterprise}  {entry.match_label}"
            if entry.match_note:
                detail += f" — {entry.match_note}"
            lines.append(f"  {head(entry)}  {detail}")
    changed = report.of("changed")
    if changed:
        lines.append(
            _("Changed since the earlier import, left as imported then (%(n)d):") % {"n": len(changed)}
        )
        for entry in changed:
            differences = [f"{label}: {old} → {new_value}" for label, (old, new_value) in entry.change_labels]
            lines.append(f"  {head(entry)}  " + "; ".join(differences))
    repeated = report.of("repeated")
    if repeated:
        lines.append(_("Repeated in the file, counted once (%(n)d):") % {"n": len(repeated)})
        lines.extend(
            f"  {head(entry)}  " + _("same as row %(row)d") % {"row": entry.same_as_row} for entry in repeated
        )
    unchanged = len(report.of("unchanged"))
    if unchanged:
        lines.append(_("Already imported, unchanged: %(n)d.") % {"n": unchanged})
    if report.errors:
        lines.append(_("Errors (%(n)d), the whole file is refused:") % {"n": len(report.errors)})
        lines.extend(
            "  "
            + _("row %(row)d, column “%(column)s”: %(message)s")
            % {"row": e.row, "column": e.column, "message": e.message}
            for e in report.errors
        )
    elif report.applied and not new:
        lines.append(_("Nothing new: every work order of the file was imported before."))
    elif report.applied:
        lines.append(
            _(
                "Imported: %(new)d new work orders, %(demands)d demands, %(unmatched)d waiting for their enterprise."
            )
            % {
                "new": len(new),
                "demands": sum(1 for entry in new if entry.demand_id is not None),
                "unmatched": len(report.unmatched),
            }
        )
    else:
        lines.append(_("Dry run, nothing was written. Run again without --dry-run to import."))
    return lines

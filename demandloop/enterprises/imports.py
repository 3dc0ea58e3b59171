"""The monthly ledger import: the 市场监管局's list of new and deregistered enterprises, as a reviewed diff.

`demandloop import ledger FILE [--district CODE] [--user NAME] [--apply]`

The file (CSV in UTF-8 or GBK, or XLSX) has the columns 统一社会信用代码, 名称, 类型, 法定代表人, 地址, 成立日期,
状态, 注销日期, 行业 (only the first two are required). Every row is validated with `EnterpriseSerializer`, the
serializer of the API, and compared with the ledger: new, changed, deregistered, unchanged, skipped, or an error
naming its row, its column and why. Without `--apply` nothing is written. With `--apply` the whole file goes in
through the actions in one transaction, or nothing does: a single bad row rejects the batch (STYLE.md rule 6).

Decisions, for the clerk who reads the report:
- A blank cell tells nothing: it never erases what the ledger holds.
- An enterprise the list deregisters but the ledger does not hold is skipped (nothing to deregister).
- An enterprise deregistered in the ledger that the list calls active is an error: a clerk checks with the bureau.
- New enterprises get their area from the address (lib/address.py); those it does not place are listed so that a
  clerk assigns them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandloop.core.admin import AllDistricts, administered_districts
from demandloop.core.imports import (
    CellError,
    ImportReport,
    RowError,
    cell_text,
    district_for_command,
    table_error_message,
)
from demandloop.enterprises.actions import (
    do_deregister_enterprise,
    do_register_enterprise,
    do_update_enterprise,
)
from demandloop.enterprises.choices import EnterpriseKindChoices, EnterpriseStatusChoices
from demandloop.enterprises.grants import ledger_grants
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.queries import area_candidates
from demandloop.enterprises.serializers import EnterpriseSerializer
from demandloop.lib.address import assign_area
from demandloop.lib.tabular import Table, TableReadError, read_table
from demandloop.lib.uscc import normalize_uscc
from demandloop.org.models import Area, District, User

HELP = gettext_lazy("the market regulation bureau's monthly list of new and deregistered enterprises")

# Headers of the bureau's file (its own words, so data, not messages), first one the canonical name.
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "name": ("名称", "企业名称", "市场主体名称"),
    "kind": ("类型", "企业类型", "市场主体类型"),
    "legal_representative": ("法定代表人", "法定代表人/负责人", "经营者", "负责人"),
    "address": ("地址", "住所", "经营场所", "住所/经营场所"),
    "registered_on": ("成立日期", "登记日期"),
    "status": ("状态", "登记状态", "经营状态"),
    "deregistered_on": ("注销日期",),
    "industry": ("行业", "所属行业", "国民经济行业"),
}
REQUIRED_COLUMNS = ("uscc", "name")
# Fields compared with the ledger (status and its date are handled as deregistration).
COMPARED_FIELDS = ("name", "kind", "legal_representative", "address", "registered_on", "industry")

# The bureau's words for a state (登记状态), mapped to the ledger's two.
ACTIVE_WORDS = frozenset({"存续", "在业", "开业", "正常", "新设", "新设立", "设立", "迁入", "active"})
DEREGISTERED_WORDS = frozenset({"注销", "已注销", "注销登记", "deregistered"})

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


@dataclass
class LedgerRow:
    """One row of the list as the ledger will take it."""

    row: int
    uscc: str
    name: str
    outcome: str  # "new", "changed", "deregistered", "unchanged", "skipped"
    data: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    deregistered_on: datetime.date | None = None
    enterprise_id: int | None = None
    area: Area | None = None
    note: str = ""


@dataclass
class LedgerImportReport(ImportReport[LedgerRow]):
    """What the file would do (or did) to the ledger of one district."""


# --- Reading cells ------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A ledger cell as text; a date with a time reads as the day (registration and deregistration dates)."""
    return cell_text(value, with_time=False)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(_("“%(value)s” is not a date; write it as 2024-05-31.") % {"value": text})


def _kind(value: Any) -> str:
    text = _text(value)
    # The bureau writes the legal form (有限责任公司, 个体工商户, 农民专业合作社 …); the ledger keeps three kinds.
    if "个体" in text:
        return EnterpriseKindChoices.INDIVIDUAL
    if "合作社" in text:
        return EnterpriseKindChoices.COOPERATIVE
    return EnterpriseKindChoices.COMPANY


def _status(value: Any, deregistered_on: datetime.date | None) -> str:
    text = _text(value)
    if not text:
        # Without a state, a deregistration date says it all.
        return EnterpriseStatusChoices.DEREGISTERED if deregistered_on else EnterpriseStatusChoices.ACTIVE
    if text in ACTIVE_WORDS:
        return EnterpriseStatusChoices.ACTIVE
    if text in DEREGISTERED_WORDS:
        return EnterpriseStatusChoices.DEREGISTERED
    raise CellError(
        _("Unknown state “%(value)s”: use 存续 for an active enterprise or 注销 for a deregistered one.")
        % {"value": text}
    )


# --- Building the diff ----------------------------------------------------------------------------------------


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


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, Area):
        return value.name
    if value in EnterpriseKindChoices.values:
        return str(EnterpriseKindChoices(value).label)
    return str(value)


def _serializer_errors(errors: Any) -> list[tuple[str, str]]:
    """(field, first message) of a serializer's errors."""
    result = []
    for name, messages in errors.items():
        first = messages[0] if isinstance(messages, list) and messages else messages
        result.append((name, str(first)))
    return result


def _read_row(
    cells: Callable[[str], Any],
    present: dict[str, int],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The typed values of one row and the cell errors (field, message)."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    readers: dict[str, Callable[[Any], Any]] = {
        "uscc": _text,
        "name": _text,
        "kind": _kind,
        "legal_representative": _text,
        "address": _text,
        "registered_on": _date,
        "deregistered_on": _date,
        "industry": _text,
    }
    for name, reader in readers.items():
        if name not in present:
            continue
        try:
            values[name] = reader(cells(name))
        except CellError as error:
            errors.append((name, str(error)))
    if "kind" in values and not _text(cells("kind")):
        # A blank type tells nothing either.
        del values["kind"]
    try:
        values["status"] = _status(
            cells("status") if "status" in present else None, values.get("deregistered_on")
        )
    except CellError as error:
        errors.append(("status", str(error)))
    if values.get("status") == EnterpriseStatusChoices.DEREGISTERED and not values.get("deregistered_on"):
        errors.append(("deregistered_on", _("A deregistered enterprise needs its date of deregistration.")))
    return values, errors


def build_ledger_diff(table: Table, district: District, path: str = "") -> LedgerImportReport:
    """Compare the list `table` with the ledger of `district` (reads only)."""
    report = LedgerImportReport(path=path, district=district, total_rows=len(table.rows))
    present, headers = _columns(table)
    missing = [COLUMNS[name][0] for name in REQUIRED_COLUMNS if name not in present]
    if missing:
        report.file_error = _(
            "The file has no column %(columns)s (the first row must hold the column names)."
        ) % {"columns": "、".join(f"“{name}”" for name in missing)}
        return report

    def column_of(name: str) -> str:
        return headers.get(name) or COLUMNS.get(name, (name,))[0]

    codes = {normalize_uscc(_safe_text(row.get(present["uscc"]))) for row in table.rows}
    existing = {
        e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes - {""}).select_related("district", "area")
    }
    candidates = area_candidates(district.pk)
    areas = {area.pk: area for area in Area.objects.filter(district=district)}
    seen: dict[str, int] = {}
    for row in table.rows:

        def cells(name: str, row: Any = row) -> Any:
            return row.get(present[name])

        values, cell_errors = _read_row(cells, present)
        row_errors = [RowError(row.number, column_of(name), message) for name, message in cell_errors]
        code = normalize_uscc(values.get("uscc", ""))
        if code and code in seen:
            row_errors.append(
                RowError(
                    row.number,
                    column_of("uscc"),
                    _("The same code is already on row %(row)d.") % {"row": seen[code]},
                )
            )
        elif code:
            seen[code] = row.number
        enterprise = existing.get(code)
        if enterprise is not None and enterprise.district_id != district.pk:
            row_errors.append(
                RowError(
                    row.number,
                    column_of("uscc"),
                    _("This enterprise is in the ledger of %(district)s.")
                    % {"district": enterprise.district.name},
                )
            )
            enterprise = None
        # The API's serializer validates what the ledger stores (code, name, lengths …); blank cells are left
        # out so that they do not erase anything.
        data = {
            name: value
            for name, value in values.items()
            if name in COMPARED_FIELDS or name == "uscc"
            if value not in (None, "")
        }
        payload = (
            {**data, "registered_on": data["registered_on"].isoformat()}
            if "registered_on" in data
            else dict(data)
        )
        if enterprise is None:
            serializer = EnterpriseSerializer(data={**payload, "district": district.pk})
        else:
            payload.pop("uscc", None)
            serializer = EnterpriseSerializer(instance=enterprise, data=payload, partial=True)
        if not serializer.is_valid():
            # A cell already reported unreadable is not reported again as missing.
            unreadable = {name for name, _message in cell_errors}
            row_errors.extend(
                RowError(row.number, column_of(name), message)
                for name, message in _serializer_errors(serializer.errors)
                if name not in unreadable
            )
        if row_errors:
            report.errors.extend(row_errors)
            continue
        validated = {k: v for k, v in serializer.validated_data.items() if k in COMPARED_FIELDS}
        deregistering = values["status"] == EnterpriseStatusChoices.DEREGISTERED
        name = validated.get("name") or (enterprise.name if enterprise else "")
        entry = LedgerRow(row=row.number, uscc=code, name=name, outcome="unchanged", data=validated)
        if enterprise is None:
            if deregistering:
                entry.outcome = "skipped"
                entry.note = _("Not in the ledger: nothing to deregister.")
            else:
                entry.outcome = "new"
                assignment = assign_area(validated.get("address", ""), candidates)
                entry.area = areas.get(assignment.area_id) if assignment else None
            report.rows.append(entry)
            continue
        entry.enterprise_id = enterprise.pk
        if enterprise.status == EnterpriseStatusChoices.DEREGISTERED and not deregistering:
            report.errors.append(
                RowError(
                    row.number,
                    column_of("status"),
                    _(
                        "The ledger has this enterprise deregistered on %(date)s but the list calls it active: "
                        "check with the market regulation bureau."
                    )
                    % {"date": enterprise.deregistered_on},
                )
            )
            continue
        entry.changes = {
            name: (getattr(enterprise, name), value)
            for name, value in validated.items()
            if getattr(enterprise, name) != value
        }
        if deregistering and not (
            enterprise.status == EnterpriseStatusChoices.DEREGISTERED
            and enterprise.deregistered_on == values["deregistered_on"]
        ):
            entry.outcome = "deregistered"
            entry.deregistered_on = values["deregistered_on"]
        elif entry.changes:
            entry.outcome = "changed"
        report.rows.append(entry)
    return report


def _safe_text(value: Any) -> str:
    try:
        return _text(value)
    except CellError:
        return ""


# --- Applying -----------------------------------------------------------------------------------------------


def may_import_ledger(user: Any, district: District) -> bool:
    """The hub of the district, or the deployment's administrator, imports its ledger."""
    if district.pk in ledger_grants(user).editor.district_ids:
        return True
    return isinstance(administered_districts(user), AllDistricts)


def apply_ledger_diff(report: LedgerImportReport, *, acting_user: Any) -> None:
    """Write the diff through the actions in one transaction; refuses a report with errors."""
    if not report.ok:
        raise ValueError("a ledger import with errors is never applied")
    reason = _("ledger import %(file)s") % {"file": Path(report.path).name}
    with transaction.atomic():
        for entry in report.rows:
            if entry.outcome == "new":
                fields = {**entry.data, "uscc": entry.uscc, "area": entry.area}
                created = do_register_enterprise(
                    report.district, fields, acting_user=acting_user, reason=reason
                )
                entry.enterprise_id = created.pk
                entry.area = created.area
            elif entry.outcome in ("changed", "deregistered"):
                enterprise = Enterprise.objects.get(pk=entry.enterprise_id)
                changes = {name: new for name, (_old, new) in entry.changes.items()}
                if changes:
                    do_update_enterprise(enterprise, changes, acting_user=acting_user, reason=reason)
                if entry.deregistered_on is not None:
                    do_deregister_enterprise(
                        enterprise,
                        deregistered_on=entry.deregistered_on,
                        acting_user=acting_user,
                        reason=reason,
                    )
        tell_localities(report, at=timezone.now())
    report.applied = True


def tell_localities(report: LedgerImportReport, *, at: Any) -> int:
    """静海 §四(二): the hub forwards the month's list to the towns, streets and parks — each area's officers are
    told, in the import's transaction, which of their enterprises were registered or deregistered; the hub is told
    of new enterprises no area could be found for. Returns how many people were told."""
    from demandloop.integrations.choices import TopicChoices
    from demandloop.integrations.notify.outbox import Note, notify_users
    from demandloop.meetings.recipients import area_officers, district_hub

    by_area: dict[Any, dict[str, list[str]]] = {}
    unplaced: list[str] = []
    for entry in report.rows:
        if entry.outcome == "new" and entry.area is None:
            unplaced.append(entry.name)
            continue
        if entry.outcome not in ("new", "deregistered"):
            continue
        area = entry.area
        if area is None and entry.enterprise_id is not None:
            area = Enterprise.objects.filter(pk=entry.enterprise_id).select_related("area").first().area
        if area is None:
            continue
        by_area.setdefault(area, {"new": [], "deregistered": []})[entry.outcome].append(entry.name)
    # One import, one cause: next month's list may well bear the same file name.
    batch = f"enterprises.ledger:{report.district.pk}:{at.isoformat()}"
    notices: list[tuple[list[Any], Note, str]] = []
    with translation.override(settings.LANGUAGE_CODE):
        for area, names in by_area.items():
            lines = [
                _("New: %(names)s") % {"names": "、".join(names["new"])} if names["new"] else "",
                _("Deregistered: %(names)s") % {"names": "、".join(names["deregistered"])}
                if names["deregistered"]
                else "",
            ]
            note = Note(
                topic=TopicChoices.LEDGER,
                subject=_("Ledger of %(area)s: %(new)d new, %(gone)d deregistered enterprises")
                % {"area": area.name, "new": len(names["new"]), "gone": len(names["deregistered"])},
                body="\n".join(line for line in lines if line),
                link="/enterprises/",
            )
            notices.append((area_officers(area), note, str(area.pk)))
        if unplaced:
            note = Note(
                topic=TopicChoices.LEDGER,
                subject=_("%(n)d new enterprises need an area") % {"n": len(unplaced)},
                body="、".join(unplaced),
                link="/hub/",
            )
            notices.append((district_hub(report.district.pk), note, "unplaced"))
        for people, note, key in notices:
            notify_users(people, note, cause=f"{batch}:{key}", district=report.district, at=at)
    return sum(len(people) for people, _note, _key in notices)


def import_ledger(
    path: str | Path,
    *,
    district: District,
    apply: bool = False,
    acting_user: Any = None,
    content: bytes | None = None,
) -> LedgerImportReport:
    """Read, compare and (with `apply`) write a ledger list; see the module's docstring. `content` carries an
    upload's bytes; `path` then only names the file."""
    try:
        table = read_table(path, content)
    except TableReadError as error:
        report = LedgerImportReport(path=str(path), district=district)
        report.file_error = table_error_message(error)
        return report
    report = build_ledger_diff(table, district, str(path))
    if apply and report.ok:
        try:
            apply_ledger_diff(report, acting_user=acting_user)
        except IntegrityError:
            # Someone registered one of these codes between the comparison and the write.
            report.file_error = _(
                "The ledger changed while importing; nothing was imported. Run the import again."
            )
    return report


# --- The command ------------------------------------------------------------------------------------------------


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", help=_("the CSV or XLSX file"))
    parser.add_argument(
        "--district",
        metavar="CODE",
        help=_("the district whose ledger it is (needed when there are several)"),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=_("the hub user the changes are recorded under (needed with --apply)"),
    )
    parser.add_argument(
        "--apply", action="store_true", help=_("write the changes; without it the command only shows them")
    )


def handle(options: dict[str, Any], stdout: OutputWrapper) -> None:
    district = district_for_command(options.get("district"))
    user = None
    if options.get("apply"):
        username = options.get("user")
        if not username:
            raise CommandError(_("Name the user the changes are recorded under with --user."))
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user “%(name)s”.") % {"name": username})
        if not may_import_ledger(user, district):
            raise CommandError(
                _("%(name)s may not import the ledger of %(district)s: only its hub may.")
                % {"name": username, "district": district.name}
            )
    report = import_ledger(
        options["file"], district=district, apply=bool(options.get("apply")), acting_user=user
    )
    for line in render_report(report):
        stdout.write(line)
    if not report.ok:
        raise CommandError(_("Nothing was imported."))


def ledger_entry_details(entry: LedgerRow) -> list[str]:
    """What the list does to one enterprise, as people read it: its area (new), each change, the
    deregistration, the note."""
    detail = []
    if entry.outcome == "new":
        detail.append(
            _("area: %(area)s") % {"area": entry.area.name}
            if entry.area is not None
            else _("the address does not settle the area: a clerk assigns it")
        )
    for name, (old, new) in entry.changes.items():
        label = Enterprise._meta.get_field(name).verbose_name
        detail.append(f"{label}: {_shown(old)} → {_shown(new)}")
    if entry.deregistered_on is not None:
        detail.append(_("deregistered on %(date)s") % {"date": entry.deregistered_on.isoformat()})
    if entry.note:
        detail.append(entry.note)
    return [str(d) for d in detail]


def render_report(report: LedgerImportReport) -> Sequence[str]:
    """The report as lines a clerk reads."""
    lines = [
        _("Ledger list %(file)s for %(district)s: %(rows)d rows.")
        % {"file": report.path, "district": report.district.name, "rows": report.total_rows}
    ]
    if report.file_error:
        return [*lines, report.file_error]

    def head(entry: LedgerRow) -> str:
        return _("row %(row)d") % {"row": entry.row} + f"  {entry.uscc}  {entry.name}"

    sections = (
        ("new", _("New (%(n)d):")),
        ("changed", _("Changed (%(n)d):")),
        ("deregistered", _("Deregistered (%(n)d):")),
        ("skipped", _("Skipped (%(n)d):")),
    )
    for outcome, title in sections:
        entries = report.of(outcome)
        if not entries:
            continue
        lines.append(title % {"n": len(entries)})
        for entry in entries:
            lines.append(f"  {head(entry)}  " + "; ".join(ledger_entry_details(entry)))
    unchanged = len(report.of("unchanged"))
    if unchanged:
        lines.append(_("Unchanged: %(n)d.") % {"n": unchanged})
    if report.errors:
        lines.append(_("Errors (%(n)d), the whole list is refused:") % {"n": len(report.errors)})
        lines.extend(
            "  "
            + _("row %(row)d, column “%(column)s”: %(message)s")
            % {"row": e.row, "column": e.column, "message": e.message}
            for e in report.errors
        )
    elif report.applied:
        lines.append(
            _("Imported: %(new)d new, %(changed)d changed, %(deregistered)d deregistered.")
            % {
                "new": len(report.of("new")),
                "changed": len(report.of("changed")),
                "deregistered": len(report.of("deregistered")),
            }
        )
    else:
        lines.append(_("Preview only, nothing was written. Run again with --apply to import."))
    return lines

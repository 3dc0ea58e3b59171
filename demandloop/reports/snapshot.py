"""A monthly report frozen as JSON, and read back: what an issued report (`IssuedReport.snapshot`) keeps.

`to_snapshot` writes down every figure and every name the page, the Word document, the workbook and the API print
(the district's and the office's names, the departments by code, the overdue demands' lines), so that
`from_snapshot` gives back a `MonthlyReport` that renders exactly as the one issued — the same documents.py
and templates, no query, whatever the demands, the areas or the departments became since.

The counts are kept, not the rates: the rates are derived from them (`Rates`) as they were on the day.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from demandloop.meetings.queries import WhistleFigures
from demandloop.reports.monthly import Month, MonthlyReport, OverdueEntry, Ranked, overdue_entry
from demandloop.reports.queries import COUNTS, Rates
from demandloop.routing.duplicates import CommonProblem

# Raised when the layout changes, so that an old snapshot can still be read by a migration of its own.
VERSION = 1


@dataclasses.dataclass(frozen=True)
class FrozenDistrict:
    """The district as the report named it."""

    pk: int
    code: str
    name: str


def _key(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _rates(rates: Rates) -> dict[str, Any]:
    return {"key": _key(rates.key), "label": rates.label, **{name: getattr(rates, name) for name in COUNTS}}


def _ranked(rows: list[Ranked]) -> list[dict[str, Any]]:
    return [{"rank": row.rank, **_rates(row.rates)} for row in rows]


def to_snapshot(report: MonthlyReport) -> dict[str, Any]:
    """The report as JSON-ready data (call it in the district's language: the labels are kept as printed)."""
    return {
        "version": VERSION,
        "district": {"id": report.district.pk, "code": report.district.code, "name": report.district.name},
        "office_name": report.office_name,
        "department_names": report.department_names,
        "month": report.month.iso,
        "generated_at": report.generated_at.isoformat(),
        "totals": _rates(report.totals),
        "previous": _rates(report.previous),
        "year_to_date": _rates(report.year_to_date),
        "by_channel": [list(row) for row in report.by_channel],
        "by_area": _ranked(report.by_area),
        "by_department": _ranked(report.by_department),
        "by_leader": _ranked(report.by_leader),
        "by_tier": [_rates(row) for row in report.by_tier],
        "trend": [_rates(row) for row in report.trend],
        "overdue_count": report.overdue_count,
        "overdue": [
            {
                **dataclasses.asdict(entry),
                "deadline_missed": entry.deadline_missed.isoformat() if entry.deadline_missed else None,
            }
            for entry in map(overdue_entry, report.overdue)
        ],
        "whistles": [dataclasses.asdict(row) for row in report.whistles],
        "common_problems": [
            {field.name: getattr(problem, field.name) for field in dataclasses.fields(problem)}
            for problem in report.common_problems
        ],
    }


def _read_rates(data: dict[str, Any], *, dated: bool = False) -> Rates:
    key = date.fromisoformat(data["key"]) if dated and data["key"] else data["key"]
    return Rates(key=key, label=data["label"], **{name: data[name] for name in COUNTS})


def _read_ranked(rows: list[dict[str, Any]]) -> list[Ranked]:
    return [Ranked(row["rank"], _read_rates(row)) for row in rows]


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def from_snapshot(data: dict[str, Any]) -> MonthlyReport:
    """The `MonthlyReport` a snapshot was taken of, ready for documents.py and the templates."""
    if data.get("version") != VERSION:
        raise ValueError(f"unknown snapshot version {data.get('version')!r}")
    district = data["district"]
    generated_at = _moment(data["generated_at"])
    assert generated_at is not None
    return MonthlyReport(
        district=FrozenDistrict(pk=district["id"], code=district["code"], name=district["name"]),
        month=Month.parse(data["month"], today=generated_at.date()),
        generated_at=generated_at,
        totals=_read_rates(data["totals"]),
        previous=_read_rates(data["previous"]),
        year_to_date=_read_rates(data["year_to_date"]),
        by_channel=[(value, label, n) for value, label, n in data["by_channel"]],
        by_area=_read_ranked(data["by_area"]),
        by_department=_read_ranked(data["by_department"]),
        by_leader=_read_ranked(data["by_leader"]),
        by_tier=[_read_rates(row) for row in data["by_tier"]],
        trend=[_read_rates(row, dated=True) for row in data["trend"]],
        overdue_count=data["overdue_count"],
        overdue=[
            OverdueEntry(**{**entry, "deadline_missed": _moment(entry["deadline_missed"])})
            for entry in data["overdue"]
        ],
        whistles=[WhistleFigures(**row) for row in data["whistles"]],
        common_problems=[CommonProblem(**problem) for problem in data["common_problems"]],
        office_name=data["office_name"],
        department_names=data["department_names"],
    )

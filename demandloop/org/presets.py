"""District presets: a district's whole mechanism as a versioned YAML file (DESIGN.md §3).

`validate_preset` is pure: it turns the parsed file into a typed `Preset` or raises `PresetError` naming the file,
the place inside it (`areas[3].locality`) and the problem, in Chinese. `load_preset` then writes it in one
transaction, keyed by natural keys (district code + entity code), touching only rows whose values differ — so a
broken preset loads nothing and loading the same preset twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from demandloop.core.phones import validate_department_phone
from demandloop.lib.phones import normalize_phone
from demandloop.lib.yamlfile import load_yaml
from demandloop.org.choices import (
    ADMIN_ROLES,
    FIRST_LINE,
    DepartmentKindChoices,
    LocalityKindChoices,
    RoleChoices,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SUPPORTED_FORMATS = {1}
# Roles a tier of a district never names as its handlers: above the district, or outside the demands.
NOT_DISTRICT_HANDLERS = ADMIN_ROLES | {RoleChoices.CITY, RoleChoices.ENTERPRISE}
TOP_LEVEL_KEYS = {
    "format",
    "district",
    "role_labels",
    "localities",
    "areas",
    "departments",
    "domains",
    "exclusions",
    "tiers",
    "leader_posts",
}


class PresetError(Exception):
    """A preset that cannot be loaded: which file, where inside it, and why."""

    def __init__(self, filename: str, where: str, problem: str) -> None:
        self.filename, self.where, self.problem = filename, where, problem
        super().__init__(f"{filename}: {where}: {problem}" if where else f"{filename}: {problem}")


@dataclass(frozen=True)
class Preset:
    """A validated preset, ready to load."""

    filename: str
    district: dict[str, Any]
    role_labels: dict[str, str]
    localities: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    domains: list[dict[str, Any]]
    exclusions: list[dict[str, Any]]
    tiers: list[dict[str, Any]]
    leader_posts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.district["code"])


class _Checker:
    """Reads values out of the parsed YAML, raising PresetError with the path on the first problem."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, where: str, problem: str) -> PresetError:
        return PresetError(self.filename, where, problem)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, _("should be a mapping of keys to values"))
        return value

    def items(self, obj: dict[str, Any], key: str, where: str, *, allow_empty: bool = False) -> list[Any]:
        value = obj.get(key)
        if value is None and allow_empty:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}{key}", _("is missing or is not a list"))
        if not value and not allow_empty:
            raise self.fail(f"{where}{key}", _("must not be empty"))
        return value

    def text(
        self, obj: dict[str, Any], key: str, where: str, *, required: bool = True, max_length: int = 255
    ) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"{where}.{key}", _("is required"))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail(f"{where}.{key}", _("should be text"))
        value = str(value).strip()
        if len(value) > max_length:
            raise self.fail(f"{where}.{key}", _("is longer than %(n)d characters") % {"n": max_length})
        return value

    def phone(self, obj: dict[str, Any], key: str, where: str) -> str:
        """A department's phone, if given: a number (`core.phones.validate_department_phone`), stored with ASCII
        digits."""
        value = normalize_phone(self.text(obj, key, where, required=False, max_length=32))
        try:
            validate_department_phone(value)
        except ValidationError as exc:
            raise self.fail(f"{where}.{key}", _("“%(v)s” is not a phone number") % {"v": value}) from exc
        return value

    def slug(self, obj: dict[str, Any], key: str, where: str) -> str:
        value = self.text(obj, key, where, max_length=32)
        if not SLUG_RE.match(value):
            raise self.fail(
                f"{where}.{key}",
                _("“%(v)s” is not a valid code (lower-case letters, digits, - and _, at most 32)")
                % {"v": value},
            )
        return value

    def choice(
        self, obj: dict[str, Any], key: str, where: str, choices: Any, default: str | None = None
    ) -> str:
        value = obj.get(key, default)
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise self.fail(
                f"{where}.{key}", _("“%(v)s” is not one of: %(allowed)s") % {"v": value, "allowed": allowed}
            )
        return str(value)

    def boolean(self, obj: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", _("should be true or false"))
        return value

    def days(self, obj: dict[str, Any], key: str, where: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
            raise self.fail(
                f"{where}.{key}", _("should be a whole number of working days from 1 to 60, or null")
            )
        return value

    def words(self, obj: dict[str, Any], key: str, where: str) -> list[str]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}.{key}", _("should be a list of non-empty words"))
        return [v.strip() for v in value]

    def unique(self, rows: list[dict[str, Any]], key: str, section: str) -> None:
        seen: set[Any] = set()
        for i, row in enumerate(rows):
            if row[key] in seen:
                raise self.fail(f"{section}[{i}].{key}", _("“%(v)s” appears twice") % {"v": row[key]})
            seen.add(row[key])


def validate_preset(data: Any, filename: str) -> Preset:
    """Check a parsed preset completely and return it typed; raise PresetError on the first problem."""
    c = _Checker(filename)
    root = c.mapping(data, "")
    unknown = sorted(set(root) - TOP_LEVEL_KEYS)
    if unknown:
        raise c.fail(unknown[0], _("unknown section"))
    if root.get("format") not in SUPPORTED_FORMATS:
        raise c.fail(
            "format", _("unsupported preset format “%(v)s” (supported: 1)") % {"v": root.get("format")}
        )

    d = c.mapping(root.get("district"), "district")
    closing = d.get("office_closing_time")
    if closing is not None:
        # YAML reads 17:30 as a sexagesimal integer (1050); accept both that and "17:30".
        if isinstance(closing, int) and not isinstance(closing, bool):
            closing = f"{closing // 60:02d}:{closing % 60:02d}"
        try:
            closing = dt.time.fromisoformat(str(closing))
        except ValueError:
            raise c.fail(
                "district.office_closing_time", _("should be a time such as 17:30, or null")
            ) from None
    district = {
        "code": c.slug(d, "code", "district"),
        "name": c.text(d, "name", "district", max_length=64),
        "full_name": c.text(d, "full_name", "district", required=False, max_length=128),
        "mechanism_name": c.text(d, "mechanism_name", "district", required=False, max_length=128),
        "platform_name": c.text(d, "platform_name", "district", required=False, max_length=64),
        "preset_version": c.text(d, "version", "district", max_length=32),
        "office_closing_time": closing,
        "whistle_report_days": c.days(d, "whistle_report_days", "district") or 1,
    }
    expected = Path(filename).stem
    if Path(filename).suffix in {".yaml", ".yml"} and district["code"] != expected:
        raise c.fail(
            "district.code",
            _("“%(v)s” does not match the file name “%(f)s”") % {"v": district["code"], "f": expected},
        )

    labels = c.mapping(root.get("role_labels", {}), "role_labels")
    for role, label in labels.items():
        if role not in RoleChoices.values:
            raise c.fail(f"role_labels.{role}", _("unknown role"))
        if not isinstance(label, str) or not label.strip():
            raise c.fail(f"role_labels.{role}", _("should be a non-empty name"))

    localities = []
    for i, raw in enumerate(c.items(root, "localities", "")):
        w = f"localities[{i}]"
        row = c.mapping(raw, w)
        localities.append(
            {
                "code": c.slug(row, "code", w),
                "name": c.text(row, "name", w, max_length=64),
                "kind": c.choice(row, "kind", w, LocalityKindChoices),
                "parent": row.get("parent"),
                "order": i,
            }
        )
    c.unique(localities, "code", "localities")
    locality_codes = {row["code"] for row in localities}
    for i, row in enumerate(localities):
        if row["parent"] is not None and (
            row["parent"] not in locality_codes or row["parent"] == row["code"]
        ):
            raise c.fail(f"localities[{i}].parent", _("unknown locality code “%(v)s”") % {"v": row["parent"]})

    areas = []
    for i, raw in enumerate(c.items(root, "areas", "")):
        w = f"areas[{i}]"
        row = c.mapping(raw, w)
        locality = c.text(row, "locality", w, max_length=32)
        if locality not in locality_codes:
            raise c.fail(f"{w}.locality", _("unknown locality code “%(v)s”") % {"v": locality})
        areas.append(
            {
                "code": c.slug(row, "code", w),
                "name": c.text(row, "name", w, max_length=64),
                "locality": locality,
                "address_keywords": c.words(row, "address_keywords", w),
                "order": i,
            }
        )
    c.unique(areas, "code", "areas")
    area_codes = {row["code"] for row in areas}

    departments = []
    for i, raw in enumerate(c.items(root, "departments", "")):
        w = f"departments[{i}]"
        row = c.mapping(raw, w)
        departments.append(
            {
                "code": c.slug(row, "code", w),
                "name": c.text(row, "name", w, max_length=64),
                "kind": c.choice(
                    row, "kind", w, DepartmentKindChoices, default=DepartmentKindChoices.REGULAR
                ),
                "in_working_group": c.boolean(row, "in_working_group", w, True),
                "duties": c.text(row, "duties", w, required=False, max_length=2000),
                "phone": c.phone(row, "phone", w),
                "order": i,
            }
        )
    c.unique(departments, "code", "departments")
    for kind in (DepartmentKindChoices.SERVICE_HUB, DepartmentKindChoices.DISPATCH_HUB):
        if sum(1 for row in departments if row["kind"] == kind) != 1:
            raise c.fail("departments", _("needs exactly one department of kind “%(k)s”") % {"k": kind.value})

    domains = []
    for i, raw in enumerate(c.items(root, "domains", "")):
        w = f"domains[{i}]"
        row = c.mapping(raw, w)
        domains.append(
            {"code": c.slug(row, "code", w), "name": c.text(row, "name", w, max_length=64), "order": i}
        )
    c.unique(domains, "code", "domains")

    exclusions = []
    for i, raw in enumerate(c.items(root, "exclusions", "")):
        w = f"exclusions[{i}]"
        row = c.mapping(raw, w)
        exclusions.append(
            {
                "code": c.slug(row, "code", w),
                "name": c.text(row, "name", w, max_length=64),
                "redirect_text": c.text(row, "redirect_text", w, max_length=2000),
                "keywords": c.words(row, "keywords", w),
                "order": i,
            }
        )
    c.unique(exclusions, "code", "exclusions")

    tiers = []
    for i, raw in enumerate(c.items(root, "tiers", "")):
        w = f"tiers[{i}]"
        row = c.mapping(raw, w)
        level = row.get("level")
        if level != i + 1:
            raise c.fail(
                f"{w}.level", _("tiers must be numbered 1 to 4 in order; expected %(n)d") % {"n": i + 1}
            )
        roles = row.get("handler_roles", [])
        if not isinstance(roles, list) or not roles or any(r not in RoleChoices.values for r in roles):
            raise c.fail(f"{w}.handler_roles", _("should be a non-empty list of known roles"))
        if any(r in NOT_DISTRICT_HANDLERS for r in roles):
            raise c.fail(
                f"{w}.handler_roles",
                _("the city desk and the administrators handle no tier of a district"),
            )
        deciders = row.get("decider_roles", [])
        if not isinstance(deciders, list) or any(r not in FIRST_LINE for r in deciders):
            raise c.fail(
                f"{w}.decider_roles", _("should be a list of first-line roles (officers of any kind)")
            )
        if deciders and level < 3:
            raise c.fail(f"{w}.decider_roles", _("decisions on departments are taken at tier 3 and above"))
        tiers.append(
            {
                "level": level,
                "name": c.text(row, "name", w, max_length=64),
                "short_name": c.text(row, "short_name", w, required=False, max_length=32),
                "description": c.text(row, "description", w, required=False, max_length=2000),
                "response_days": c.days(row, "response_days", w),
                "handler_roles": list(roles),
                "decider_roles": list(deciders),
            }
        )
    if len(tiers) != 4:
        raise c.fail("tiers", _("the ladder has exactly four tiers; found %(n)d") % {"n": len(tiers)})
    for i, tier in enumerate(tiers[:3]):
        if tier["response_days"] is None:
            raise c.fail(f"tiers[{i}].response_days", _("tiers 1 to 3 need a response limit in working days"))

    leader_posts = []
    for i, raw in enumerate(c.items(root, "leader_posts", "", allow_empty=True)):
        w = f"leader_posts[{i}]"
        row = c.mapping(raw, w)
        post_areas = row.get("areas")
        if not isinstance(post_areas, list) or not post_areas:
            raise c.fail(f"{w}.areas", _("should be a non-empty list of area codes"))
        for j, code in enumerate(post_areas):
            if code not in area_codes:
                raise c.fail(f"{w}.areas[{j}]", _("unknown area code “%(v)s”") % {"v": code})
        leader_posts.append(
            {
                "code": c.slug(row, "code", w),
                "title": c.text(row, "title", w, max_length=64),
                "areas": list(dict.fromkeys(post_areas)),
                "order": i,
            }
        )
    c.unique(leader_posts, "code", "leader_posts")

    return Preset(
        filename=filename,
        district=district,
        role_labels={k: v.strip() for k, v in labels.items()},
        localities=localities,
        areas=areas,
        departments=departments,
        domains=domains,
        exclusions=exclusions,
        tiers=tiers,
        leader_posts=leader_posts,
    )


def preset_path(code_or_path: str | Path) -> Path:
    path = Path(code_or_path)
    if path.suffix in {".yaml", ".yml"}:
        return path
    return Path(settings.DEMANDLOOP_PRESET_DIR) / f"{code_or_path}.yaml"


def available_presets() -> list[str]:
    return sorted(p.stem for p in Path(settings.DEMANDLOOP_PRESET_DIR).glob("*.yaml"))


def read_preset(code_or_path: str | Path) -> Preset:
    path = preset_path(code_or_path)
    if not path.exists():
        choices = ", ".join(available_presets())
        raise PresetError(path.name, "", _("no such preset (available: %(choices)s)") % {"choices": choices})
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            _("line %(line)d, column %(col)d") % {"line": mark.line + 1, "col": mark.column + 1}
            if mark
            else ""
        )
        raise PresetError(
            path.name, where, _("not valid YAML: %(e)s") % {"e": getattr(exc, "problem", exc)}
        ) from exc
    except UnicodeDecodeError as exc:
        raise PresetError(path.name, "", _("the file must be UTF-8 text")) from exc
    return validate_preset(data, path.name)


def preset_models() -> list[Any]:
    """The tables a preset writes (imported late: this module loads before the app registry is ready)."""
    from demandloop.org import models

    return [
        models.District,
        models.Locality,
        models.Area,
        models.Department,
        models.Domain,
        models.Exclusion,
        models.Tier,
        models.LeaderPost,
        models.LeaderPost.areas.through,
    ]


@dataclass
class LoadReport:
    """What a load changed: counts per kind of row, created and updated."""

    district: Any = None
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def count(self, kind: str, created: bool, updated: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif updated:
            self.updated[kind] = self.updated.get(kind, 0) + 1


def _upsert_rows(
    model: Any,
    scope: dict[str, Any],
    key: str,
    rows: list[tuple[Any, dict[str, Any]]],
    report: LoadReport,
    kind: str,
) -> dict[Any, Any]:
    """Create the rows of one kind in one scope (a district), identified by their `key`, or update only the fields
    whose values differ, so that a reload writes nothing. One query reads the rows already there and the new ones
    are inserted together (row by row, a preset was some four hundred queries)."""
    existing = {
        getattr(obj, key): obj
        for obj in model.objects.filter(**scope, **{f"{key}__in": [k for k, _ in rows]})
    }
    result, new = {}, []
    for k, values in rows:
        obj = existing.get(k)
        if obj is None:
            obj = model(**scope, **{key: k}, **values)
            new.append(obj)
            report.count(kind, created=True, updated=False)
        else:
            _update(obj, values, report, kind)
        result[k] = obj
    model.objects.bulk_create(new)
    return result


def _update(obj: Any, values: dict[str, Any], report: LoadReport, kind: str) -> None:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count(kind, created=False, updated=True)


def load_preset(code_or_path: str | Path) -> LoadReport:
    """Validate and load a preset in one transaction; return what changed."""
    from demandloop.org.models import (
        Area,
        Department,
        District,
        Domain,
        Exclusion,
        LeaderPost,
        Locality,
        Tier,
    )

    preset = read_preset(code_or_path)
    report = LoadReport()
    with transaction.atomic():
        d = dict(preset.district)
        code = d.pop("code")
        values = {**d, "role_labels": preset.role_labels}
        district = _upsert_rows(District, {}, "code", [(code, values)], report, "district")[code]
        report.district = district
        scope = {"district": district}
        localities: dict[str, Any] = {}
        # A wave at a time, parents first, so that a park can point at its street.
        waiting = list(preset.localities)
        while waiting:
            wave = [row for row in waiting if not row["parent"] or row["parent"] in localities]
            if not wave:
                codes = "、".join(row["code"] for row in waiting)
                raise PresetError(
                    preset.filename,
                    "localities",
                    _("the parents of these localities form a cycle: %(codes)s") % {"codes": codes},
                )
            waiting = [row for row in waiting if row not in wave]
            rows = [
                (
                    row["code"],
                    {
                        **{k: v for k, v in row.items() if k not in {"code", "parent"}},
                        "parent": localities[row["parent"]] if row["parent"] else None,
                    },
                )
                for row in wave
            ]
            localities |= _upsert_rows(Locality, scope, "code", rows, report, "locality")
        rows = [
            (
                row["code"],
                {
                    **{k: v for k, v in row.items() if k not in {"code", "locality"}},
                    "locality": localities[row["locality"]],
                },
            )
            for row in preset.areas
        ]
        areas = _upsert_rows(Area, scope, "code", rows, report, "area")
        for model, kind_rows, kind in (
            (Department, preset.departments, "department"),
            (Domain, preset.domains, "domain"),
            (Exclusion, preset.exclusions, "exclusion"),
        ):
            rows = [(row["code"], {k: v for k, v in row.items() if k != "code"}) for row in kind_rows]
            _upsert_rows(model, scope, "code", rows, report, kind)
        rows = [(row["level"], {k: v for k, v in row.items() if k != "level"}) for row in preset.tiers]
        _upsert_rows(Tier, scope, "level", rows, report, "tier")
        rows = [(row["code"], {"title": row["title"], "order": row["order"]}) for row in preset.leader_posts]
        posts = _upsert_rows(LeaderPost, scope, "code", rows, report, "leader_post")
        # The posts' areas: read in one query, the differences written in two.
        through = LeaderPost.areas.through
        current: dict[int, dict[int, int]] = {}
        for link_id, post_id, area_id in through.objects.filter(leaderpost__district=district).values_list(
            "id", "leaderpost_id", "area_id"
        ):
            current.setdefault(post_id, {})[area_id] = link_id
        added, removed = [], []
        for row in preset.leader_posts:
            post = posts[row["code"]]
            wanted = {areas[code].pk for code in row["areas"]}
            had = current.get(post.pk, {})
            if wanted != set(had):
                added += [through(leaderpost_id=post.pk, area_id=pk) for pk in sorted(wanted - set(had))]
                removed += [link_id for area_id, link_id in had.items() if area_id not in wanted]
                report.count("leader_post_areas", created=False, updated=True)
        through.objects.filter(pk__in=removed).delete()
        through.objects.bulk_create(added)
    return report

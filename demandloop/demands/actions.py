"""Every change of a demand, one `do_<action>` function each (STYLE.md rules 1–2, DESIGN.md §4).

Each function:

1. refuses at once what FLOW does not allow from the demand's status (`ActionNotAllowed`, 409);
2. finds the role in which the user may act on this demand at its tier (`permissions.acting_role`), or refuses
   (`ActionForbidden`, 403); `by=None` is the platform itself (the overdue sweep, imports) and acts as "system";
3. checks the action's own rules (tier, co-departments' parts, deadlines …) and its arguments
   (`ActionInvalid` naming the argument, 400);
4. claims the transition with a compare-and-swap on (pk, status, version) — exactly one row must change, or
   someone else acted first (`DemandConflict`, 409) — and, in the same transaction, writes the co-department
   rows, one `DemandEvent` and one audit row, then sends `demand_changed` (receivers write outbox rows in the
   same transaction; delivery belongs in `transaction.on_commit`).

A refused attempt is audited as a failure after its transaction rolled back.

Callers validate input into model instances first (serializers, forms) and fetch the demand through
`get_demand_for_user` (404 outside the scope). Every function returns the demand, updated in place.

`demand_batch()` runs many actions in one transaction and writes their rows in bulk at the end: the same
checks, the same events and audit rows, for the demo data generator and large imports (one writer, so no
compare-and-swap is needed while it holds the transaction).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import File
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.core import audit
from demandloop.core.models import AuditEvent
from demandloop.demands.attachments import check_attachment, clean_name
from demandloop.demands.choices import (
    ChannelChoices,
    CityChannelChoices,
    CityStageChoices,
    ComplexityChoices,
    DemandStatusChoices,
    EscalationReasonChoices,
    SatisfiedChoices,
    SolvedChoices,
)
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.choices import DemandStatusChoices as S
from demandloop.demands.errors import ActionForbidden, ActionInvalid, ActionNotAllowed, DemandConflict
from demandloop.demands.flow import targets
from demandloop.demands.models import Demand, DemandAttachment, DemandCoDepartment, DemandEvent
from demandloop.demands.permissions import RECEIVE_CHANNEL_ROLES, TierContext, acting_role
from demandloop.demands.queries import DemandFacts, demand_grants
from demandloop.sla.calendar import END_OF_DAY, SHANGHAI
from demandloop.sla.services import compute_due

SYSTEM_ROLE = audit.SYSTEM_ROLE
HIGHEST_TIER = 4

# Sent inside the action's transaction after its event is written: (sender=Demand, demand, event, role).
demand_changed = Signal()

F = TypeVar("F", bound=Callable[..., Demand])


# --- Batch mode ---------------------------------------------------------------------------------------------


@dataclass
class DemandBatch:
    """Rows of many actions, inserted together when the batch ends (see `demand_batch`)."""

    demands: list[Demand] = field(default_factory=list)
    events: list[DemandEvent] = field(default_factory=list)
    audits: list[tuple[AuditEvent, Demand]] = field(default_factory=list)
    tiers: dict[tuple[int, int], Any] = field(default_factory=dict)

    def flush(self) -> None:
        # Originals before their duplicates: a merged demand must point at a saved row.
        first = [d for d in self.demands if d.duplicate_of is None]
        then = [d for d in self.demands if d.duplicate_of is not None]
        Demand.objects.bulk_create(first, batch_size=500)
        Demand.objects.bulk_create(then, batch_size=500)
        links = [link for d in self.demands for link in d._co_links.values()]
        _insert_rows(DemandCoDepartment, links)
        _insert_rows(DemandEvent, self.events)
        rows = []
        for row, demand in self.audits:
            row.object_type = "demands.demand"
            row.object_id = str(demand.pk)
            row.object_repr = str(demand)[:200]
            rows.append(row)
        _insert_rows(AuditEvent, rows)


def _insert_rows(model: type[models.Model], objs: list[Any]) -> None:
    """INSERT many rows of an append-only model with one `executemany`.

    The values are prepared by each field exactly as `bulk_create` prepares them; skipping its per-row SQL
    compilation halves the demo's write time (the rows need no primary key back: nothing refers to them).
    """
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Only the model's own table and column names are interpolated, quoted; every value is a parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    values = []
    for obj in objs:
        # Copies the saved demand's id into `demand_id` (the demand had none when the row was built).
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values.append([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


_batch: contextvars.ContextVar[DemandBatch | None] = contextvars.ContextVar(
    "demandloop_demand_batch", default=None
)


@contextmanager
def demand_batch() -> Iterator[DemandBatch]:
    """Run actions in memory and write every row in bulk, in one transaction, when the block ends."""
    batch = DemandBatch()
    token = _batch.set(batch)
    try:
        with transaction.atomic():
            yield batch
            batch.flush()
    finally:
        _batch.reset(token)


# --- The machinery every action shares ----------------------------------------------------------------------


def _co_links(demand: Demand) -> dict[int, DemandCoDepartment]:
    """The demand's co-department rows by department id, read once per instance."""
    cached: dict[int, DemandCoDepartment] | None = getattr(demand, "_co_links", None)
    if cached is None:
        cached = {link.department_id: link for link in demand.co_department_links.all()} if demand.pk else {}
        demand._co_links = cached
    return cached


def _status_label(status: str) -> str:
    return str(DemandStatusChoices(status).label)


def _action_label(action: str) -> str:
    return str(A(action).label)


def _tier(demand: Demand, level: int) -> Any:
    from demandloop.org.models import Tier

    batch = _batch.get()
    key = (demand.district_id, level)
    if batch is not None and key in batch.tiers:
        return batch.tiers[key]
    tier = Tier.objects.filter(district_id=demand.district_id, level=level).first()
    if tier is None:
        raise ActionNotAllowed(_("This district has no tier %(level)d.") % {"level": level})
    if batch is not None:
        batch.tiers[key] = tier
    return tier


def end_of_day(day: date | datetime, district: Any = None) -> datetime:
    """A committed date as the instant it expires: the end of that day in Asia/Shanghai (or the district's
    office closing time), as the calendar represents deadlines (DESIGN.md §5)."""
    if isinstance(day, datetime):
        if timezone.is_naive(day):
            raise ActionInvalid(_("The time must include a time zone."))
        return day
    closing = getattr(district, "office_closing_time", None) or END_OF_DAY
    return datetime.combine(day, closing, tzinfo=SHANGHAI)


def _same_district(obj: Any, demand: Demand, field_name: str, what: str) -> None:
    if obj is None or obj.district_id != demand.district_id:
        raise ActionInvalid(
            _("Choose a %(what)s of the demand's district.") % {"what": what}, field=field_name
        )


class _Step:
    """One action under way: the checks done, the changes collected, then one atomic commit."""

    def __init__(self, demand: Demand, by: Any, action: str, at: datetime | None) -> None:
        if not targets(demand.status, action):
            raise ActionNotAllowed(
                _("A demand that is “%(status)s” cannot be given “%(action)s”.")
                % {"status": _status_label(demand.status), "action": _action_label(action)}
            )
        self.demand = demand
        self.by = by
        self.action = action
        self.at = at or timezone.now()
        self.changes: dict[str, Any] = {}
        self.co_ops: list[tuple[str, Any]] = []
        self.links = _co_links(demand)
        self.facts = DemandFacts.of(demand, frozenset(self.links))
        self.role = self._acting_role()

    def _acting_role(self) -> str:
        if self.by is None:
            return SYSTEM_ROLE
        if not getattr(self.by, "is_active", False):
            raise ActionForbidden(_("This account is disabled."))
        tier = self.demand.tier if self.demand.tier_id else None
        ctx = TierContext.of(self.demand.status, tier)
        role = acting_role(self.action, demand_grants(self.by), self.facts, ctx)
        if role is None:
            raise ActionForbidden(
                _("None of your roles may “%(action)s” this demand at its current tier.")
                % {"action": _action_label(self.action)}
            )
        return role

    @property
    def tier_level(self) -> int | None:
        tier = self.demand.tier
        return tier.level if tier is not None else None

    def set(self, **changes: Any) -> None:
        self.changes.update(changes)

    def enter_tier(self, tier: Any, start: datetime) -> None:
        """The demand enters `tier` at `start`: its response clock restarts from the calendar."""
        if tier.response_days is None:
            due, provisional = None, False
        else:
            computed = compute_due(start, tier.response_days, self.demand.district)
            due, provisional = computed.due, computed.provisional
        self.set(
            tier=tier,
            tier_entered_at=start,
            response_due=due,
            response_due_provisional=provisional,
            responded_at=None,
        )

    def replace_co_departments(self, department_ids: Iterable[int]) -> None:
        self.co_ops.append(("replace", frozenset(department_ids)))

    def report_part(self, department_id: int, part: str) -> None:
        self.co_ops.append(("report", (department_id, part)))

    def reset_reports(self) -> None:
        self.co_ops.append(("reset", None))

    def commit(self, to_status: str, *, note: str = "", data: dict[str, Any] | None = None) -> Demand:
        demand = self.demand
        if to_status not in targets(demand.status, self.action):
            raise AssertionError(f"{self.action} cannot lead from {demand.status} to {to_status}")
        from_status, from_tier = demand.status, self.tier_level
        values = {**self.changes, "status": to_status, "version": demand.version + 1}
        if to_status != from_status:
            values["status_changed_at"] = self.at
        batch = _batch.get()
        if batch is None:
            claimed = Demand.objects.filter(pk=demand.pk, status=from_status, version=demand.version).update(
                **values, updated_at=timezone.now()
            )
            if claimed != 1:
                current = Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
                raise DemandConflict(
                    _(
                        "Someone else changed this demand a moment ago (it is now “%(status)s”). "
                        "Reload it and try again."
                    )
                    % {"status": _status_label(current or from_status)}
                )
        for name, value in values.items():
            setattr(demand, name, value)
        self._apply_co_ops(batch is None)
        event = DemandEvent(
            demand=demand,
            at=self.at,
            actor=self.by,
            actor_role=self.role,
            action=self.action,
            from_status=from_status,
            to_status=to_status,
            from_tier=from_tier,
            to_tier=self.tier_level,
            note=note,
            response_due=demand.response_due,
            completion_due=demand.completion_due,
            data=data or {},
        )
        audit_row = audit.build(
            f"demand.{self.action}",
            user=self.by,
            role=self.role,
            obj=demand,
            district_id=demand.district_id,
            detail={"from": from_status, "to": to_status, **(data or {})},
            at=self.at if batch is not None else None,
        )
        if batch is not None:
            batch.events.append(event)
            batch.audits.append((audit_row, demand))
            return demand
        event.save(force_insert=True)
        audit_row.save(force_insert=True)
        demand_changed.send(sender=Demand, demand=demand, event=event, role=self.role)
        return demand

    def _apply_co_ops(self, write: bool) -> None:
        demand = self.demand
        links = self.links
        for op, arg in self.co_ops:
            if op == "replace":
                gone = [dep for dep in links if dep not in arg]
                if write and gone:
                    DemandCoDepartment.objects.filter(demand=demand, department_id__in=gone).delete()
                for dep in gone:
                    del links[dep]
                for dep in sorted(arg - set(links)):
                    link = DemandCoDepartment(demand=demand, department_id=dep)
                    if write:
                        link.save(force_insert=True)
                    links[dep] = link
            elif op == "report":
                dep, part = arg
                link = links[dep]
                link.part, link.reported_at, link.reported_by = part, self.at, self.by
                if write:
                    link.save(update_fields=["part", "reported_at", "reported_by"])
            elif op == "reset":
                if write:
                    DemandCoDepartment.objects.filter(demand=demand).update(
                        part="", reported_at=None, reported_by=None
                    )
                for link in links.values():
                    link.part, link.reported_at, link.reported_by = "", None, None


def _action(name: str) -> Callable[[F], F]:
    """Run the action in one transaction; audit a refused attempt once the transaction has rolled back."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(demand: Demand, by: Any, *args: Any, **kwargs: Any) -> Demand:
            if _batch.get() is not None:
                return fn(demand, by, *args, **kwargs)
            try:
                with transaction.atomic():
                    return fn(demand, by, *args, **kwargs)
            except (ActionInvalid, ActionForbidden, ActionNotAllowed, DemandConflict) as exc:
                audit.record_failure(
                    f"demand.{name}",
                    user=by,
                    obj=demand,
                    district_id=demand.district_id,
                    message=exc.message,
                    detail={"code": exc.code, "status": demand.status},
                )
                raise

        return run  # type: ignore[return-value]

    return decorate


def _require_text(value: str, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionInvalid(message, field=field_name)
    return text


# How far ahead a committed date (an ETA, a decision's deadline, an extension) may lie. A date years away is a
# mistyped year far more often than a real plan, and it would take the demand out of supervision: never due,
# never overdue. A longer matter is extended again when the time comes (request_extension).
FURTHEST_AHEAD = timedelta(days=366)


def _after(moment: datetime, at: datetime, field_name: str) -> None:
    if moment <= at:
        raise ActionInvalid(_("The date must lie in the future."), field=field_name)
    if moment > at + FURTHEST_AHEAD:
        raise ActionInvalid(
            _("The date lies more than a year ahead: check the year. A longer matter is extended when due."),
            field=field_name,
        )


# --- Intake ------------------------------------------------------------------------------------------------


def do_receive(
    by: Any,
    *,
    enterprise: Any,
    channel: str,
    title: str,
    content: str,
    source: str = "",
    area: Any = None,
    contact_name: str = "",
    contact_phone: str = "",
    hotline_number: str = "",
    city_reference: str = "",
    routing_suggestion: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    note: str = "",
    at: datetime | None = None,
    is_demo: bool = False,
) -> Demand:
    """Take in a new demand (status "received"). Who may register it depends on the channel: the enterprise
    online, the first line as 企业诉求直通车 or solicitation, the dispatcher the 12345 orders, the hub any."""
    demand = Demand(
        district=enterprise.district,
        enterprise=enterprise,
        channel=channel,
        source=source,
        area=area or enterprise.area,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        title=title.strip(),
        content=content.strip(),
        hotline_number=hotline_number.strip(),
        city_reference=city_reference.strip(),
        routing_suggestion=routing_suggestion or {},
        received_at=received_at or at or timezone.now(),
        status_changed_at=at or timezone.now(),
        created_by=by,
        is_demo=is_demo,
    )
    batch = _batch.get()
    if batch is not None:
        return _receive(demand, by, note, at, batch)
    try:
        with transaction.atomic():
            return _receive(demand, by, note, at, None)
    except (ActionInvalid, ActionForbidden) as exc:
        audit.record_failure(
            f"demand.{A.RECEIVE}",
            user=by,
            district_id=enterprise.district_id,
            message=exc.message,
            detail={"code": exc.code, "enterprise": enterprise.pk},
        )
        raise


def _receive(demand: Demand, by: Any, note: str, at: datetime | None, batch: DemandBatch | None) -> Demand:
    enterprise = demand.enterprise
    if demand.channel not in ChannelChoices.values:
        raise ActionInvalid(_("Choose a channel from the list."), field="channel")
    if demand.channel == ChannelChoices.OFFICER and not demand.source:
        raise ActionInvalid(_("Say how the officer heard of the demand."), field="source")
    if demand.channel != ChannelChoices.OFFICER and demand.source:
        raise ActionInvalid(_("Only demands registered by an officer have a source."), field="source")
    if demand.channel == ChannelChoices.HOTLINE and not demand.hotline_number:
        raise ActionInvalid(_("A 12345 demand needs its work-order number."), field="hotline_number")
    if enterprise.status != "active":
        raise ActionInvalid(_("This enterprise is deregistered."), field="enterprise")
    if demand.area is not None:
        _same_district(demand.area, demand, "area", _("area"))
    _require_text(demand.title, "title", _("Give the demand a title."))
    _require_text(demand.content, "content", _("Describe the demand."))
    facts = DemandFacts.of(demand, frozenset())
    role = SYSTEM_ROLE
    if by is not None:
        grants = demand_grants(by)
        allowed = RECEIVE_CHANNEL_ROLES.get(demand.channel, frozenset())
        reaching = [r for r in grants.roles_reaching(facts) if r in allowed]
        if not by.is_active or not reaching:
            raise ActionForbidden(_("You may not register a demand of this enterprise through this channel."))
        role = reaching[0]
    demand._co_links = {}
    when = at or timezone.now()
    event = DemandEvent(
        demand=demand,
        at=when,
        actor=by,
        actor_role=role,
        action=A.RECEIVE,
        from_status="",
        to_status=S.RECEIVED,
        note=note,
        data={"channel": demand.channel, "source": demand.source},
    )
    audit_row = audit.build(
        f"demand.{A.RECEIVE}",
        user=by,
        role=role,
        district_id=demand.district_id,
        detail={"to": S.RECEIVED, "channel": demand.channel},
        at=when if batch is not None else None,
    )
    if batch is not None:
        batch.demands.append(demand)
        batch.events.append(event)
        batch.audits.append((audit_row, demand))
        return demand
    demand.save(force_insert=True)
    event.save(force_insert=True)
    audit_row.object_type, audit_row.object_id, audit_row.object_repr = (
        "demands.demand",
        str(demand.pk),
        str(demand)[:200],
    )
    audit_row.save(force_insert=True)
    demand_changed.send(sender=Demand, demand=demand, event=event, role=role)
    return demand


@_action(A.SCREEN)
def do_screen(
    demand: Demand,
    by: Any,
    *,
    in_scope: bool,
    exclusion: Any = None,
    note: str = "",
    at: datetime | None = None,
) -> Demand:
    """Decide whether the demand is within the service. Out of scope needs a reason from the district's
    exclusion list; its redirect text is what the enterprise is shown (信访 → petition channel …)."""
    step = _Step(demand, by, A.SCREEN, at)
    if in_scope:
        if exclusion is not None:
            raise ActionInvalid(_("A demand in scope has no exclusion reason."), field="exclusion")
        return step.commit(S.SCREENED, note=note, data={"in_scope": True})
    if exclusion is None:
        raise ActionInvalid(_("Choose why the demand is out of scope."), field="exclusion")
    _same_district(exclusion, demand, "exclusion", _("reason"))
    step.set(exclusion=exclusion, redirect_text=exclusion.redirect_text, closed_at=step.at)
    return step.commit(S.OUT_OF_SCOPE, note=note, data={"in_scope": False, "exclusion": exclusion.code})


@_action(A.TRIAGE)
def do_triage(
    demand: Demand,
    by: Any,
    *,
    domain: Any,
    complexity: str,
    tier: Any,
    area: Any = None,
    lead_department: Any = None,
    routing_suggestion: dict[str, Any] | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Demand:
    """Classify the demand (domain, simple/complex, tier, responsible area, optionally its lead department).

    The tier's response clock starts at the demand's receipt, not at triage: the enterprise's wait began then.
    What was chosen is kept next to the router's suggestion, for the router to learn from (issue 6).
    """
    step = _Step(demand, by, A.TRIAGE, at)
    _same_district(domain, demand, "domain", _("domain"))
    if complexity not in ComplexityChoices.values:
        raise ActionInvalid(_("Choose simple or complex."), field="complexity")
    _same_district(tier, demand, "tier", _("tier"))
    area = area or demand.area
    _same_district(area, demand, "area", _("area"))
    if lead_department is not None:
        _same_district(lead_department, demand, "lead_department", _("department"))
    if complexity == ComplexityChoices.SIMPLE and tier.level != 1:
        raise ActionInvalid(_("Simple matters are handled at tier 1."), field="complexity")
    choice = {
        "domain": domain.code,
        "complexity": complexity,
        "tier": tier.level,
        "area": area.code,
        "lead_department": lead_department.code if lead_department else None,
    }
    step.set(
        domain=domain,
        complexity=complexity,
        area=area,
        lead_department=lead_department,
        routing_choice=choice,
    )
    if routing_suggestion is not None:
        step.set(routing_suggestion=routing_suggestion)
    step.enter_tier(tier, demand.received_at)
    return step.commit(S.TRIAGED, note=note, data=choice)


# --- First tier -------------------------------------------------------------------------------------------


@_action(A.ANSWER)
def do_answer(demand: Demand, by: Any, *, answer: str, note: str = "", at: datetime | None = None) -> Demand:
    """Answer a simple matter on the spot at tier 1 (政策咨询、材料补正 …): the answer is the result."""
    step = _Step(demand, by, A.ANSWER, at)
    if step.tier_level != 1 or demand.complexity != ComplexityChoices.SIMPLE:
        raise ActionNotAllowed(_("Only simple matters at tier 1 are answered on the spot."))
    text = _require_text(answer, "answer", _("Write the answer given to the enterprise."))
    step.set(result=text, resolved_at=step.at, responded_at=demand.responded_at or step.at)
    return step.commit(S.ANSWERED, note=note)


@_action(A.ACCEPT)
def do_accept(demand: Demand, by: Any, *, note: str = "", at: datetime | None = None) -> Demand:
    """Take the demand on: the tier-1 officer for a triaged demand, the lead department for a dispatched one."""
    step = _Step(demand, by, A.ACCEPT, at)
    if demand.status == S.TRIAGED and (step.tier_level or 0) >= 3:
        raise ActionNotAllowed(_("At tier 3 and above the lead department is set by a decision."))
    if demand.status == S.TRIAGED and step.tier_level == 2 and demand.lead_department_id is None:
        raise ActionNotAllowed(_("At tier 2 the demand is dispatched to a lead department first."))
    return step.commit(S.IN_PROGRESS, note=note)


@_action(A.DISPATCH)
def do_dispatch(
    demand: Demand,
    by: Any,
    *,
    lead_department: Any = None,
    co_departments: Iterable[Any] = (),
    note: str = "",
    at: datetime | None = None,
) -> Demand:
    """Send the demand to a lead department (and co-departments) at tier 2 (部门直通 / 12345 派单)."""
    step = _Step(demand, by, A.DISPATCH, at)
    if step.tier_level != 2:
        raise ActionNotAllowed(
            _(
                "Demands are dispatched to departments at tier 2; at tier 1 escalate first, at tier 3 and above "
                "a decision names the departments."
            )
        )
    lead = lead_department or demand.lead_department
    if lead is None:
        raise ActionInvalid(_("Choose the lead department."), field="lead_department")
    _same_district(lead, demand, "lead_department", _("department"))
    co = _co_department_ids(demand, lead, co_departments)
    step.set(lead_department=lead)
    step.replace_co_departments(co)
    return step.commit(S.DISPATCHED, note=note, data=_departments_data(lead, co_departments))


def _co_department_ids(demand: Demand, lead: Any, co_departments: Iterable[Any]) -> set[int]:
    ids = set()
    for dep in co_departments:
        _same_district(dep, demand, "co_departments", _("department"))
        if dep.pk == lead.pk:
            raise ActionInvalid(
                _("The lead department cannot also be a co-department."), field="co_departments"
            )
        ids.add(dep.pk)
    return ids


def _departments_data(lead: Any, co_departments: Iterable[Any]) -> dict[str, Any]:
    return {"lead_department": lead.code, "co_departments": sorted(dep.code for dep in co_departments)}


@_action(A.RETURN)
def do_return(demand: Demand, by: Any, *, reason: str, at: datetime | None = None) -> Demand:
    """Send a dispatched demand back to the dispatcher (退单) with the reason; it leaves the department's list."""
    step = _Step(demand, by, A.RETURN, at)
    text = _require_text(reason, "reason", _("Say why the demand is returned."))
    lead = demand.lead_department
    data = {"lead_department": lead.code if lead is not None else None}
    step.set(lead_department=None)
    step.replace_co_departments(())
    return step.commit(S.RETURNED, note=text, data=data)


# --- Handling ----------------------------------------------------------------------------------------------


@_action(A.PLAN)
def do_plan(
    demand: Demand, by: Any, *, plan: str, eta: date | datetime, note: str = "", at: datetime | None = None
) -> Demand:
    """Give the plan and the estimated completion time: this answers the tier's response clock and sets the
    completion clock (the committed ETA)."""
    step = _Step(demand, by, A.PLAN, at)
    text = _require_text(plan, "plan", _("Write the plan."))
    due = end_of_day(eta, demand.district)
    _after(due, step.at, "eta")
    step.set(plan=text, planned_at=step.at, completion_due=due, responded_at=demand.responded_at or step.at)
    return step.commit(S.PLANNED, note=note, data={"eta": due.isoformat()})


@_action(A.INFORM)
def do_inform(demand: Demand, by: Any, *, note: str = "", at: datetime | None = None) -> Demand:
    """Record that the enterprise was told the plan and the ETA (by its officer, or by a 12345 callback)."""
    step = _Step(demand, by, A.INFORM, at)
    step.set(informed_at=step.at)
    return step.commit(S.INFORMED, note=note)


@_action(A.REPORT_PART)
def do_report_part(
    demand: Demand, by: Any, *, part: str, department: Any = None, at: datetime | None = None
) -> Demand:
    """A co-department (协办) reports the part it did; the demand resolves only when every one has."""
    step = _Step(demand, by, A.REPORT_PART, at)
    text = _require_text(part, "part", _("Describe the part your department did."))
    if by is None:
        mine = set(step.links)
    else:
        grants = demand_grants(by)
        mine = set(step.links) & (grants.coordinator_department_ids | grants.dept_lead_department_ids)
    if department is not None:
        if department.pk not in mine:
            raise ActionInvalid(
                _("Choose one of your departments that co-handles this demand."), field="department"
            )
        dep_id = department.pk
    elif len(mine) == 1:
        dep_id = next(iter(mine))
    else:
        raise ActionInvalid(_("Choose for which department you report."), field="department")
    step.report_part(dep_id, text)
    return step.commit(demand.status, note=text, data={"department_id": dep_id})


@_action(A.RESOLVE)
def do_resolve(demand: Demand, by: Any, *, result: str, note: str = "", at: datetime | None = None) -> Demand:
    """Record the result. With co-departments, only once each has reported its part (主办/协办).
    For a demand transferred to the city, the result is the city's answer."""
    step = _Step(demand, by, A.RESOLVE, at)
    text = _require_text(result, "result", _("Write the result."))
    missing = sorted(dep for dep, link in step.links.items() if link.reported_at is None)
    if missing:
        from demandloop.org.models import Department

        names = "、".join(Department.objects.filter(pk__in=missing).values_list("name", flat=True))
        raise ActionNotAllowed(
            _("These co-departments have not reported their part yet: %(names)s.") % {"names": names}
        )
    # A result is an answer to the enterprise: a matter resolved without a plan first (at the city, after an
    # escalation restarted the clock) is responded to now — no demand counts as resolved but not responded to.
    step.set(result=text, resolved_at=step.at, responded_at=demand.responded_at or step.at)
    return step.commit(S.RESOLVED, note=note)


@_action(A.EVALUATE)
def do_evaluate(
    demand: Demand,
    by: Any,
    *,
    solved: str,
    satisfied: str,
    comment: str = "",
    at: datetime | None = None,
) -> Demand:
    """The enterprise's evaluation (回访): solved / partly / not × satisfied / basically / not."""
    step = _Step(demand, by, A.EVALUATE, at)
    if solved not in SolvedChoices.values:
        raise ActionInvalid(_("Choose whether the matter was solved."), field="solved")
    if satisfied not in SatisfiedChoices.values:
        raise ActionInvalid(_("Choose how satisfied the enterprise is."), field="satisfied")
    step.set(
        evaluation_solved=solved,
        evaluation_satisfied=satisfied,
        evaluation_comment=comment.strip(),
        evaluated_at=step.at,
    )
    return step.commit(S.EVALUATED, note=comment.strip(), data={"solved": solved, "satisfied": satisfied})


def needs_redo(demand: Demand) -> bool:
    """Whether the evaluation allows a reopen (重办): not fully solved, or not satisfied."""
    return demand.evaluation_solved != SolvedChoices.SOLVED or (
        demand.evaluation_satisfied == SatisfiedChoices.NOT_SATISFIED
    )


@_action(A.REOPEN)
def do_reopen(demand: Demand, by: Any, *, reason: str, at: datetime | None = None) -> Demand:
    """Reopen (重办) an unsolved or unsatisfying demand at its tier. The original clocks stand: the response and
    completion deadlines are not reset, so a late demand stays late."""
    step = _Step(demand, by, A.REOPEN, at)
    if not needs_redo(demand):
        raise ActionNotAllowed(_("Only a demand evaluated as unsolved or unsatisfying can be reopened."))
    text = _require_text(reason, "reason", _("Say why the demand is reopened."))
    data = {"solved": demand.evaluation_solved, "satisfied": demand.evaluation_satisfied}
    step.set(
        reopen_count=demand.reopen_count + 1,
        result="",
        resolved_at=None,
        evaluation_solved="",
        evaluation_satisfied="",
        evaluation_comment="",
        evaluated_at=None,
    )
    step.reset_reports()
    return step.commit(S.IN_PROGRESS, note=text, data=data)


# --- The ladder --------------------------------------------------------------------------------------------


@_action(A.ESCALATE)
def do_escalate(
    demand: Demand, by: Any, *, reason: str, note: str = "", at: datetime | None = None
) -> Demand:
    """Lift the demand to the next tier (not solvable here, several departments needed, overdue). Entering the
    tier starts its response clock; who handles it there is decided next (dispatch, decision or transfer)."""
    step = _Step(demand, by, A.ESCALATE, at)
    if reason not in EscalationReasonChoices.values:
        raise ActionInvalid(_("Choose why the demand is escalated."), field="reason")
    level = step.tier_level or 1
    if level >= HIGHEST_TIER:
        raise ActionNotAllowed(_("The demand is already at the highest tier."))
    step.enter_tier(_tier(demand, level + 1), step.at)
    # A matter that needs a higher tier is no longer a simple one, whatever triage thought.
    step.set(
        escalation_count=demand.escalation_count + 1,
        complexity=ComplexityChoices.COMPLEX,
        extension_requested_until=None,
        extension_reason="",
    )
    return step.commit(S.ESCALATED, note=note, data={"reason": reason, "to_tier": level + 1})


@_action(A.DECIDE)
def do_decide(
    demand: Demand,
    by: Any,
    *,
    lead_department: Any,
    co_departments: Iterable[Any],
    deadline: date | datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Demand:
    """The decision on a tier-3 (or tier-4) demand: lead department, co-departments and the deadline, which
    becomes the completion clock (静海 §三(三): 明确牵头部门、解决时限). Taken by the hub until the meetings
    module exists; meeting decisions call this with `data={"meeting": …}`."""
    step = _Step(demand, by, A.DECIDE, at)
    level = step.tier_level or 1
    if level < 3:
        raise ActionNotAllowed(_("Decisions on lead and co-departments are taken at tier 3 and above."))
    if lead_department is None:
        raise ActionInvalid(_("Choose the lead department."), field="lead_department")
    _same_district(lead_department, demand, "lead_department", _("department"))
    co_departments = list(co_departments)
    co = _co_department_ids(demand, lead_department, co_departments)
    if level == 3 and not co:
        raise ActionInvalid(_("A tier-3 decision names at least one co-department."), field="co_departments")
    due = end_of_day(deadline, demand.district)
    _after(due, step.at, "deadline")
    step.set(lead_department=lead_department, completion_due=due)
    step.replace_co_departments(co)
    payload = {
        **_departments_data(lead_department, co_departments),
        "deadline": due.isoformat(),
        **(data or {}),
    }
    return step.commit(S.IN_PROGRESS, note=note, data=payload)


# City channels whose platform gives the reference itself once the matter is pushed to it, by channel: a
# callable saying whether that integration is configured now. Filled by the integrations' AppConfig.ready()
# (津产发: `integrations/city_platform`), so this module never imports an integration.
CITY_PUSH_CHANNELS: dict[str, Callable[[], bool]] = {}


def city_pushes(city_channel: str) -> bool:
    """Whether a transfer through `city_channel` is pushed by an integration that answers with the reference."""
    configured = CITY_PUSH_CHANNELS.get(city_channel)
    return configured is not None and configured()


def city_desk_serves(district_id: int) -> bool:
    """Whether the city tier is inside this deployment for the district (a city-wide deployment, DESIGN.md §1):
    an active city desk receives its transfers, whatever the city channel, and no integration carries them."""
    from demandloop.meetings.recipients import city_desk

    return bool(city_desk(district_id))


@_action(A.TRANSFER)
def do_transfer(
    demand: Demand,
    by: Any,
    *,
    city_channel: str,
    city_reference: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Demand:
    """Hand a tier-4 demand to the city (津产发, 12345 企业服务专席, 市政务服务办) with its reference; it stays
    tracked until the city answers (then `do_resolve` records the answer).

    Through a channel an integration pushes (`city_pushes`), the reference may be left empty: the integration
    sends the matter and records the reference the city platform answers with (`do_city_progress`). A reference
    given all the same means the matter is on the city platform already (the enterprise filed it there, 南开
    §三(四)): it is recorded and not pushed a second time.

    In a city-wide deployment (`city_desk_serves`) the matter goes to the platform's own city desk through every
    channel, known there by the demand's own number (a reference is given only when the enterprise filed the
    matter with the city itself); nothing is pushed.
    """
    step = _Step(demand, by, A.TRANSFER, at)
    if step.tier_level != HIGHEST_TIER:
        raise ActionNotAllowed(_("Only tier-4 demands are transferred to the city."))
    if city_channel not in CityChannelChoices.values:
        raise ActionInvalid(_("Choose the city channel."), field="city_channel")
    reference = (city_reference or "").strip()
    desk = city_desk_serves(demand.district_id)
    pushed = not desk and not reference and city_pushes(city_channel)
    if not desk and not pushed:
        reference = _require_text(reference, "city_reference", _("Give the city platform's reference."))
    step.set(city_channel=city_channel, city_reference=reference, transferred_at=step.at, at_city_desk=desk)
    # The city answers for the whole matter now: the district's co-departments owe no part of it any more.
    step.replace_co_departments(())
    return step.commit(
        S.TRANSFERRED,
        note=note,
        data={
            "city_channel": city_channel,
            "city_reference": reference,
            "pushed": pushed,
            **({"city_desk": True} if desk else {}),
        },
    )


def city_progress_note(stage_label: str, unit: str = "", note: str = "") -> str:
    """How a step of the city reads on the timeline: "受理，市发展改革委：已派单" — the stage, the city unit
    handling it, what was said."""
    text = "，".join(part for part in (stage_label, unit.strip()) if part)
    return f"{text}：{note.strip()}" if note.strip() else text


def city_desk_progress(stage: str, unit: str = "", note: str = "") -> dict[str, Any]:
    """The arguments of `do_city_progress` for a stage the city desk reports (form or API): the timeline's words
    in the platform's language, and the city unit handling the matter."""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(CityStageChoices(stage).label)
    unit = unit.strip()
    return {
        "stage": stage,
        "note": city_progress_note(label, unit, note),
        "data": {"unit": unit} if unit else None,
    }


@_action(A.CITY_PROGRESS)
def do_city_progress(
    demand: Demand,
    by: Any,
    *,
    stage: str,
    note: str = "",
    city_reference: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Demand:
    """The city platform's progress on a transferred demand (its reference received, 受理, 办理中): an event on
    the demand, which stays "transferred". A new reference replaces the one recorded."""
    step = _Step(demand, by, A.CITY_PROGRESS, at)
    stage = _require_text(stage, "stage", _("Say which stage the city reported."))
    reference = (city_reference or "").strip()
    if reference and reference != demand.city_reference:
        step.set(city_reference=reference)
    payload = {"stage": stage, **({"city_reference": reference} if reference else {}), **(data or {})}
    return step.commit(S.TRANSFERRED, note=note.strip(), data=payload)


@_action(A.CITY_RETURN)
def do_city_return(
    demand: Demand,
    by: Any,
    *,
    reason: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Demand:
    """The city returns a transferred demand (退回) with its reason: the matter is the district's again, at tier
    4 and "escalated" — awaiting the hub's decision on a lead department, or a new transfer with what the city
    asked for. The tier's response clock restarts from the return."""
    step = _Step(demand, by, A.CITY_RETURN, at)
    text = _require_text(reason, "reason", _("Say why the city returned the demand."))
    step.enter_tier(_tier(demand, step.tier_level or HIGHEST_TIER), step.at)
    return step.commit(S.ESCALATED, note=text, data={"city_reference": demand.city_reference, **(data or {})})


@_action(A.CITY_REPORT)
def do_city_report(
    demand: Demand,
    by: Any,
    *,
    stage: str,
    note: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Demand:
    """The city platform's report on a demand that no longer awaits it — the hub resolved it by hand while the
    city platform was down, the enterprise withdrew it — recorded on the timeline so the history keeps the
    city's own word (its result, or why it returned the matter), and nothing more.

    Not a FLOW edge: the report changes nothing about the demand (status, tier, clocks, version stay), so it is
    taken in every status but "transferred" — where the report is applied instead — the terminal ones included.
    No `demand_changed` is sent: there is no change for 12345, the city or the deadline watches to hear of.
    """
    if by is not None:
        raise ActionForbidden(_("Only the city platform's integration records the city's reports."))
    stage = _require_text(stage, "stage", _("Say which stage the city reported."))
    at = at or timezone.now()
    # Read under the row lock: the event names the status the demand has while the report is recorded.
    # Only the demand's row is locked ("of"): PostgreSQL refuses to lock the nullable side of the tier join.
    current = Demand.objects.select_for_update(of=("self",)).select_related("tier").get(pk=demand.pk)
    if current.status == S.TRANSFERRED:
        raise ActionNotAllowed(_("The demand awaits the city: its report is applied, not only recorded."))
    level = current.tier.level if current.tier is not None else None
    payload = {"stage": stage, "city_reference": current.city_reference, **(data or {})}
    DemandEvent(
        demand=current,
        at=at,
        actor=None,
        actor_role=SYSTEM_ROLE,
        action=A.CITY_REPORT,
        from_status=current.status,
        to_status=current.status,
        from_tier=level,
        to_tier=level,
        note=note.strip(),
        response_due=current.response_due,
        completion_due=current.completion_due,
        data=payload,
    ).save(force_insert=True)
    audit.record(
        f"demand.{A.CITY_REPORT}",
        user=None,
        role=SYSTEM_ROLE,
        obj=current,
        district_id=current.district_id,
        detail={"from": current.status, "to": current.status, **payload},
        at=at,
    )
    return demand


# --- Extensions (延期) --------------------------------------------------------------------------------------


@_action(A.REQUEST_EXTENSION)
def do_request_extension(
    demand: Demand, by: Any, *, until: date | datetime, reason: str, at: datetime | None = None
) -> Demand:
    """Ask to move the committed ETA later, with the reason; the hub or the lead department's lead decides."""
    step = _Step(demand, by, A.REQUEST_EXTENSION, at)
    if demand.extension_requested_until is not None:
        raise ActionNotAllowed(_("An extension request is already waiting for a decision."))
    text = _require_text(reason, "reason", _("Say why more time is needed."))
    new_due = end_of_day(until, demand.district)
    if demand.completion_due is not None and new_due <= demand.completion_due:
        raise ActionInvalid(_("The new date must be later than the current deadline."), field="until")
    _after(new_due, step.at, "until")
    step.set(extension_requested_until=new_due, extension_reason=text)
    return step.commit(demand.status, note=text, data={"until": new_due.isoformat()})


@_action(A.APPROVE_EXTENSION)
def do_approve_extension(demand: Demand, by: Any, *, note: str = "", at: datetime | None = None) -> Demand:
    """Approve the pending extension: the completion clock moves to the requested date."""
    step = _Step(demand, by, A.APPROVE_EXTENSION, at)
    if demand.extension_requested_until is None:
        raise ActionNotAllowed(_("There is no extension request to decide."))
    until = demand.extension_requested_until
    step.set(
        completion_due=until,
        extension_requested_until=None,
        extension_reason="",
        extension_count=demand.extension_count + 1,
    )
    return step.commit(demand.status, note=note, data={"until": until.isoformat()})


@_action(A.REJECT_EXTENSION)
def do_reject_extension(demand: Demand, by: Any, *, reason: str, at: datetime | None = None) -> Demand:
    """Refuse the pending extension: the committed ETA stands."""
    step = _Step(demand, by, A.REJECT_EXTENSION, at)
    if demand.extension_requested_until is None:
        raise ActionNotAllowed(_("There is no extension request to decide."))
    text = _require_text(reason, "reason", _("Say why the extension is refused."))
    until = demand.extension_requested_until
    step.set(extension_requested_until=None, extension_reason="")
    return step.commit(demand.status, note=text, data={"until": until.isoformat()})


# --- Endings -----------------------------------------------------------------------------------------------


@_action(A.MERGE)
def do_merge(
    demand: Demand, by: Any, *, original: Demand, note: str = "", at: datetime | None = None
) -> Demand:
    """Merge a duplicate into the demand it repeats; the duplicate ends, the original carries on."""
    step = _Step(demand, by, A.MERGE, at)
    if original is demand or (original.pk is not None and original.pk == demand.pk):
        raise ActionInvalid(_("A demand cannot duplicate itself."), field="duplicate_of")
    if original.district_id != demand.district_id:
        raise ActionInvalid(_("Choose a demand of the same district."), field="duplicate_of")
    if original.status in {S.MERGED, S.OUT_OF_SCOPE, S.WITHDRAWN}:
        raise ActionInvalid(
            _("That demand has itself ended without a result; choose the one it repeats."),
            field="duplicate_of",
        )
    step.set(duplicate_of=original, closed_at=step.at)
    return step.commit(S.MERGED, note=note, data={"duplicate_of": original.pk})


@_action(A.WITHDRAW)
def do_withdraw(demand: Demand, by: Any, *, reason: str, at: datetime | None = None) -> Demand:
    """The enterprise withdraws its demand (or its officer records that it did)."""
    step = _Step(demand, by, A.WITHDRAW, at)
    text = _require_text(reason, "reason", _("Say why the demand is withdrawn."))
    step.set(closed_at=step.at, extension_requested_until=None, extension_reason="")
    return step.commit(S.WITHDRAWN, note=text)


@_action(A.CLOSE)
def do_close(demand: Demand, by: Any, *, note: str = "", at: datetime | None = None) -> Demand:
    """Close an answered, resolved or evaluated demand (without an evaluation only with a note saying why)."""
    step = _Step(demand, by, A.CLOSE, at)
    if demand.status != S.EVALUATED and not note.strip():
        raise ActionInvalid(
            _("Say why the demand is closed without the enterprise's evaluation."), field="note"
        )
    step.set(closed_at=step.at)
    return step.commit(S.CLOSED, note=note.strip(), data={"evaluated": demand.status == S.EVALUATED})


# --- Attachments -------------------------------------------------------------------------------------------


@_action(A.ATTACH)
def do_attach(demand: Demand, by: Any, *, upload: File[Any], at: datetime | None = None) -> Demand:
    """Store an uploaded file with the demand (outside the web root) after checking its size and type."""
    step = _Step(demand, by, A.ATTACH, at)
    upload.seek(0)
    head = upload.read(16)
    kind = check_attachment(
        upload.name or "", upload.size or 0, head, max_bytes=settings.ATTACHMENT_MAX_BYTES
    )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = clean_name(upload.name or "")
    attachment = DemandAttachment(
        demand=demand,
        original_name=name,
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
        uploaded_at=step.at,
    )
    attachment.file.save(name, upload, save=False)
    stored_name = attachment.file.name
    # A file whose row is not written must not stay behind in the storage.
    try:
        attachment.save(force_insert=True)
        result = step.commit(demand.status, note=name, data={"attachment": name, "size": attachment.size})
    except BaseException:
        attachment.file.storage.delete(stored_name)
        raise
    return result

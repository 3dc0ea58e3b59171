"""Writes of solicitation campaigns (STYLE.md rule 1): each in one transaction, with its audit row and its
notifications written to the outbox in the same transaction.

* The hub creates a campaign (draft), may change or delete it while a draft, launches it (the deadline becomes a
  date and every target unit's people are told), reminds the units that have not replied, and closes it.
* A target unit saves its reply as a draft (problems, or 本期无问题), then submits it once; a reply after the
  deadline is accepted and marked late.
* The hub accepts a submitted reply: each problem naming an enterprise becomes a demand (channel
  `solicitation`) through `demands.actions.do_receive`, so its screening, triage, tiers and clocks are the
  demands app's business; or returns it to the unit (退回) with a reason.

Status changes are claimed with a compare-and-swap on the old status (STYLE.md rule 2): two clerks acting at
once cannot both win. Refusals are the demands app's errors (400 names the field, 403, 409).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demandloop.core import audit
from demandloop.demands import actions as demand_actions
from demandloop.demands.choices import ChannelChoices, ComplexityChoices
from demandloop.demands.errors import (
    ActionForbidden,
    ActionInvalid,
    ActionNotAllowed,
    DemandActionError,
    DemandConflict,
)
from demandloop.demands.models import Demand
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_department, notify_users
from demandloop.meetings.recipients import district_hub
from demandloop.org.choices import DepartmentKindChoices, RoleChoices
from demandloop.org.models import Area, Department, District, Locality
from demandloop.sla.services import compute_due
from demandloop.solicitation.choices import (
    CAMPAIGN_FLOW,
    CampaignStatusChoices,
    ReplyStatusChoices,
    TargetKindChoices,
)
from demandloop.solicitation.models import Campaign, CampaignReminder, CampaignTarget, Reply, ReplyProblem
from demandloop.solicitation.queries import LOCALITY_ROLES, target_people, units_of

# A reply deadline further than this is a typing mistake (a quarter of working days).
MAX_REPLY_DAYS = 60
TITLE_LENGTH = 40


@dataclass(frozen=True)
class ProblemInput:
    """One problem as a form, the API or an Excel row hands it over, already typed."""

    content: str
    complexity: str
    enterprise: Any = None
    area: Area | None = None


@dataclass(frozen=True)
class CampaignInput:
    """What the hub says when it creates or changes a campaign."""

    title: str
    instructions: str
    localities: Sequence[Locality] = ()
    departments: Sequence[Department] = ()
    domain: Any = None
    reply_days: int | None = None
    reply_by: date | None = None


def all_localities(district: District) -> list[Locality]:
    """ "All localities": every town, street, park and business district of the district."""
    return list(Locality.objects.filter(district=district).order_by("order", "code"))


def all_departments(district: District) -> list[Department]:
    """ "All departments": the district's functional departments (the two hubs are not asked by default)."""
    return list(
        Department.objects.filter(district=district, kind=DepartmentKindChoices.REGULAR).order_by(
            "order", "code"
        )
    )


def problem_title(content: str) -> str:
    """A demand's title from a problem's text: its first sentence, cut to forty characters."""
    text = " ".join(content.split())
    for mark in "。！？；\n":
        head, found, _rest = text.partition(mark)
        if found and head:
            text = head
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


# --- Checks --------------------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def _district_id(subject: Any) -> int | None:
    """The district of what an action is about: a district, a campaign, a target, a reply or a problem."""
    if isinstance(subject, District):
        return subject.pk
    if isinstance(subject, ReplyProblem):
        subject = subject.reply
    if isinstance(subject, Reply):
        subject = subject.target
    if isinstance(subject, CampaignTarget):
        subject = subject.campaign
    return getattr(subject, "district_id", None)


def _audited(name: str) -> Callable[[F], F]:
    """Record every refused attempt (403, 400, 409) as a failed audit row, after its transaction rolled back, as
    the demands' and the typical cases' actions do: who tried to run or answer a campaign they may not, or what a
    campaign refused, is the security auditor's business (三权分立)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(subject: Any, by: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(subject, by, *args, **kwargs)
            except DemandActionError as error:
                audit.record_failure(
                    f"solicitation.{name}",
                    user=by,
                    district_id=_district_id(subject),
                    message=error.message,
                    detail={"object": str(subject)[:100]},
                )
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


def _require_hub(by: Any, district_id: int) -> None:
    if not by.is_active or district_id not in units_of(by).hub_district_ids:
        raise ActionForbidden(_("Only the district's government service office runs solicitation campaigns."))


def _require_replier(target: CampaignTarget, by: Any) -> str:
    """The role in which `by` answers for the target's unit, or refuse."""
    if not by.is_active or not units_of(by).answers(target):
        raise ActionForbidden(_("Only the people of the unit asked reply for it."))
    memberships = by.memberships.filter(is_active=True)
    wanted = LOCALITY_ROLES if target.kind == TargetKindChoices.LOCALITY else (RoleChoices.COORDINATOR,)
    role = memberships.filter(role__in=wanted).values_list("role", flat=True).first()
    return str(role or RoleChoices.DEPT_LEAD)


def _require_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatusChoices.CLOSED:
        raise ActionNotAllowed(_("This campaign is closed; it takes no more replies."))
    if campaign.status != CampaignStatusChoices.LAUNCHED:
        raise ActionNotAllowed(_("This campaign has not been launched."))


def _claim_campaign(campaign: Campaign, to: str, **changes: Any) -> None:
    if to not in CAMPAIGN_FLOW[campaign.status]:
        raise ActionNotAllowed(
            _("A campaign that is “%(status)s” cannot become “%(to)s”.")
            % {"status": campaign.get_status_display(), "to": CampaignStatusChoices(to).label}
        )
    claimed = Campaign.objects.filter(pk=campaign.pk, status=campaign.status).update(status=to, **changes)
    if claimed != 1:
        raise DemandConflict(_("Someone else changed this campaign first; reload the page."))
    campaign.status = to
    for name, value in changes.items():
        setattr(campaign, name, value)


def _check_campaign(district: District, data: CampaignInput) -> tuple[str, str]:
    title = (data.title or "").strip()
    if not title:
        raise ActionInvalid(_("Give the campaign a title."), field="title")
    instructions = (data.instructions or "").strip()
    if not instructions:
        raise ActionInvalid(_("Say what the units are asked."), field="instructions")
    if data.domain is not None and data.domain.district_id != district.pk:
        raise ActionInvalid(_("Choose a domain of the district."), field="domain")
    if not data.localities and not data.departments:
        raise ActionInvalid(_("Choose at least one locality or department to ask."), field="targets")
    units: list[Locality | Department] = [*data.localities, *data.departments]
    for unit in units:
        if unit.district_id != district.pk:
            raise ActionInvalid(_("Choose localities and departments of the district."), field="targets")
    if (data.reply_days is None) == (data.reply_by is None):
        raise ActionInvalid(
            _("Give the reply deadline either as a date or as a number of working days."), field="reply_days"
        )
    if data.reply_days is not None and not 1 <= data.reply_days <= MAX_REPLY_DAYS:
        raise ActionInvalid(
            _("The reply deadline must be 1 to %(n)d working days.") % {"n": MAX_REPLY_DAYS},
            field="reply_days",
        )
    if data.reply_by is not None and data.reply_by < timezone.localdate():
        raise ActionInvalid(_("The reply date has passed."), field="reply_by")
    return title, instructions


def _set_targets(campaign: Campaign, data: CampaignInput) -> None:
    campaign.targets.all().delete()
    rows = [
        CampaignTarget(campaign=campaign, kind=TargetKindChoices.LOCALITY, locality=locality)
        for locality in dict.fromkeys(data.localities)
    ] + [
        CampaignTarget(campaign=campaign, kind=TargetKindChoices.DEPARTMENT, department=department)
        for department in dict.fromkeys(data.departments)
    ]
    for order, row in enumerate(rows):
        row.order = order
    CampaignTarget.objects.bulk_create(rows)


def _note(subject: str, body: str, campaign: Campaign) -> Note:
    return Note(
        topic=TopicChoices.SOLICITATION, subject=subject, body=body, link=f"/solicitation/{campaign.pk}/"
    )


def _tell_target(target: CampaignTarget, note: Note, cause: str, district: District, at: datetime) -> int:
    people = target_people(target)
    notify_users(people, note, cause=cause, district=district, at=at)
    if target.department is not None:
        notify_department(target.department, note, cause=cause)
    return len(people)


def due_label(campaign: Campaign) -> str:
    """The reply deadline as a date (once launched), or how it will be counted (a draft)."""
    if campaign.reply_due is not None:
        day = timezone.localtime(campaign.reply_due).date().isoformat()
        return day
    if campaign.reply_by is not None:
        return campaign.reply_by.isoformat()
    return _("%(n)d working days after the launch") % {"n": campaign.reply_days or 0}


# --- The hub's side ------------------------------------------------------------------------------------------


@_audited("create")
def do_create_campaign(
    district: District, by: Any, data: CampaignInput, *, at: datetime | None = None, is_demo: bool = False
) -> Campaign:
    """A new campaign, as a draft the hub may still change."""
    with transaction.atomic():
        _require_hub(by, district.pk)
        title, instructions = _check_campaign(district, data)
        campaign = Campaign.objects.create(
            district=district,
            title=title,
            instructions=instructions,
            domain=data.domain,
            reply_days=data.reply_days,
            reply_by=data.reply_by,
            created_by=by,
            created_at=at or timezone.now(),
            is_demo=is_demo,
        )
        _set_targets(campaign, data)
        audit.record(
            "solicitation.create",
            user=by,
            role=RoleChoices.HUB,
            obj=campaign,
            detail={"targets": campaign.targets.count()},
        )
    return campaign


@_audited("update")
def do_update_campaign(campaign: Campaign, by: Any, data: CampaignInput) -> Campaign:
    """Change a draft: its question, targets and deadline."""
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        title, instructions = _check_campaign(campaign.district, data)
        changed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatusChoices.DRAFT).update(
            title=title,
            instructions=instructions,
            domain=data.domain,
            reply_days=data.reply_days,
            reply_by=data.reply_by,
        )
        if changed != 1:
            raise ActionNotAllowed(_("Only a draft campaign can be changed."))
        _set_targets(campaign, data)
        campaign.refresh_from_db()
        audit.record("solicitation.update", user=by, role=RoleChoices.HUB, obj=campaign)
    return campaign


@_audited("delete")
def do_delete_campaign(campaign: Campaign, by: Any) -> None:
    """Delete a campaign that was never launched (a draft nobody has seen but the hub), with its units; the
    audit row keeps its title and units. Once launched it is part of the record: it can only be closed."""
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        # The row lock orders the deletion and a launch at the same moment: the later one finds the other's
        # outcome (no draft any more, or no campaign to launch).
        draft = (
            Campaign.objects.select_for_update()
            .filter(pk=campaign.pk, status=CampaignStatusChoices.DRAFT)
            .first()
        )
        if draft is None:
            raise ActionNotAllowed(
                _("A launched campaign cannot be deleted: its units were asked. Close it instead.")
            )
        units = [str(target.unit) for target in draft.targets.select_related("locality", "department")]
        audit.record(
            "solicitation.delete",
            user=by,
            role=RoleChoices.HUB,
            obj=draft,
            detail={"title": draft.title, "units": units},
        )
        draft.delete()


@_audited("launch")
def do_launch_campaign(campaign: Campaign, by: Any, *, at: datetime | None = None) -> Campaign:
    """Send the campaign: the deadline becomes a date, and each target unit's people are told (inbox, outbox)."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        district = campaign.district
        if campaign.reply_days is not None:
            due = compute_due(at, campaign.reply_days, district)
            reply_due, provisional = due.due, due.provisional
        elif campaign.reply_by is not None:
            if campaign.reply_by < timezone.localdate(at):
                raise ActionInvalid(
                    _("The reply date has passed; change it before launching."), field="reply_by"
                )
            reply_due, provisional = demand_actions.end_of_day(campaign.reply_by, district), False
        else:
            raise ActionInvalid(_("Give the reply deadline."), field="reply_days")
        targets = list(campaign.targets.select_related("locality", "department"))
        if not targets:
            raise ActionInvalid(_("Choose at least one locality or department to ask."), field="targets")
        _claim_campaign(
            campaign,
            CampaignStatusChoices.LAUNCHED,
            launched_at=at,
            reply_due=reply_due,
            reply_due_provisional=provisional,
        )
        with translation.override(settings.LANGUAGE_CODE):
            note = _note(
                _("Solicitation: reply by %(due)s") % {"due": due_label(campaign)},
                _("“%(title)s”: %(instructions)s")
                % {"title": campaign.title, "instructions": campaign.instructions},
                campaign,
            )
        told = sum(
            _tell_target(target, note, f"solicitation.launch:{campaign.pk}:{target.pk}", district, at)
            for target in targets
        )
        audit.record(
            "solicitation.launch",
            user=by,
            role=RoleChoices.HUB,
            obj=campaign,
            detail={"targets": len(targets), "people": told, "reply_due": reply_due.isoformat()},
        )
    return campaign


@_audited("close")
def do_close_campaign(campaign: Campaign, by: Any, *, at: datetime | None = None) -> Campaign:
    """End the campaign: it takes no more replies; submitted replies may still be accepted."""
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        _claim_campaign(campaign, CampaignStatusChoices.CLOSED, closed_at=at or timezone.now())
        audit.record("solicitation.close", user=by, role=RoleChoices.HUB, obj=campaign)
    return campaign


@_audited("remind")
def do_remind(campaign: Campaign, by: Any, *, at: datetime | None = None) -> CampaignReminder:
    """Remind every unit that has not submitted its reply (催报), recorded with whom it reached."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        _require_open(campaign)
        targets = list(
            campaign.targets.exclude(
                reply__status__in=[ReplyStatusChoices.SUBMITTED, ReplyStatusChoices.ACCEPTED]
            ).select_related("locality", "department")
        )
        if not targets:
            raise ActionNotAllowed(_("Every unit has replied; there is nobody to remind."))
        reminder = CampaignReminder.objects.create(campaign=campaign, sent_at=at, sent_by=by)
        reminder.targets.set(targets)
        with translation.override(settings.LANGUAGE_CODE):
            if campaign.is_past_due:
                subject = _("Reminder: the reply to “%(title)s” was due %(due)s")
            else:
                subject = _("Reminder: reply to “%(title)s” by %(due)s")
            note = _note(
                subject % {"title": campaign.title, "due": due_label(campaign)},
                campaign.instructions,
                campaign,
            )
        reminder.recipients = sum(
            _tell_target(
                target, note, f"solicitation.remind:{reminder.pk}:{target.pk}", campaign.district, at
            )
            for target in targets
        )
        reminder.save(update_fields=["recipients"])
        audit.record(
            "solicitation.remind",
            user=by,
            role=RoleChoices.HUB,
            obj=campaign,
            detail={"targets": [str(t) for t in targets], "people": reminder.recipients},
        )
    return reminder


def _reply_problems(reply: Reply) -> list[ReplyProblem]:
    return list(reply.problems.select_related("enterprise", "area").order_by("order", "pk"))


@_audited("accept")
def do_accept_reply(reply: Reply, by: Any, *, at: datetime | None = None) -> list[Demand]:
    """Take a submitted reply in: every problem naming an enterprise becomes a demand (channel solicitation) through
    the demands app's `do_receive`; all of them, or — one refused — none."""
    target = reply.target
    campaign = target.campaign
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        claimed = Reply.objects.filter(pk=reply.pk, status=ReplyStatusChoices.SUBMITTED).update(
            status=ReplyStatusChoices.ACCEPTED, accepted_at=at or timezone.now(), accepted_by=by
        )
        if claimed != 1:
            raise ActionNotAllowed(_("Only a submitted reply can be accepted."))
        demands: list[Demand] = []
        with translation.override(settings.LANGUAGE_CODE):
            for number, problem in enumerate(_reply_problems(reply), start=1):
                if problem.enterprise is None or problem.demand_id is not None:
                    continue
                note = _(
                    "Solicitation “%(campaign)s”, reply of %(unit)s, problem %(n)d; the unit sees it as %(view)s."
                ) % {
                    "campaign": campaign.title,
                    "unit": target.unit,
                    "n": number,
                    "view": ComplexityChoices(problem.complexity).label,
                }
                try:
                    demand = demand_actions.do_receive(
                        by,
                        enterprise=problem.enterprise,
                        channel=ChannelChoices.SOLICITATION,
                        title=problem_title(problem.content),
                        content=problem.content,
                        area=problem.area,
                        received_at=reply.submitted_at,
                        note=note,
                        at=at,
                        is_demo=campaign.is_demo,
                    )
                except ActionInvalid as error:
                    raise ActionInvalid(
                        _("Problem %(n)d: %(error)s") % {"n": number, "error": error.message},
                        field="problems",
                    ) from error
                problem.demand = demand
                problem.save(update_fields=["demand"])
                demands.append(demand)
        reply.refresh_from_db()
        audit.record(
            "solicitation.accept",
            user=by,
            role=RoleChoices.HUB,
            obj=campaign,
            detail={"unit": str(target.unit), "demands": [d.pk for d in demands]},
        )
    return demands


@_audited("return")
def do_return_reply(reply: Reply, by: Any, *, reason: str, at: datetime | None = None) -> Reply:
    """Send a submitted reply back to its unit for correction (退回); it submits again, and is timed again."""
    target = reply.target
    campaign = target.campaign
    text = (reason or "").strip()
    at = at or timezone.now()
    with transaction.atomic():
        _require_hub(by, campaign.district_id)
        if not text:
            raise ActionInvalid(_("Say why the reply is returned."), field="reason")
        claimed = Reply.objects.filter(pk=reply.pk, status=ReplyStatusChoices.SUBMITTED).update(
            status=ReplyStatusChoices.DRAFT,
            returned_reason=text,
            submitted_at=None,
            submitted_by=None,
            is_late=False,
            updated_at=at,
            updated_by=by,
        )
        if claimed != 1:
            raise ActionNotAllowed(_("Only a submitted reply can be returned."))
        reply.refresh_from_db()
        with translation.override(settings.LANGUAGE_CODE):
            note = _note(
                _("Solicitation: your reply to “%(title)s” was returned") % {"title": campaign.title},
                text,
                campaign,
            )
        _tell_target(
            target,
            note,
            f"solicitation.return:{reply.pk}:{reply.updated_at.isoformat()}",
            campaign.district,
            at,
        )
        audit.record(
            "solicitation.return",
            user=by,
            role=RoleChoices.HUB,
            obj=campaign,
            detail={"unit": str(target.unit), "reason": text},
        )
    return reply


# --- The target unit's side ----------------------------------------------------------------------------------


def check_problem(target: CampaignTarget, problem: ProblemInput, field_prefix: str = "") -> ProblemInput:
    """The problem with its area filled in, or `ActionInvalid` naming the field."""
    district_id = target.campaign.district_id
    content = (problem.content or "").strip()
    if not content:
        raise ActionInvalid(_("Describe the problem."), field=f"{field_prefix}content")
    if problem.complexity not in ComplexityChoices.values:
        raise ActionInvalid(
            _("Say whether the problem is simple or complex."), field=f"{field_prefix}complexity"
        )
    enterprise = problem.enterprise
    if enterprise is not None:
        if enterprise.district_id != district_id:
            raise ActionInvalid(_("Choose an enterprise of the district."), field=f"{field_prefix}enterprise")
        if enterprise.status != "active":
            raise ActionInvalid(_("This enterprise is deregistered."), field=f"{field_prefix}enterprise")
    area = problem.area
    if area is not None:
        if target.kind != TargetKindChoices.LOCALITY:
            raise ActionInvalid(
                _("Only a locality names the area of a problem."), field=f"{field_prefix}area"
            )
        if area.locality_id != target.locality_id:
            raise ActionInvalid(
                _("Choose an area of %(locality)s.") % {"locality": target.locality},
                field=f"{field_prefix}area",
            )
    elif (
        target.kind == TargetKindChoices.LOCALITY
        and enterprise is not None
        and enterprise.area is not None
        and enterprise.area.locality_id == target.locality_id
    ):
        # The enterprise's own area, when it lies in the replying locality: its officers take the demand.
        area = enterprise.area
    return ProblemInput(content=content, complexity=problem.complexity, enterprise=enterprise, area=area)


def _draft(target: CampaignTarget, by: Any, at: datetime) -> Reply:
    """The target's reply, claimed as a draft for this change (created on the first save)."""
    reply, _created = Reply.objects.get_or_create(
        target=target, defaults={"updated_by": by, "updated_at": at}
    )
    claimed = Reply.objects.filter(pk=reply.pk, status=ReplyStatusChoices.DRAFT).update(
        updated_by=by, updated_at=at
    )
    if claimed != 1:
        raise ActionNotAllowed(_("This reply has been submitted; it can no longer be changed."))
    reply.refresh_from_db()
    return reply


@_audited("add_problems")
def do_add_problems(
    target: CampaignTarget, by: Any, problems: Iterable[ProblemInput], *, at: datetime | None = None
) -> list[ReplyProblem]:
    """Add problems to the unit's draft reply (one from the form, many from an Excel file): all, or none."""
    at = at or timezone.now()
    with transaction.atomic():
        role = _require_replier(target, by)
        _require_open(target.campaign)
        checked = [check_problem(target, p) for p in problems]
        if not checked:
            raise ActionInvalid(_("Add at least one problem."), field="problems")
        reply = _draft(target, by, at)
        if reply.no_problems:
            reply.no_problems = False
            reply.save(update_fields=["no_problems"])
        start = (reply.problems.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        rows = ReplyProblem.objects.bulk_create(
            [
                ReplyProblem(
                    reply=reply,
                    order=start + i,
                    content=p.content,
                    complexity=p.complexity,
                    enterprise=p.enterprise,
                    area=p.area,
                )
                for i, p in enumerate(checked)
            ]
        )
        audit.record(
            "solicitation.add_problems",
            user=by,
            role=role,
            obj=target.campaign,
            detail={"unit": str(target.unit), "problems": len(rows)},
        )
    return rows


@_audited("remove_problem")
def do_remove_problem(problem: ReplyProblem, by: Any, *, at: datetime | None = None) -> None:
    """Take a problem off the unit's draft reply."""
    target = problem.reply.target
    with transaction.atomic():
        role = _require_replier(target, by)
        _require_open(target.campaign)
        _draft(target, by, at or timezone.now())
        problem.delete()
        audit.record(
            "solicitation.remove_problem",
            user=by,
            role=role,
            obj=target.campaign,
            detail={"unit": str(target.unit)},
        )


@_audited("save_reply")
def do_replace_problems(
    target: CampaignTarget,
    by: Any,
    problems: Sequence[ProblemInput],
    *,
    note: str = "",
    at: datetime | None = None,
) -> Reply:
    """Set the draft's problems to exactly `problems` (the API's whole-reply write)."""
    at = at or timezone.now()
    with transaction.atomic():
        role = _require_replier(target, by)
        _require_open(target.campaign)
        checked = [check_problem(target, p, f"problems[{i}].") for i, p in enumerate(problems)]
        reply = _draft(target, by, at)
        reply.problems.all().delete()
        ReplyProblem.objects.bulk_create(
            [
                ReplyProblem(
                    reply=reply,
                    order=i,
                    content=p.content,
                    complexity=p.complexity,
                    enterprise=p.enterprise,
                    area=p.area,
                )
                for i, p in enumerate(checked, start=1)
            ]
        )
        reply.note = (note or "").strip()
        reply.no_problems = False
        reply.save(update_fields=["note", "no_problems"])
        audit.record(
            "solicitation.save_reply",
            user=by,
            role=role,
            obj=target.campaign,
            detail={"unit": str(target.unit), "problems": len(checked)},
        )
    return reply


@_audited("submit")
def do_submit_reply(
    target: CampaignTarget, by: Any, *, no_problems: bool = False, at: datetime | None = None
) -> Reply:
    """Submit the unit's reply, once: its problems, or 本期无问题. After the deadline it is accepted, marked late."""
    at = at or timezone.now()
    campaign = target.campaign
    with transaction.atomic():
        role = _require_replier(target, by)
        _require_open(campaign)
        reply = _draft(target, by, at)
        count = reply.problems.count()
        if no_problems and count:
            raise ActionInvalid(
                _("The reply lists problems; remove them before saying there are none."), field="no_problems"
            )
        if not no_problems and not count:
            raise ActionInvalid(
                _("Add at least one problem, or say there are no problems this time."), field="problems"
            )
        late = campaign.reply_due is not None and at > campaign.reply_due
        claimed = Reply.objects.filter(pk=reply.pk, status=ReplyStatusChoices.DRAFT).update(
            status=ReplyStatusChoices.SUBMITTED,
            no_problems=no_problems,
            submitted_at=at,
            submitted_by=by,
            is_late=late,
            returned_reason="",
        )
        if claimed != 1:
            raise DemandConflict(_("Someone else submitted this reply first; reload the page."))
        reply.refresh_from_db()
        with translation.override(settings.LANGUAGE_CODE):
            if no_problems:
                body = _("No problems this time.")
            else:
                body = _("%(n)d problems reported.") % {"n": count}
            note = _note(
                _("Solicitation “%(title)s”: %(unit)s replied")
                % {"title": campaign.title, "unit": target.unit},
                body + (" " + _("The reply is late.") if late else ""),
                campaign,
            )
        notify_users(
            district_hub(campaign.district_id),
            note,
            cause=f"solicitation.submit:{reply.pk}:{at.isoformat()}",
            district=campaign.district,
            at=at,
        )
        audit.record(
            "solicitation.submit",
            user=by,
            role=role,
            obj=campaign,
            detail={"unit": str(target.unit), "problems": count, "no_problems": no_problems, "late": late},
        )
    return reply

"""Writes of the quality module (STYLE.md rules 1–2): nominate a typical case, edit or resubmit it, the hub's
review (accept into the library, or return for revision with a reason), and the year's 十佳服务案例 (set, publish,
unpublish with a reason).

Each function runs in one transaction, claims its change with a compare-and-swap on the row's version (two
reviewers acting at once cannot both win), appends the case's or the selection's event and an audit row, and
writes the notifications to the outbox in the same transaction: the hub's when a case comes up for review
(nominated, or resubmitted after a return), the author's when the hub decides. Errors are the demands app's
(`ActionInvalid` 400 naming the field, `ActionForbidden` 403, `ActionNotAllowed`/`DemandConflict` 409), so the
API and the pages answer them the same way.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from demandloop.core import audit
from demandloop.demands.errors import (
    ActionForbidden,
    ActionInvalid,
    ActionNotAllowed,
    DemandActionError,
    DemandConflict,
)
from demandloop.demands.models import Demand
from demandloop.demands.queries import is_hub_of
from demandloop.integrations.choices import TopicChoices
from demandloop.integrations.notify.outbox import Note, notify_users
from demandloop.knowledge.cases import (
    SELECTION_SIZE,
    anonymise,
    case_year,
    nominating_role,
    nomination_refusal,
)
from demandloop.knowledge.choices import (
    CaseActionChoices,
    CaseStatusChoices,
    SelectionActionChoices,
    SelectionStatusChoices,
)
from demandloop.knowledge.models import (
    CaseSelection,
    CaseSelectionEntry,
    CaseSelectionEvent,
    FaqEntry,
    TypicalCase,
    TypicalCaseEvent,
    TypicalProblem,
)
from demandloop.meetings.recipients import district_hub
from demandloop.org.choices import FIRST_LINE
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.org.scope import resolve_scope

A = CaseActionChoices
CS = CaseStatusChoices
TEXT_FIELDS = ("title", "background", "approach", "outcome", "lessons")
# Who records a common or difficult problem besides the hub: the first-line officers (为企服务人员).
PROBLEM_RECORDERS = FIRST_LINE
MAX_TAGS = 8
MAX_TAG_LENGTH = 20


F = TypeVar("F", bound=Callable[..., Any])


def _audited(name: str) -> Callable[[F], F]:
    """Record a refused attempt as a failed audit row once its transaction has rolled back, as the demands'
    actions do (`demands.actions._action`): who tried to review, choose or publish what they may not, and what
    the state of a case refused, is the security auditor's business (三权分立). The row names what the
    attempt was about: the demand nominated, the case, the selection, the district or the problem."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(subject: Any, by: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(subject, by, *args, **kwargs)
            except DemandActionError as exc:
                district_id = subject.pk if isinstance(subject, District) else subject.district_id
                detail: dict[str, Any] = {"code": exc.code}
                if getattr(subject, "status", ""):
                    detail["status"] = subject.status
                if "year" in kwargs or getattr(subject, "year", None):
                    detail["year"] = str(kwargs.get("year", getattr(subject, "year", "")))
                audit.record_failure(
                    name, user=by, obj=subject, district_id=district_id, message=exc.message, detail=detail
                )
                raise

        return run  # type: ignore[return-value]

    return decorate


def _labels() -> dict[str, str]:
    return {
        "title": _("Title"),
        "background": _("Background"),
        "approach": _("What was done"),
        "outcome": pgettext("typical case", "Outcome"),
        "lessons": _("Lessons"),
    }


def clean_texts(values: dict[str, Any]) -> dict[str, str]:
    """The five texts stripped; the first empty one refused, naming it."""
    texts = {name: str(values.get(name) or "").strip() for name in TEXT_FIELDS}
    for name in TEXT_FIELDS:
        if not texts[name]:
            raise ActionInvalid(
                _("Write the %(field)s of the case.") % {"field": _labels()[name]}, field=name
            )
    if len(texts["title"]) > 200:
        raise ActionInvalid(_("The title may have at most 200 characters."), field="title")
    return texts


def clean_words(value: Any, *, field: str, label: str, most: int, longest: int) -> list[str]:
    """A list of short words: from a list, or from text separated by commas, 、, semicolons or spaces; repeats
    dropped. `label` names the field in the errors ("标签", "关键词")."""
    if value is None:
        return []
    if isinstance(value, str):
        for separator in ("，", "、", ";", "；"):
            value = value.replace(separator, ",")
        items = [part for chunk in value.split(",") for part in chunk.split()]
    elif isinstance(value, (list, tuple)):
        items = [str(item) for item in value]
    else:
        raise ActionInvalid(_("%(label)s: give a list of words.") % {"label": label}, field=field)
    words = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if len(words) > most:
        raise ActionInvalid(_("%(label)s: at most %(n)d.") % {"label": label, "n": most}, field=field)
    for word in words:
        if len(word) > longest:
            raise ActionInvalid(
                _("%(label)s: “%(word)s” is longer than %(n)d characters.")
                % {"label": label, "word": word, "n": longest},
                field=field,
            )
    return words


def clean_tags(tags: Any) -> list[str]:
    """A case's tags (e.g. its domain)."""
    return clean_words(tags, field="tags", label=_("Tags"), most=MAX_TAGS, longest=MAX_TAG_LENGTH)


def _anonymised(demand: Demand, texts: dict[str, str], anonymous: bool) -> dict[str, str]:
    if not anonymous:
        return texts
    names = [demand.enterprise.name]
    return {name: anonymise(text, names) for name, text in texts.items()}


def _event(
    case: TypicalCase, by: Any, role: str, action: str, from_status: str, note: str, at: datetime
) -> None:
    TypicalCaseEvent.objects.create(
        case=case,
        at=at,
        actor=by,
        actor_role=role,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
    )
    audit.record(
        f"knowledge.case.{action}",
        user=by,
        role=role,
        obj=case,
        district_id=case.district_id,
        detail={"from": from_status, "to": case.status, "demand": case.demand_id},
    )


def _claim(case: TypicalCase, values: dict[str, Any]) -> None:
    """Write `values` if nobody changed the case since it was read (exactly one row), then onto `case`."""
    values = {**values, "version": case.version + 1, "updated_at": timezone.now()}
    claimed = TypicalCase.objects.filter(pk=case.pk, version=case.version).update(**values)
    if claimed != 1:
        raise DemandConflict(_("Someone else changed this case a moment ago. Reload it and try again."))
    for name, value in values.items():
        setattr(case, name, value)


def _notify_author(case: TypicalCase, subject: str, body: str, cause: str, at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        note = Note(topic=TopicChoices.CASE, subject=subject, body=body, link=f"/cases/{case.pk}/")
    notify_users([case.author], note, cause=cause, district=case.district, at=at)


def _notify_hub(case: TypicalCase, by: Any, subject: str, cause: str, at: datetime) -> None:
    """Tell the district's service office that a case waits for its review (inbox, outbox), in the caller's
    transaction; whoever wrote it is not told of their own case."""
    people = [user for user in district_hub(case.district_id) if user.pk != by.pk]
    with translation.override(settings.LANGUAGE_CODE):
        body = _("%(author)s nominated demand #%(demand)s: %(title)s") % {
            "author": by.get_full_name() or by.get_username(),
            "demand": case.demand_id,
            "title": case.title,
        }
        note = Note(topic=TopicChoices.CASE_NOMINATED, subject=subject, body=body, link=f"/cases/{case.pk}/")
    notify_users(people, note, cause=cause, district=case.district, at=at)


# --- Nominate, edit, resubmit -----------------------------------------------------------------------------


@_audited("knowledge.case.nominate")
def do_nominate_case(
    demand: Demand,
    by: Any,
    *,
    title: str,
    background: str,
    approach: str,
    outcome: str,
    lessons: str,
    tags: Any = None,
    anonymous: bool = False,
    at: datetime | None = None,
    is_demo: bool = False,
) -> TypicalCase:
    """Nominate `demand` as a typical case, submitted to the district's service office for review."""
    at = at or timezone.now()
    texts = clean_texts(
        {
            "title": title,
            "background": background,
            "approach": approach,
            "outcome": outcome,
            "lessons": lessons,
        }
    )
    words = clean_tags(tags)
    try:
        with transaction.atomic():
            if not Demand.objects.for_user(by).filter(pk=demand.pk).exists():
                raise ActionForbidden(_("You do not reach this demand."))
            role = nominating_role(by, demand)
            if role is None:
                raise ActionForbidden(
                    _(
                        "Service officers, department coordinators and leads, and the hub nominate typical cases."
                    )
                )
            refusal = nomination_refusal(by, demand)
            if refusal:
                raise ActionNotAllowed(refusal)
            texts = _anonymised(demand, texts, anonymous)
            case = TypicalCase.objects.create(
                district_id=demand.district_id,
                demand=demand,
                year=case_year(demand),
                tags=words,
                anonymous=bool(anonymous),
                author=by,
                author_role=role,
                created_at=at,
                is_demo=is_demo,
                **texts,
            )
            _event(case, by, role, A.NOMINATE, "", "", at)
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Typical case to review: %(title)s") % {"title": case.title}
            _notify_hub(case, by, subject, f"knowledge.case:{case.pk}:nominate", at)
    except IntegrityError:
        # Two nominations of one demand at once: the one-to-one constraint lets only the first in.
        raise ActionNotAllowed(_("This demand is already a typical case.")) from None
    return case


def may_edit(case: TypicalCase, user: Any) -> bool:
    """The author while the case waits for review or was returned; the hub unless it is in a published 十佳."""
    if is_hub_of(user, case.district_id):
        return not in_published_selection(case)
    return case.author_id == user.pk and case.status in (CS.SUBMITTED, CS.RETURNED)


def in_published_selection(case: TypicalCase) -> bool:
    return case.selection_entries.filter(selection__status=SelectionStatusChoices.PUBLISHED).exists()


@_audited("knowledge.case.edit")
def do_edit_case(
    case: TypicalCase,
    by: Any,
    *,
    title: str,
    background: str,
    approach: str,
    outcome: str,
    lessons: str,
    tags: Any = None,
    anonymous: bool = False,
    note: str = "",
    at: datetime | None = None,
) -> TypicalCase:
    """Change the texts. A returned case edited by its author is resubmitted for review."""
    at = at or timezone.now()
    texts = clean_texts(
        {
            "title": title,
            "background": background,
            "approach": approach,
            "outcome": outcome,
            "lessons": lessons,
        }
    )
    words = clean_tags(tags)
    with transaction.atomic():
        hub = is_hub_of(by, case.district_id)
        if not hub and case.author_id != by.pk:
            raise ActionForbidden(_("Only the author and the hub edit a typical case."))
        if hub and in_published_selection(case):
            raise ActionNotAllowed(
                _("The case is in a published selection of top-ten cases: unpublish the selection first.")
            )
        if not hub and case.status == CS.ACCEPTED:
            raise ActionNotAllowed(_("An accepted case is edited by the hub only."))
        from_status = case.status
        resubmit = from_status == CS.RETURNED and case.author_id == by.pk
        values: dict[str, Any] = {
            **_anonymised(case.demand, texts, anonymous),
            "tags": words,
            "anonymous": bool(anonymous),
        }
        if resubmit:
            values["status"] = CS.SUBMITTED
        _claim(case, values)
        role = R.HUB if hub else case.author_role
        _event(case, by, role, A.RESUBMIT if resubmit else A.EDIT, from_status, note.strip(), at)
        if resubmit:
            # Back in the review queue: the hub hears of it as of a new nomination.
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Typical case revised, to review again: %(title)s") % {"title": case.title}
            _notify_hub(case, by, subject, f"knowledge.case:{case.pk}:resubmit:{case.version}", at)
    return case


# --- Review by the hub ------------------------------------------------------------------------------------


def _require_hub(case: TypicalCase, by: Any) -> None:
    if not is_hub_of(by, case.district_id):
        raise ActionForbidden(_("Only the district's service office reviews typical cases."))


@_audited("knowledge.case.return")
def do_return_case(case: TypicalCase, by: Any, *, reason: str, at: datetime | None = None) -> TypicalCase:
    """Return a submitted case to its author for revision, saying what to change."""
    at = at or timezone.now()
    text = (reason or "").strip()
    with transaction.atomic():
        _require_hub(case, by)
        if case.status != CS.SUBMITTED:
            raise ActionNotAllowed(_("Only a case waiting for review can be returned."))
        if not text:
            raise ActionInvalid(_("Say what the author should revise."), field="reason")
        _claim(case, {"status": CS.RETURNED, "return_reason": text})
        _event(case, by, R.HUB, A.RETURN, CS.SUBMITTED, text, at)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Typical case returned for revision: %(title)s") % {"title": case.title}
        _notify_author(case, subject, text, f"knowledge.case:{case.pk}:return:{case.version}", at)
    return case


@_audited("knowledge.case.accept")
def do_accept_case(case: TypicalCase, by: Any, *, note: str = "", at: datetime | None = None) -> TypicalCase:
    """Accept a submitted case into the district's library (入库)."""
    at = at or timezone.now()
    with transaction.atomic():
        _require_hub(case, by)
        if case.status != CS.SUBMITTED:
            raise ActionNotAllowed(_("Only a case waiting for review can be accepted."))
        _claim(case, {"status": CS.ACCEPTED, "accepted_at": at, "return_reason": ""})
        _event(case, by, R.HUB, A.ACCEPT, CS.SUBMITTED, (note or "").strip(), at)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Typical case accepted into the library: %(title)s") % {"title": case.title}
        _notify_author(case, subject, (note or "").strip(), f"knowledge.case:{case.pk}:accept", at)
    return case


# --- The annual selection (十佳服务案例) ----------------------------------------------------------------------


def selection_of(district: Any, year: int) -> CaseSelection | None:
    return CaseSelection.objects.filter(district=district, year=year).first()


def _selection_event(
    selection: CaseSelection, by: Any, action: str, note: str, case_ids: list[int], at: datetime
) -> None:
    CaseSelectionEvent.objects.create(
        selection=selection, at=at, actor=by, action=action, note=note, data={"cases": case_ids}
    )
    audit.record(
        f"knowledge.selection.{action}",
        user=by,
        role=R.HUB,
        obj=selection,
        district_id=selection.district_id,
        detail={"year": selection.year, "cases": case_ids},
    )


def _claim_selection(selection: CaseSelection, values: dict[str, Any]) -> None:
    values = {**values, "version": selection.version + 1, "updated_at": timezone.now()}
    claimed = CaseSelection.objects.filter(pk=selection.pk, version=selection.version).update(**values)
    if claimed != 1:
        raise DemandConflict(_("Someone else changed this selection a moment ago. Reload it and try again."))
    for name, value in values.items():
        setattr(selection, name, value)


def _check_year(year: Any) -> int:
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise ActionInvalid(_("Give the year as four digits, e.g. 2026."), field="year") from None
    if not 2000 <= number <= 2100:
        raise ActionInvalid(_("Give the year as four digits, e.g. 2026."), field="year")
    return number


@_audited("knowledge.selection.set")
def do_set_selection(
    district: Any, by: Any, *, year: Any, cases: Sequence[TypicalCase], at: datetime | None = None
) -> CaseSelection:
    """Choose the year's top cases in order (at most ten accepted cases of that district and year)."""
    at = at or timezone.now()
    number = _check_year(year)
    chosen = list(cases)
    with transaction.atomic():
        if not is_hub_of(by, district.pk):
            raise ActionForbidden(_("Only the district's service office chooses the top-ten cases."))
        if len(chosen) > SELECTION_SIZE:
            raise ActionInvalid(_("Choose at most ten cases."), field="cases")
        if len({c.pk for c in chosen}) != len(chosen):
            raise ActionInvalid(_("A case is chosen twice."), field="cases")
        for case in chosen:
            if case.district_id != district.pk or case.year != number:
                raise ActionInvalid(
                    _("“%(title)s” is not a case of %(year)d of this district.")
                    % {"title": case.title, "year": number},
                    field="cases",
                )
            if case.status != CS.ACCEPTED:
                raise ActionInvalid(
                    _("“%(title)s” is not accepted into the library yet.") % {"title": case.title},
                    field="cases",
                )
        selection, _created = CaseSelection.objects.get_or_create(district=district, year=number)
        if selection.is_published:
            raise ActionNotAllowed(
                _("The selection is published: unpublish it, with a reason, to change it.")
            )
        _claim_selection(selection, {})
        selection.entries.all().delete()
        CaseSelectionEntry.objects.bulk_create(
            [CaseSelectionEntry(selection=selection, case=case, rank=i) for i, case in enumerate(chosen, 1)]
        )
        _selection_event(selection, by, SelectionActionChoices.SET, "", [c.pk for c in chosen], at)
    return selection


@_audited("knowledge.selection.publish")
def do_publish_selection(selection: CaseSelection, by: Any, *, at: datetime | None = None) -> CaseSelection:
    """Publish the selection: frozen from now on, shown to the district's enterprises; the authors are told."""
    at = at or timezone.now()
    with transaction.atomic():
        if not is_hub_of(by, selection.district_id):
            raise ActionForbidden(_("Only the district's service office publishes the top-ten cases."))
        if selection.is_published:
            raise ActionNotAllowed(_("The selection is published already."))
        entries = list(selection.entries.select_related("case__author", "case__district").order_by("rank"))
        if not entries:
            raise ActionInvalid(_("Choose at least one case before publishing."), field="cases")
        _claim_selection(
            selection, {"status": SelectionStatusChoices.PUBLISHED, "published_at": at, "published_by": by}
        )
        ids = [entry.case_id for entry in entries]
        _selection_event(selection, by, SelectionActionChoices.PUBLISH, "", ids, at)
        for entry in entries:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Your case is one of the top-ten service cases of %(year)d: %(title)s") % {
                    "year": selection.year,
                    "title": entry.case.title,
                }
            _notify_author(
                entry.case,
                subject,
                "",
                f"knowledge.selection:{selection.pk}:{selection.version}:{entry.case_id}",
                at,
            )
    return selection


@_audited("knowledge.selection.unpublish")
def do_unpublish_selection(
    selection: CaseSelection, by: Any, *, reason: str, at: datetime | None = None
) -> CaseSelection:
    """Withdraw a published selection (it can be changed again); the reason is recorded."""
    at = at or timezone.now()
    text = (reason or "").strip()
    with transaction.atomic():
        if not is_hub_of(by, selection.district_id):
            raise ActionForbidden(_("Only the district's service office publishes the top-ten cases."))
        if not selection.is_published:
            raise ActionNotAllowed(_("The selection is not published."))
        if not text:
            raise ActionInvalid(_("Say why the selection is unpublished."), field="reason")
        _claim_selection(
            selection, {"status": SelectionStatusChoices.DRAFT, "published_at": None, "published_by": None}
        )
        ids = list(selection.entries.order_by("rank").values_list("case_id", flat=True))
        _selection_event(selection, by, SelectionActionChoices.UNPUBLISH, text, ids, at)
    return selection


# --- Typical problems (典型问题) for the topic meeting -----------------------------------------------------------


@_audited("knowledge.problem.record")
def do_record_problem(
    district: Any,
    by: Any,
    *,
    title: str,
    description: str = "",
    demands: Sequence[Demand],
    at: datetime | None = None,
) -> TypicalProblem:
    """Record a common or difficult problem from the demands that show it: the hub from a cluster of similar
    demands, or a service officer from the demands they serve (静海 §四(二): 为企服务人员…及时记录企业存在共性、
    难点问题) — then the hub is told, and decides whether it goes to a topic meeting."""
    at = at or timezone.now()
    text = (title or "").strip()
    with transaction.atomic():
        hub = is_hub_of(by, district.pk)
        scope = resolve_scope(by)
        officer = district.pk in scope.district_ids and bool(scope.roles & PROBLEM_RECORDERS)
        if not hub and not officer:
            raise ActionForbidden(
                _("Only the service office and the service officers record typical problems.")
            )
        if not text:
            raise ActionInvalid(_("Give the problem a title."), field="title")
        if len(text) > 200:
            raise ActionInvalid(_("The title may have at most 200 characters."), field="title")
        chosen = list(dict.fromkeys(demands))
        if not chosen:
            raise ActionInvalid(_("Choose the demands that show the problem."), field="demands")
        if any(demand.district_id != district.pk for demand in chosen):
            raise ActionInvalid(_("Choose demands of this district."), field="demands")
        reached = set(
            Demand.objects.for_user(by).filter(pk__in=[d.pk for d in chosen]).values_list("pk", flat=True)
        )
        if not hub and len(reached) != len(chosen):
            raise ActionInvalid(_("Choose demands you serve."), field="demands")
        problem = TypicalProblem.objects.create(
            district=district,
            title=text,
            description=(description or "").strip(),
            recorded_by=by,
            recorded_at=at,
        )
        problem.demands.set(chosen)
        audit.record(
            "knowledge.problem.record",
            user=by,
            # The first-line role it acted in (the first by name when it holds several).
            role=R.HUB if hub else min(scope.roles & PROBLEM_RECORDERS),
            obj=problem,
            district_id=district.pk,
            detail={"demands": [d.pk for d in chosen]},
        )
        if not hub:
            with translation.override(settings.LANGUAGE_CODE):
                note = Note(
                    topic=TopicChoices.PROBLEM,
                    subject=_("Common problem recorded: %(title)s") % {"title": text},
                    body=_("%(who)s recorded it from %(n)d demands. %(description)s")
                    % {"who": by.get_full_name(), "n": len(chosen), "description": problem.description},
                    link=f"/cases/problems/{problem.pk}/",
                )
            notify_users(
                district_hub(district.pk),
                note,
                cause=f"knowledge.problem:{problem.pk}",
                district=district,
                at=at,
            )
    return problem


@_audited("knowledge.problem.table")
def do_table_problem(
    problem: TypicalProblem, by: Any, *, meeting: Any, at: datetime | None = None
) -> TypicalProblem:
    """Put the problem on an open topic meeting's agenda (专题会议) as a topic item."""
    from demandloop.meetings.actions import do_add_agenda_item
    from demandloop.meetings.choices import MeetingKindChoices

    with transaction.atomic():
        if not is_hub_of(by, problem.district_id):
            raise ActionForbidden(_("Only the district's service office records typical problems."))
        if (
            meeting is None
            or meeting.district_id != problem.district_id
            or meeting.kind != MeetingKindChoices.TOPIC
        ):
            raise ActionInvalid(_("Choose a topic meeting of this district."), field="meeting")
        claimed = TypicalProblem.objects.filter(pk=problem.pk, agenda_item__isnull=True).exists()
        if not claimed:
            raise ActionNotAllowed(_("The problem is on a meeting's agenda already."))
        count = problem.demands.count()
        note = problem.description
        with translation.override(settings.LANGUAGE_CODE):
            topic = _("Typical problem: %(title)s (%(count)d demands)") % {
                "title": problem.title,
                "count": count,
            }
        item = do_add_agenda_item(meeting, by, topic=topic[:200], note=note, at=at)
        if (
            TypicalProblem.objects.filter(pk=problem.pk, agenda_item__isnull=True).update(agenda_item=item)
            != 1
        ):
            raise DemandConflict(
                _("Someone else changed this problem a moment ago. Reload it and try again.")
            )
        problem.agenda_item = item
    return problem


# --- The handbook (高频事项应答手册), kept by the service office --------------------------------------------------

# The entry's texts: a change to any of them (or to its department) is a new version of the entry.
FAQ_CONTENT_FIELDS = ("question", "answer", "contacts", "keywords")
MAX_KEYWORDS = 12
MAX_KEYWORD_LENGTH = 20
MAX_CONTACTS_LENGTH = 500


def _require_handbook_keeper(by: Any, district_id: int) -> None:
    if not is_hub_of(by, district_id):
        raise ActionForbidden(_("Only the district's service office keeps the handbook."))


def _faq_values(district: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The entry's fields from the form or the API, checked; the first wrong one named."""
    question = str(values.get("question") or "").strip()
    if not question:
        raise ActionInvalid(_("Write the question."), field="question")
    if len(question) > 255:
        raise ActionInvalid(_("The question may have at most 255 characters."), field="question")
    answer = str(values.get("answer") or "").strip()
    if not answer:
        raise ActionInvalid(_("Write the answer."), field="answer")
    department = values.get("department")
    if department is not None and department.district_id != district.pk:
        raise ActionInvalid(_("Choose a department of this district."), field="department")
    contacts = str(values.get("contacts") or "").strip()
    if len(contacts) > MAX_CONTACTS_LENGTH:
        raise ActionInvalid(
            _("The contacts may have at most %(n)d characters.") % {"n": MAX_CONTACTS_LENGTH},
            field="contacts",
        )
    keywords = clean_words(
        values.get("keywords"),
        field="keywords",
        label=pgettext("handbook column", "Keywords"),
        most=MAX_KEYWORDS,
        longest=MAX_KEYWORD_LENGTH,
    )
    return {
        "question": question,
        "answer": answer,
        "department": department,
        "contacts": contacts,
        "keywords": keywords,
        "is_published": bool(values.get("is_published", True)),
    }


def _same_question(district: Any, question: str, exclude: int | None = None) -> None:
    twins = FaqEntry.objects.filter(district=district, question=question)
    twin = (twins.exclude(pk=exclude) if exclude is not None else twins).first()
    if twin is not None:
        raise ActionInvalid(
            _("The handbook already has this question (entry %(code)s).") % {"code": twin.code},
            field="question",
        )


def _faq_audit(action: str, entry: FaqEntry, by: Any, changed: list[str]) -> None:
    audit.record(
        action,
        user=by,
        role=R.HUB,
        obj=entry,
        district_id=entry.district_id,
        detail={"version": entry.version, "changed": changed},
    )


@_audited("knowledge.faq.add")
def do_add_faq_entry(district: Any, by: Any, **values: Any) -> FaqEntry:
    """A new question in the district's handbook, last in its order; published unless said otherwise. Its code
    starts with "hub-": the seed handbook file (`handbook.load_handbook`) never touches it."""
    with transaction.atomic():
        _require_handbook_keeper(by, district.pk)
        cleaned = _faq_values(district, values)
        _same_question(district, cleaned["question"])
        last = FaqEntry.objects.filter(district=district).aggregate(last=Max("order"))["last"] or 0
        entry = FaqEntry.objects.create(
            district=district, code=f"hub-{uuid.uuid4().hex[:10]}", order=last + 1, **cleaned
        )
        _faq_audit("knowledge.faq.add", entry, by, sorted(cleaned))
    return entry


@_audited("knowledge.faq.edit")
def do_edit_faq_entry(entry: FaqEntry, by: Any, *, version: int, **values: Any) -> FaqEntry:
    """Change an entry as the hub read it at `version`. A change of its texts or department is a new version
    (the history keeps every earlier one); publishing or withdrawing it is not. Someone else's save since the
    page was read is refused rather than overwritten."""
    with transaction.atomic():
        _require_handbook_keeper(by, entry.district_id)
        cleaned = _faq_values(entry.district, values)
        _same_question(entry.district, cleaned["question"], exclude=entry.pk)
        current = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if current.version != version:
            raise DemandConflict(
                _("Someone else saved this entry a moment ago (version %(n)d). Reload it and edit again.")
                % {"n": current.version}
            )
        changed = [f for f in FAQ_CONTENT_FIELDS if getattr(current, f) != cleaned[f]]
        if current.department_id != (cleaned["department"].pk if cleaned["department"] else None):
            changed.append("department")
        published = current.is_published != cleaned["is_published"]
        if not changed and not published:
            return current
        for name, value in cleaned.items():
            setattr(current, name, value)
        if changed:
            current.version += 1
        current.save()
        _faq_audit("knowledge.faq.edit", current, by, changed + (["is_published"] if published else []))
    return current

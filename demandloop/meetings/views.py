"""Pages of whistles and meetings: the list (with the figures per department and, for the hub, the demands
waiting for a decision), one meeting with its agenda, decisions and minutes, and the 会议纪要 download.

Reads come from the scoped querysets; writes are `meetings.actions`; refusals are shown as messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.demands.queries import get_demand_for_user, is_hub_of
from demandloop.meetings import actions
from demandloop.meetings.export import meeting_minutes_docx
from demandloop.meetings.forms import DecisionForm, MeetingForm, MinutesForm, TopicForm
from demandloop.meetings.models import Meeting, MeetingDecision, Supervision, Whistle, WhistleResponse
from demandloop.meetings.queries import (
    agenda_candidates,
    decision_figures,
    get_meeting_for_user,
    supervision_figures,
    whistle_figures,
)
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.org.scope import resolve_scope
from demandloop.web.access import DEMAND_STAFF, role_page


def _hub_district(user: Any) -> District | None:
    scope = resolve_scope(user)
    if R.HUB not in scope.roles:
        return None
    return District.objects.filter(pk__in=scope.full_district_ids).order_by("code").first()


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@role_page(*DEMAND_STAFF)
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    meetings = (
        Meeting.objects.for_user(user).select_related("district").order_by("-scheduled_at", "-pk")[:100]
    )
    visible = Meeting.objects.for_user(user).values("pk")
    district = _hub_district(user)
    whistles = WhistleResponse.objects.filter(whistle__in=Whistle.objects.for_user(user).values("pk"))
    context = {
        "meetings": meetings,
        "whistle_rows": whistle_figures(whistles, now=timezone.now()),
        "decision_rows": decision_figures(MeetingDecision.objects.filter(meeting__in=visible)),
        "supervision_rows": supervision_figures(
            Supervision.objects.filter(demand__in=Demand.objects.for_user(user).values("pk"))
        ),
        "district": district,
        "candidates": list(agenda_candidates(district).select_related("enterprise")) if district else [],
        "form": MeetingForm(district=district, initial={"kind": "joint"}) if district else None,
    }
    return render(request, "meetings/meeting_list.html", context)


@role_page(R.HUB)
@require_POST
def meeting_create(request: HttpRequest) -> HttpResponse:
    district = _hub_district(request.user)
    form = MeetingForm(request.POST, district=district)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("meeting_list")
    data = form.cleaned_data
    try:
        meeting = actions.do_call_meeting(
            district,
            request.user,
            kind=data["kind"],
            title=data["title"],
            scheduled_at=data["scheduled_at"],
            location=data["location"],
            chair=data["chair"],
            departments=list(data["departments"]),
        )
    except DemandActionError as error:
        messages.error(request, error.message)
        return redirect("meeting_list")
    messages.success(
        request, _("Meeting called with %(n)d items on the agenda.") % {"n": meeting.agenda.count()}
    )
    return redirect("meeting_detail", pk=meeting.pk)


PROBLEM_DAYS = 30


def _problems_for(meeting: Meeting, user: Any) -> list[Any]:
    """The common problems of the 30 days before the meeting, for the hub to put on its agenda (an officer who
    called a coordination meeting sees only the demands of their areas, so is not offered district clusters)."""
    from demandloop.routing.queries import period_bounds
    from demandloop.web.problems import problem_rows

    if not is_hub_of(user, meeting.district_id):
        return []
    day = timezone.localtime(meeting.scheduled_at).date()
    start, end = period_bounds(None, day, days=PROBLEM_DAYS)
    return problem_rows(user, meeting.district_id, start, end)


@role_page(*DEMAND_STAFF)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    decisions = {
        d.demand_id: d
        for d in meeting.decisions.select_related("lead_department").prefetch_related("co_departments")
    }
    editable = actions.may_change_meeting(meeting, request.user)
    # One decision form per demand of the agenda: the same field names, their own element ids, and the
    # departments that handled the demand at tier 2 proposed as its lead and co-departments.
    agenda = [
        (
            item,
            decisions.get(item.demand_id),
            DecisionForm(
                district=meeting.district,
                auto_id=f"id_item{item.pk}_%s",
                initial={
                    "lead_department": item.demand.lead_department_id,
                    "co_departments": [d.pk for d in item.demand.co_departments.all()],
                },
            )
            if editable and item.demand_id
            else None,
        )
        for item in meeting.agenda.select_related("demand__enterprise", "demand__tier").prefetch_related(
            "demand__co_departments"
        )
    ]
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "problem_rows": _problems_for(meeting, request.user) if editable else [],
        "agenda_topics": {item.topic for item, _decision, _form in agenda if item.topic},
        "attendees": meeting.attendees.select_related("department", "user"),
        "editable": editable,
        "minutes_form": MinutesForm(initial={"minutes": meeting.minutes}) if editable else None,
        "topic_form": TopicForm() if editable else None,
    }
    return render(request, "meetings/meeting_detail.html", context)


@role_page(*DEMAND_STAFF)
@require_POST
def meeting_change(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    user = request.user
    try:
        if what == "topic":
            form: Any = TopicForm(request.POST)
            if form.is_valid():
                actions.do_add_agenda_item(meeting, user, topic=form.cleaned_data["topic"])
        elif what == "decision":
            form = DecisionForm(request.POST, district=meeting.district)
            if form.is_valid():
                demand = get_demand_for_user(user, request.POST.get("demand"))
                actions.do_record_decision(
                    meeting,
                    user,
                    demand=demand,
                    lead_department=form.cleaned_data["lead_department"],
                    co_departments=list(form.cleaned_data["co_departments"]),
                    deadline=form.cleaned_data["deadline"],
                    note=form.cleaned_data["note"],
                )
        elif what == "minutes":
            form = MinutesForm(request.POST)
            if form.is_valid():
                actions.do_record_minutes(meeting, user, minutes=form.cleaned_data["minutes"])
        elif what == "conclude":
            form = None
            actions.do_conclude_meeting(meeting, user)
            messages.success(request, _("Meeting concluded: the decisions were applied to the demands."))
        else:
            return redirect("meeting_detail", pk=meeting.pk)
    except DemandActionError as error:
        messages.error(request, error.message)
        return redirect("meeting_detail", pk=meeting.pk)
    if form is not None and not form.is_valid():
        _form_errors(request, form)
    return redirect("meeting_detail", pk=meeting.pk)


@role_page(*DEMAND_STAFF)
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    response = HttpResponse(
        meeting_minutes_docx(meeting),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.docx"'
    return response

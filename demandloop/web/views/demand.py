"""One demand: its page with the timeline and the action forms, the action posts, attachments, and registering
a new demand with the enterprise search and the routing suggestions as htmx partials."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from demandloop.demands import actions
from demandloop.demands.choices import ChannelChoices
from demandloop.demands.choices import DemandActionChoices as A
from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand, DemandAttachment, DemandCoDepartment
from demandloop.demands.permissions import RECEIVE_CHANNEL_ROLES
from demandloop.demands.privacy import contact_for
from demandloop.demands.queries import get_demand_for_user, is_hub_of
from demandloop.enterprises.models import Enterprise
from demandloop.integrations.city_platform.queries import matter_of
from demandloop.lib.uscc import normalize_uscc
from demandloop.meetings.actions import may_supervise
from demandloop.org.choices import RoleChoices as R
from demandloop.org.scope import resolve_scope
from demandloop.web import suggestions
from demandloop.web.access import EVERY_DEMAND_ROLE, INTAKE, role_page
from demandloop.web.available import available_actions
from demandloop.web.forms import ACTION_FORMS, ActionForm, RegisterDemandForm, SuperviseForm, WhistleForm
from demandloop.web.queries import officers_of
from demandloop.web.views.whistles import may_blow_whistle, whistles_of

ACTION_LABELS = dict(A.choices)
# Notes an enterprise reads on its demand's timeline (see `demand_context`).
NOTES_FOR_THE_ENTERPRISE = frozenset(
    {
        A.SCREEN,
        A.ANSWER,
        A.INFORM,
        A.RESOLVE,
        A.EVALUATE,
        A.REOPEN,
        A.WITHDRAW,
        A.CITY_PROGRESS,
        A.CITY_REPORT,
    }
)


# Actions whose panel is never open on arrival: they step off the normal path (撤回, 合并, 退单, 提级, 申请延期) or
# only file a paper, and stay a click away. An enterprise reading its demand should not find the withdrawal
# form open, nor a department that has just given its plan the escalation form.
SIDE_ACTIONS = frozenset({A.WITHDRAW, A.MERGE, A.RETURN, A.ESCALATE, A.REQUEST_EXTENSION, A.ATTACH})


def _co_links(demand: Demand) -> list[DemandCoDepartment]:
    return list(
        demand.co_department_links.select_related("department", "reported_by").order_by("department__order")
    )


def case_context(user: Any, demand: Demand) -> dict[str, Any]:
    """The demand's typical case if the person reads it, or whether they may nominate one (静海 §三(二))."""
    from demandloop.knowledge.cases import nomination_refusal
    from demandloop.knowledge.models import TypicalCase

    case = TypicalCase.objects.for_user(user).filter(demand=demand).first()
    may_nominate = case is None and not nomination_refusal(user, demand)
    return {"typical_case": case, "may_nominate_case": may_nominate, **problem_context(user, demand)}


def problem_context(user: Any, demand: Demand) -> dict[str, Any]:
    """The typical problems the demand is part of (for staff), and whether the person may record one from it: a
    service officer of its district (静海 §四(二)); the hub records them from the common problems."""
    from demandloop.knowledge.actions import PROBLEM_RECORDERS

    scope = resolve_scope(user)
    if scope.roles == {R.ENTERPRISE}:
        return {"typical_problems": [], "may_record_problem": False, "problems_linked": False}
    problems = list(demand.typical_problems.select_related("recorded_by").order_by("recorded_at", "pk"))
    may_record = demand.district_id in scope.district_ids and bool(scope.roles & PROBLEM_RECORDERS)
    return {
        "typical_problems": problems,
        "may_record_problem": may_record,
        # The problem pages are the hub's: only it gets the links.
        "problems_linked": is_hub_of(user, demand.district_id),
    }


def demand_context(request: HttpRequest, demand: Demand, failed: ActionForm | None = None) -> dict[str, Any]:
    links = _co_links(demand)
    co_ids = frozenset(link.department_id for link in links)
    offered = []
    for action, role in available_actions(request.user, demand, co_ids):
        if failed is not None and failed.action == action:
            form = failed
            # On a phone the refused form lies far down the page: the browser brings its first wrong field
            # into view (and focus), where the error is said.
            wrong = next((name for name in form.errors if name in form.fields), None)
            if wrong is not None:
                form.fields[wrong].widget.attrs["autofocus"] = True
        else:
            form = ACTION_FORMS[action](demand=demand, user=request.user)
        offered.append({"action": action, "label": ACTION_LABELS[action], "role": role, "form": form})
    events = list(demand.events.select_related("actor").order_by("at", "pk"))
    if resolve_scope(request.user).roles == {R.ENTERPRISE}:
        # The enterprise follows every step, but reads only the notes meant for it: what it was told, answered
        # or asked itself — not the clerks' working notes between departments.
        for event in events:
            if event.action not in NOTES_FOR_THE_ENTERPRISE and event.actor_id != request.user.pk:
                event.note = ""
    contact = contact_for(demand, request.user)
    staff = resolve_scope(request.user).roles != {R.ENTERPRISE}
    return {
        "demand": demand,
        "events": events,
        "co_links": links,
        "attachments": demand.attachments.order_by("uploaded_at", "pk"),
        "offered": offered,
        # The panel open on arrival: the one whose form came back with errors, else the first that moves the
        # demand on.
        "opened_action": (
            failed.action
            if failed is not None
            else next((item["action"] for item in offered if item["action"] not in SIDE_ACTIONS), "")
        ),
        "contact_name": contact.name,
        "contact_phone": contact.phone,
        "whistles": whistles_of(demand, request.user),
        "supervisions": demand.supervisions.select_related("department", "by").order_by("at", "pk"),
        "whistle_form": WhistleForm(demand=demand) if may_blow_whistle(demand, request.user) else None,
        "supervise_form": SuperviseForm() if may_supervise(demand, request.user) else None,
        # The exchange with 津产发 (reference, what the city reported, where our last message stands): for staff.
        "city_matter": matter_of(demand) if staff else None,
        **case_context(request.user, demand),
    }


@role_page(*EVERY_DEMAND_ROLE)
@require_GET
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_demand_for_user(
        request.user,
        pk,
        queryset=Demand.objects.select_related(
            "area", "lead_department", "domain", "exclusion", "created_by"
        ),
    )
    return render(request, "web/demand_detail.html", demand_context(request, demand))


@role_page(*EVERY_DEMAND_ROLE)
@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    demand = get_demand_for_user(request.user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, demand=demand, user=request.user)
    if form.is_valid():
        try:
            getattr(actions, f"do_{action}")(demand, request.user, **form.action_kwargs())
        except DemandActionError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
            return redirect("demand_detail", pk=demand.pk)
    demand.refresh_from_db()
    response = render(request, "web/demand_detail.html", demand_context(request, demand, failed=form))
    response.status_code = 400
    return response


@role_page(*EVERY_DEMAND_ROLE)
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A file of a demand the user reaches, always as a download (never rendered inline by the browser)."""
    demand = get_demand_for_user(request.user, pk)
    attachment = DemandAttachment.objects.filter(demand=demand, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attach_files(demand: Demand, user: Any, files: list[Any]) -> list[str]:
    """Attach each uploaded file through `do_attach`; the messages of the refused ones (the demand stands)."""
    refused = []
    for upload in files:
        try:
            actions.do_attach(demand, user, upload=upload)
        except DemandActionError as exc:
            refused.append(f"{upload.name}: {exc.message}")
    return refused


def intake_channels(user: Any) -> list[str]:
    """The channels through which `user`'s roles register demands (the portal is the enterprise's own)."""
    roles = resolve_scope(user).roles
    return [
        channel
        for channel in ChannelChoices.values
        if channel != ChannelChoices.ONLINE and RECEIVE_CHANNEL_ROLES.get(channel, frozenset()) & roles
    ]


@role_page(*INTAKE)
def register_demand(request: HttpRequest) -> HttpResponse:
    enterprises = Enterprise.objects.for_user(request.user).filter(status="active")
    channels = intake_channels(request.user)
    form = RegisterDemandForm(
        request.POST or None, request.FILES or None, enterprises=enterprises, channels=channels
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            demand = actions.do_receive(
                request.user,
                enterprise=data["enterprise"],
                channel=data["channel"],
                source=data["source"],
                title=data["title"],
                content=data["content"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                hotline_number=data["hotline_number"],
            )
        except DemandActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            for problem in attach_files(demand, request.user, data["attachments"]):
                messages.warning(request, problem)
            messages.success(request, _("Demand #%(number)s registered.") % {"number": demand.pk})
            return redirect("demand_detail", pk=demand.pk)
    # After a refusal the chosen enterprise stays chosen (when it is one the user may choose).
    picked = str(form["enterprise"].value() or "") if form.is_bound else ""
    chosen = enterprises.filter(pk=int(picked)).first() if picked.isdigit() else None
    officers = officers_of(chosen) if chosen is not None else []
    return render(request, "web/register.html", {"form": form, "chosen": chosen, "officers": officers})


@role_page(*INTAKE)
@require_GET
def enterprise_search(request: HttpRequest) -> HttpResponse:
    """htmx partial: enterprises within the user's scope whose name contains, or whose 统一社会信用代码 starts
    with, what was typed."""
    text = request.GET.get("q", "").strip()
    results: list[Enterprise] = []
    if len(text) >= 2:
        code = normalize_uscc(text).upper()
        results = list(
            Enterprise.objects.for_user(request.user)
            .filter(status="active")
            .filter(Q(name__icontains=text) | Q(uscc__startswith=code))
            .select_related("area")
            .order_by("name")[:10]
        )
    return render(request, "web/_enterprise_results.html", {"results": results, "q": text})


@role_page(*INTAKE)
@require_GET
def enterprise_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the chosen enterprise, with its officers, put into the registration form."""
    enterprise = Enterprise.objects.for_user(request.user).filter(pk=pk).select_related("area").first()
    if enterprise is None:
        raise Http404
    # The search results are emptied by an out-of-band swap in the same answer (no inline script: the CSP).
    context = {"chosen": enterprise, "officers": officers_of(enterprise), "clear_results": True}
    return render(request, "web/_enterprise_chosen.html", context)


@role_page(R.ENTERPRISE)
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx partial for the portal: answers of the handbook that match what the enterprise typed so far."""
    text = f"{request.GET.get('title', '')}\n{request.GET.get('content', '')}".strip()
    answers = suggestions.faq_answers(resolve_scope(request.user).district_ids, text)
    return render(request, "web/_suggestions.html", {"answers": answers})

"""Pages of solicitation campaigns (定期征询), mounted at /solicitation/.

    GET       /solicitation/                          the hub's campaigns; a unit's campaigns waiting for it
    GET/POST  /solicitation/new/                      the hub creates a draft
    GET/POST  /solicitation/<pk>/edit/                the hub changes a draft
    POST      /solicitation/<pk>/delete/              the hub deletes a draft (confirmed on the campaign page)
    GET       /solicitation/<pk>/                     the hub's campaign page, or the unit's reply page
    POST      /solicitation/<pk>/<action>/            the hub: launch, close, remind, accept, return
    POST      /solicitation/<pk>/reply/<target>/<action>/   a unit: add, remove, upload, submit, none
    GET       /solicitation/<pk>/reply/<target>/template.xlsx   the Excel template of its problems
    GET       /solicitation/<pk>/export.xlsx          the hub's workbook of the campaign

Reads come from `solicitation.queries` (outside the scope is 404); writes are `solicitation.actions`; refusals
are shown as messages naming the field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.lib.downloads import as_download
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.sla.services import get_calendar
from demandloop.solicitation import actions
from demandloop.solicitation.choices import (
    REPLY_STATE_COLOURS,
    CampaignStatusChoices,
    ReplyStateChoices,
    ReplyStatusChoices,
)
from demandloop.solicitation.export import campaign_file
from demandloop.solicitation.forms import CampaignForm, ProblemForm, ReturnForm, UploadForm
from demandloop.solicitation.imports import read_problems, template_file
from demandloop.solicitation.models import Campaign, CampaignTarget, Reply, ReplyProblem
from demandloop.solicitation.queries import (
    campaign_figures,
    get_campaign_for_user,
    is_hub_of,
    non_responders,
    own_targets,
    problems_of,
    reply_state,
    targets_of,
    units_of,
    unstaffed_targets,
    waiting_targets,
)
from demandloop.web.access import SOLICITATION, role_page
from demandloop.web.deadlines import classify

# Who opens the pages (`web.access.SOLICITATION`): the hub, and who answers for a locality or a department.
SOLICITATION_ROLES = tuple(SOLICITATION)


def _hub_district(user: Any) -> District | None:
    ids = units_of(user).hub_district_ids
    return District.objects.filter(pk__in=ids).order_by("code").first() if ids else None


def _hub_districts(user: Any) -> list[District]:
    ids = units_of(user).hub_district_ids
    return list(District.objects.filter(pk__in=ids).order_by("code")) if ids else []


def _form_error_texts(form: Any) -> list[str]:
    """Each error of `form` as "label：error" (a form-wide error as itself)."""
    texts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        texts += [f"{label}：{error}" if label else error for error in errors]
    return texts


def _form_errors(request: HttpRequest, form: Any) -> None:
    for text in _form_error_texts(form):
        messages.error(request, text)


def _refused(request: HttpRequest, error: DemandActionError) -> None:
    messages.error(request, error.message)


# Sent with a refused problem: the page keeps what the person typed (static/web/forms.js), to correct it.
REFUSED_HEADER = "X-Demandloop-Refused"


def deadline_of(campaign: Campaign) -> Any:
    """The reply deadline as the work lists read it ("剩余 N 个工作日", "已逾期")."""
    return classify(campaign.reply_due, timezone.now(), get_calendar())


@role_page(*SOLICITATION_ROLES)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    district = _hub_district(user)
    campaigns = list(
        Campaign.objects.for_user(user)
        .select_related("district", "domain")
        .annotate(
            n_targets=Count("targets", distinct=True),
            n_replied=Count(
                "targets",
                filter=Q(
                    targets__reply__status__in=[ReplyStatusChoices.SUBMITTED, ReplyStatusChoices.ACCEPTED]
                ),
                distinct=True,
            ),
            n_problems=Count("targets__reply__problems", distinct=True),
            n_demands=Count("targets__reply__problems__demand", distinct=True),
        )
        .order_by("-created_at", "-pk")[:200]
    )
    hub_ids = units_of(user).hub_district_ids
    waiting = [(t, deadline_of(t.campaign)) for t in waiting_targets(user)]
    context = {
        "district": district,
        "campaigns": [(c, c.district_id in hub_ids, deadline_of(c)) for c in campaigns],
        "waiting": waiting,
    }
    return render(request, "solicitation/campaign_list.html", context)


@role_page(R.HUB)
def campaign_create(request: HttpRequest) -> HttpResponse:
    districts = _hub_districts(request.user)
    if not districts:
        raise Http404
    district = districts[0]
    initial: dict[str, Any] = {}
    if request.method != "POST" and request.GET.get("district"):
        # The form of another of the person's districts (the district choice reloads it, keeping the texts).
        chosen = next((d for d in districts if d.code == request.GET["district"]), None)
        if chosen is None:
            raise Http404
        district = chosen
        initial = {
            name: request.GET[name] for name in CampaignForm.KEPT_ON_DISTRICT_CHANGE if request.GET.get(name)
        }
    form = CampaignForm(request.POST or None, district=district, districts=districts, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = actions.do_create_campaign(
                    form.campaign_district, request.user, form.campaign_input()
                )
            except DemandActionError as error:
                _refused(request, error)
            else:
                messages.success(request, _("The campaign is saved as a draft; launch it when it is ready."))
                return redirect("solicitation_detail", pk=campaign.pk)
        else:
            _form_errors(request, form)
    return render(
        request, "solicitation/campaign_form.html", {"form": form, "district": form.campaign_district}
    )


@role_page(R.HUB)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    if not is_hub_of(request.user, campaign):
        raise Http404
    if campaign.status != CampaignStatusChoices.DRAFT:
        messages.error(request, _("Only a draft campaign can be changed."))
        return redirect("solicitation_detail", pk=campaign.pk)
    form = CampaignForm(
        request.POST or None, district=campaign.district, initial=CampaignForm.initial_of(campaign)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_update_campaign(campaign, request.user, form.campaign_input())
            except DemandActionError as error:
                _refused(request, error)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("solicitation_detail", pk=campaign.pk)
        else:
            _form_errors(request, form)
    context = {"form": form, "district": campaign.district, "campaign": campaign}
    return render(request, "solicitation/campaign_form.html", context)


@role_page(R.HUB)
@require_POST
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    if not is_hub_of(request.user, campaign):
        raise Http404
    try:
        actions.do_delete_campaign(campaign, request.user)
    except DemandActionError as error:
        _refused(request, error)
        return redirect("solicitation_detail", pk=campaign.pk)
    messages.success(request, _("The draft “%(title)s” is deleted.") % {"title": campaign.title})
    return redirect("solicitation_list")


def _demand_ids_reached(user: Any, problems: list[ReplyProblem]) -> set[int]:
    ids = [p.demand_id for p in problems if p.demand_id]
    if not ids:
        return set()
    return set(Demand.objects.for_user(user).filter(pk__in=ids).values_list("pk", flat=True))


@role_page(*SOLICITATION_ROLES)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    if is_hub_of(request.user, campaign):
        return _hub_page(request, campaign)
    return _unit_page(request, campaign)


def _hub_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    now = timezone.now()
    targets = list(targets_of(campaign).annotate(reminded=Count("reminders")))
    problems = list(problems_of(campaign))
    figures = campaign_figures(campaign, targets, problems, now)
    unstaffed = unstaffed_targets(targets)
    counts: dict[int, int] = {}
    for problem in problems:
        counts[problem.reply_id] = counts.get(problem.reply_id, 0) + 1
    rows = []
    for target in targets:
        state = reply_state(target, campaign, now)
        reply = getattr(target, "reply", None)
        rows.append(
            {
                "target": target,
                "reply": reply,
                "state": ReplyStateChoices(state),
                "colour": REPLY_STATE_COLOURS[state],
                "problems": counts.get(reply.pk, 0) if reply else 0,
                "unstaffed": target.pk in unstaffed,
            }
        )
    context = {
        "campaign": campaign,
        "deadline": deadline_of(campaign),
        "due_label": actions.due_label(campaign),
        "figures": figures,
        # Counters answer 0 for any key, "items" included: the template gets plain rows.
        "domain_rows": sorted(figures.by_domain.items(), key=lambda row: (-row[1], row[0])),
        "simple_count": figures.by_complexity["simple"],
        "complex_count": figures.by_complexity["complex"],
        "state_rows": [(c, figures.states[c.value], REPLY_STATE_COLOURS[c.value]) for c in ReplyStateChoices],
        "rows": rows,
        "non_responders": non_responders(campaign, targets) if campaign.reply_due else [],
        "past_due": campaign.is_past_due,
        "problems": problems,
        "reminders": list(campaign.reminders.select_related("sent_by").annotate(units=Count("targets"))),
        "return_form": ReturnForm(),
    }
    return render(request, "solicitation/campaign_hub.html", context)


def _unit_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    targets = own_targets(request.user, campaign)
    if not targets:
        raise Http404
    sections = []
    for target in targets:
        reply = getattr(target, "reply", None)
        problems = list(
            ReplyProblem.objects.filter(reply__target=target)
            .select_related("enterprise", "area", "demand")
            .order_by("order", "pk")
        )
        editable = campaign.status == CampaignStatusChoices.LAUNCHED and (
            reply is None or reply.status == ReplyStatusChoices.DRAFT
        )
        sections.append(
            {
                "target": target,
                "reply": reply,
                "problems": problems,
                "reached": _demand_ids_reached(request.user, problems),
                "editable": editable,
                "form": ProblemForm(target=target, auto_id=f"id_{target.pk}_%s") if editable else None,
                "upload_form": UploadForm(auto_id=f"id_upload_{target.pk}_%s") if editable else None,
                "state": ReplyStateChoices(reply_state(target, campaign)),
                "is_draft": reply is not None and reply.status == ReplyStatusChoices.DRAFT,
            }
        )
    context = {
        "campaign": campaign,
        "deadline": deadline_of(campaign),
        "due_label": actions.due_label(campaign),
        "sections": sections,
    }
    return render(request, "solicitation/campaign_unit.html", context)


@role_page(R.HUB)
@require_POST
def campaign_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    if not is_hub_of(request.user, campaign):
        raise Http404
    user = request.user
    try:
        if action == "launch":
            actions.do_launch_campaign(campaign, user)
            messages.success(
                request,
                _("The campaign is launched; replies are due %(due)s.")
                % {"due": actions.due_label(campaign)},
            )
        elif action == "close":
            actions.do_close_campaign(campaign, user)
            messages.success(request, _("The campaign is closed."))
        elif action == "remind":
            reminder = actions.do_remind(campaign, user)
            messages.success(
                request,
                _("Reminder sent to %(units)d units (%(people)d people).")
                % {"units": reminder.targets.count(), "people": reminder.recipients},
            )
        elif action in ("accept", "return"):
            reply = Reply.objects.filter(
                target__campaign=campaign, target_id=request.POST.get("target") or 0
            ).first()
            if reply is None:
                raise Http404
            if action == "accept":
                demands = actions.do_accept_reply(reply, user)
                messages.success(
                    request, _("Reply accepted: %(n)d demands registered.") % {"n": len(demands)}
                )
            else:
                form = ReturnForm(request.POST)
                if not form.is_valid():
                    _form_errors(request, form)
                else:
                    actions.do_return_reply(reply, user, reason=form.cleaned_data["reason"])
                    messages.success(
                        request, _("The reply is returned to %(unit)s.") % {"unit": reply.target.unit}
                    )
        else:
            raise Http404
    except DemandActionError as error:
        _refused(request, error)
    return redirect("solicitation_detail", pk=campaign.pk)


def _own_target(request: HttpRequest, pk: int, target_pk: int) -> CampaignTarget:
    campaign = get_campaign_for_user(request.user, pk)
    target = next((t for t in own_targets(request.user, campaign) if t.pk == target_pk), None)
    if target is None:
        raise Http404
    target.campaign = campaign
    return target


def _problem_list(
    request: HttpRequest, target: CampaignTarget, errors: list[str] | None = None
) -> HttpResponse:
    reply = Reply.objects.filter(target=target).first()
    problems = list(
        ReplyProblem.objects.filter(reply__target=target)
        .select_related("enterprise", "area", "demand")
        .order_by("order", "pk")
    )
    context = {
        "campaign": target.campaign,
        "section": {
            "target": target,
            "reply": reply,
            "problems": problems,
            "reached": _demand_ids_reached(request.user, problems),
            "editable": reply is None or reply.status == ReplyStatusChoices.DRAFT,
            "errors": errors or [],
        },
    }
    response = render(request, "solicitation/_problems.html", context)
    if errors:
        response[REFUSED_HEADER] = "1"
    return response


@role_page(R.OFFICER, R.SOCIAL_OFFICER, R.COORDINATOR, R.DEPT_LEAD)
@require_POST
def reply_change(request: HttpRequest, pk: int, target_pk: int, action: str) -> HttpResponse:
    target = _own_target(request, pk, target_pk)
    user = request.user
    htmx = request.headers.get("HX-Request") == "true"
    try:
        if action == "add":
            form = ProblemForm(request.POST, target=target)
            if not form.is_valid():
                if htmx:
                    # Said beside the list, the form left as typed: a typo must not cost the whole problem.
                    return _problem_list(request, target, _form_error_texts(form))
                _form_errors(request, form)
            else:
                try:
                    actions.do_add_problems(target, user, [form.problem_input()])
                except DemandActionError as error:
                    if not htmx:
                        raise
                    return _problem_list(request, target, [error.message])
                if htmx:
                    return _problem_list(request, target)
                messages.success(request, _("The problem is added to the draft."))
        elif action == "remove":
            problem = ReplyProblem.objects.filter(
                reply__target=target, pk=request.POST.get("problem") or 0
            ).first()
            if problem is None:
                raise Http404
            actions.do_remove_problem(problem, user)
            if htmx:
                return _problem_list(request, target)
        elif action == "upload":
            upload_form = UploadForm(request.POST, request.FILES)
            if not upload_form.is_valid():
                _form_errors(request, upload_form)
            else:
                upload = upload_form.cleaned_data["file"]
                parsed = read_problems(target, upload.name, upload.read())
                if parsed.file_error:
                    messages.error(request, _("File: %(error)s") % {"error": parsed.file_error})
                elif parsed.errors:
                    for error in parsed.errors[:20]:
                        messages.error(
                            request,
                            _("Row %(row)d, column “%(column)s”: %(message)s")
                            % {"row": error.row, "column": error.column, "message": error.message},
                        )
                    messages.error(
                        request, _("Nothing from the file was saved; correct it and upload it again.")
                    )
                else:
                    rows = actions.do_add_problems(target, user, parsed.problems)
                    messages.success(request, _("%(n)d problems added from the file.") % {"n": len(rows)})
        elif action in ("submit", "none"):
            reply = actions.do_submit_reply(target, user, no_problems=action == "none")
            if reply.is_late:
                messages.warning(request, _("The reply is submitted after the deadline and marked late."))
            else:
                messages.success(request, _("The reply is submitted."))
        else:
            raise Http404
    except DemandActionError as error:
        _refused(request, error)
    if htmx:
        # A refusal in a partial: show the messages on the whole page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = request.build_absolute_uri(f"/solicitation/{pk}/")
        return response
    return redirect("solicitation_detail", pk=pk)


@role_page(R.OFFICER, R.SOCIAL_OFFICER, R.COORDINATOR, R.DEPT_LEAD)
@require_GET
def reply_template(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    return as_download(template_file(_own_target(request, pk, target_pk)))


@role_page(R.HUB)
@require_GET
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    if not is_hub_of(request.user, campaign):
        raise Http404
    return as_download(campaign_file(campaign))

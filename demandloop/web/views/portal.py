"""The enterprise portal, mobile first: submit a demand with attachments, see my officer, follow each demand on
its timeline, rate it and ask for it to be redone, read the policies and FAQ (惠企政策)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from demandloop.demands import actions
from demandloop.demands.choices import ChannelChoices
from demandloop.demands.errors import DemandActionError
from demandloop.demands.models import Demand
from demandloop.enterprises.models import Enterprise
from demandloop.knowledge.export import handbook_file
from demandloop.lib.downloads import as_download
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import District
from demandloop.web import knowledge
from demandloop.web.access import role_page
from demandloop.web.forms import PortalDemandForm
from demandloop.web.queries import officers_of
from demandloop.web.views.demand import attach_files


def my_enterprises(request: HttpRequest) -> list[Enterprise]:
    return list(Enterprise.objects.for_user(request.user).select_related("area", "district").order_by("name"))


@role_page(R.ENTERPRISE)
def portal(request: HttpRequest) -> HttpResponse:
    enterprises = my_enterprises(request)
    demands = (
        Demand.objects.for_user(request.user)
        .select_related("enterprise", "tier")
        .order_by("-received_at", "-pk")[:100]
    )
    cards = [{"enterprise": e, "officers": officers_of(e)} for e in enterprises]
    return render(request, "web/portal.html", {"cards": cards, "demands": demands})


@role_page(R.ENTERPRISE)
def portal_submit(request: HttpRequest) -> HttpResponse:
    enterprises = my_enterprises(request)
    form = PortalDemandForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and enterprises:
        data = form.cleaned_data
        try:
            demand = actions.do_receive(
                request.user,
                enterprise=enterprises[0],
                channel=ChannelChoices.ONLINE,
                title=data["title"],
                content=data["content"],
                contact_name=data["contact_name"] or request.user.get_full_name(),
                contact_phone=data["contact_phone"] or request.user.phone,
            )
        except DemandActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            for problem in attach_files(demand, request.user, data["attachments"]):
                messages.warning(request, problem)
            messages.success(
                request,
                _("Your demand #%(number)s has been submitted. Your service officer will contact you.")
                % {"number": demand.pk},
            )
            return redirect("demand_detail", pk=demand.pk)
    return render(
        request,
        "web/portal_submit.html",
        {"form": form, "enterprise": enterprises[0] if enterprises else None},
    )


def handbook_districts(enterprises: list[Enterprise]) -> list[District]:
    """The districts whose handbook the enterprise account reads: those of its enterprises."""
    return sorted({e.district for e in enterprises}, key=lambda d: d.code)


@role_page(R.ENTERPRISE)
def portal_policies(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    enterprises = my_enterprises(request)
    district_ids = {e.district_id for e in enterprises}
    entries = knowledge.published_entries(district_ids, q)
    return render(
        request,
        "web/portal_policies.html",
        {
            "entries": entries,
            "q": q,
            "available": entries is not None,
            "handbook_districts": handbook_districts(enterprises),
        },
    )


@role_page(R.ENTERPRISE)
def portal_handbook(request: HttpRequest) -> HttpResponse:
    """The whole handbook of the enterprise's district as a Word document (`?district=` when it has several)."""
    districts = handbook_districts(my_enterprises(request))
    code = request.GET.get("district", "")
    district = next((d for d in districts if d.code == code), None) if code else next(iter(districts), None)
    if district is None:
        raise Http404
    return as_download(handbook_file(district, "docx"))

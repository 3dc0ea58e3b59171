"""The enterprises a staff member serves: the scoped ledger with search, and one enterprise with its demands."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from demandloop.demands.models import Demand
from demandloop.enterprises.filtersets import EnterpriseFilterSet
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.privacy import contacts_for_display
from demandloop.enterprises.queries import get_enterprise_for_user
from demandloop.org.choices import RoleChoices as R
from demandloop.web.access import FIRST_LINE, role_page
from demandloop.web.queries import officers_of

LEDGER_ROLES = FIRST_LINE | {R.LEADER, R.HUB, R.DISPATCHER}


@role_page(*LEDGER_ROLES)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    base = Enterprise.objects.for_user(request.user).select_related("area", "locality")
    filterset = EnterpriseFilterSet({"q": request.GET.get("q", "")}, queryset=base)
    page = Paginator(filterset.qs.order_by("name", "pk"), 30).get_page(request.GET.get("page"))
    template = (
        "web/_enterprise_table.html" if request.headers.get("HX-Request") else "web/enterprise_list.html"
    )
    return render(request, template, {"page": page, "q": request.GET.get("q", "")})


@role_page(*LEDGER_ROLES)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_enterprise_for_user(request.user, pk)
    demands = Demand.objects.for_user(request.user).filter(enterprise=enterprise).select_related("tier")
    return render(
        request,
        "web/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "contacts": contacts_for_display(enterprise, request.user),
            "officers": officers_of(enterprise),
            "demands": demands.order_by("-received_at")[:50],
        },
    )

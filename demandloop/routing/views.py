"""The router's suggestion as an htmx partial, for the registration form (issue 4's page includes it).

    GET /routing/decision/?title=&content=&district=&enterprise=&area=   → routing/_decision.html

The form asks for it as the officer types (`hx-get`, `hx-trigger="keyup changed delay:600ms"`); the partial shows
each suggestion with the words that decided it, the screening evidence and redirect, FAQ answers with contacts
and possible duplicates. District staff only; anyone else gets 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from demandloop.org.scope import resolve_scope
from demandloop.routing.text import join_title

MIN_CHARS = 6


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def decision_partial(request: HttpRequest) -> HttpResponse:
    from demandloop.org.models import District
    from demandloop.routing.queries import visible_duplicates
    from demandloop.routing.service import suggest as route

    scope = resolve_scope(request.user)
    if not scope.is_staff_scope or not scope.district_ids:
        raise Http404
    districts = District.objects.filter(pk__in=scope.district_ids)
    code = request.GET.get("district")
    district = districts.filter(code=code).first() if code else districts.order_by("code").first()
    if district is None:
        raise Http404
    text = join_title(request.GET.get("title", ""), request.GET.get("content", ""))
    decision = None
    if len(text) >= MIN_CHARS:
        decision = route(
            district.code,
            text,
            enterprise_id=_int(request.GET.get("enterprise")),
            area_id=_int(request.GET.get("area")),
        ).as_dict()
        decision["duplicates"] = visible_duplicates(request.user, decision["duplicates"])
    return render(request, "routing/_decision.html", {"decision": decision, "district": district})

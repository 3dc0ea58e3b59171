"""Views of the pages that belong to no domain: home, health, error pages that leak nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from demandloop.org.scope import resolve_scope
from demandloop.web.access import landing_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Most people hold one role: they start on its page, not on a menu.
    landing = landing_page(request.user)
    if landing is not None and len(resolve_scope(request.user).roles) == 1:
        return redirect(landing)
    memberships = (
        request.user.memberships.filter(is_active=True)
        .select_related("district", "department", "enterprise", "leader_post")
        .prefetch_related("areas")
    )
    return render(
        request, "web/home.html", {"memberships": memberships, "scope": resolve_scope(request.user)}
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "web/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        _("Bad request"),
        _("The request could not be processed. Please check it and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("Access denied"),
        _(
            "You do not have access to this page. If in doubt, contact your district's government service office."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, _("Page not found"), _("The page does not exist or is outside your scope of work.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the page must render even when the database (and so the signed-in user) is down.
    context = {
        "status": 500,
        "title": _("Server error"),
        "message": _("Something went wrong on the server and it has been logged. Please try again later."),
    }
    return HttpResponse(render_to_string("web/error_plain.html", context), status=500)

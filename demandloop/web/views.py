"""Views of the pages that belong to no domain: home, health, error pages that leak nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from demandloop.org.scope import resolve_scope


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = (
        request.user.memberships.filter(is_active=True)
        .select_related("district", "department", "enterprise", "leader_post")
        .prefetch_related("areas")
    )
    return render(request, "web/home.html", {"memberships": memberships, "scope": resolve_scope(request.user)})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("请求有误"), _("请求的内容无法处理，请检查后重试。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("无权访问"), _("您没有访问该页面的权限。如有疑问，请联系本区政务服务办。"))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("页面不存在"), _("您访问的页面不存在，或不在您的工作范围内。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("系统繁忙"), _("服务器处理时出现问题，已记录。请稍后重试。"))

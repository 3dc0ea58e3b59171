"""Request context for code far from the view: the audit trail needs the client's address."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "demandloop_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # Behind nginx the real client is in X-Real-IP; REMOTE_ADDR is the proxy.
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)

"""Request context for code far from the view (the audit trail needs the client's address), and no caching of
what a signed-in person was shown."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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


class PrivateResponsesMiddleware:
    """Nothing a signed-in person was shown stays in a browser's or a proxy's cache.

    Pages, API answers and downloads carry enterprises' contacts and matters: on an office's shared computer, the
    back button after signing out, or the cache of a proxy, must not show them to the next person (ASVS V8.2.1,
    等保 2.0 residual information protection). Every answer to a signed-in request that has not chosen its own
    caching is marked `Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`. Static files
    are served before this runs (WhiteNoise) and keep their long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

"""Request context for code far from the view (the audit trail needs the client's address), and no caching of
what a signed-in person was shown."""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "demandloop_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_address(request: HttpRequest | None) -> str:
    """The client's IP address: behind a trusted proxy (`settings.TRUSTED_PROXIES`, nginx) the X-Real-IP it
    sets, else the address of the connection. The header of anybody else, and a header that is not an address,
    is ignored: the audit trail records where a request really came from."""
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    forwarded = str(request.META.get("HTTP_X_REAL_IP") or "").strip()
    if forwarded and _trusted_proxy(remote):
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return remote


def _trusted_proxy(remote: str) -> bool:
    if not remote:
        return True  # a unix socket: only a process of this machine (the proxy) can connect
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXIES)


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

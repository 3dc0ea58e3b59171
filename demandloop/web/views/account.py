"""Every signed-in person's own account pages: change the password, see and end their other sessions, and the
second sign-in step (the code of an authenticator app, or setting one up; `demandloop.org.two_factor`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from demandloop.org import security, two_factor


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change-password page, with the person's open sessions below the form."""

    success_url = "/accounts/password/done/"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["own_sessions"] = security.own_sessions(self.request)
        context["other_sessions"] = security.OTHER_SESSIONS
        context["has_authenticator"] = two_factor.confirmed_device(self.request.user) is not None
        return context


@login_required
@require_POST
def end_own_sessions(request: HttpRequest) -> HttpResponse:
    ref = request.POST.get("session", "")
    if not ref:
        messages.error(request, _("Choose the session to sign out."))
        return redirect("password_change")
    try:
        ended = security.do_end_own_sessions(request, ref)
    except security.SecurityActionError as error:
        messages.error(request, str(error))
        return redirect("password_change")
    if ended:
        messages.success(
            request,
            ngettext(
                "%(n)d other session is signed out: its next page asks for the password.",
                "%(n)d other sessions are signed out: their next pages ask for the password.",
                ended,
            )
            % {"n": ended},
        )
    else:
        messages.info(request, _("You have no other session."))
    return redirect("password_change")


def _next(request: HttpRequest) -> str:
    """Where the person was going before the second step: a page of this site, else the start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if safe else "/"


def _signing_in(request: HttpRequest) -> bool:
    """Whether the second step is still ahead of this session: the page then offers nothing but sign-out."""
    return bool(two_factor.step(request, security.policy_for(request)))


WRONG_CODE = gettext_lazy(
    "The code is wrong or has expired: enter the code your authenticator app shows now."
)


def _wait_error(device: Any) -> str:
    """After wrong codes django-otp looks at the next one only later (1, 2, 4 … seconds): say how long."""
    wait = two_factor.wait_seconds(device)
    return _("Too many wrong codes: try again in %(n)d seconds.") % {"n": wait} if wait else ""


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_set_up")
    error = ""
    if request.method == "POST":
        error = _wait_error(device)
        if not error and two_factor.do_verify(request, request.POST.get("code", "")):
            return redirect(_next(request))
        error = error or str(WRONG_CODE)
    return render(
        request,
        "registration/two_factor_verify.html",
        {"error": error, "next": _next(request), "signing_in": _signing_in(request)},
        status=400 if error else 200,
    )


@login_required
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    if two_factor.confirmed_device(request.user) is not None:
        return redirect("two_factor_verify")
    device = two_factor.pending_device(request.user)
    error = ""
    if request.method == "POST":
        error = _wait_error(device)
        if not error and two_factor.do_set_up(request, request.POST.get("code", "")):
            messages.success(
                request, _("Your authenticator app is set up: it gives the code at every sign-in.")
            )
            return redirect(_next(request))
        error = error or str(WRONG_CODE)
    return render(
        request,
        "registration/two_factor_set_up.html",
        {
            "error": error,
            "next": _next(request),
            "qr": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "required": two_factor.required(request.user, security.policy_for(request)),
            "signing_in": _signing_in(request),
        },
        status=400 if error else 200,
    )

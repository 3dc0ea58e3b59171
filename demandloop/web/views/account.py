"""Every signed-in person's own account page: change the password, and see and end their other sessions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from demandloop.org import security


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change-password page, with the person's open sessions below the form."""

    success_url = "/accounts/password/done/"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["own_sessions"] = security.own_sessions(self.request)
        context["other_sessions"] = security.OTHER_SESSIONS
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

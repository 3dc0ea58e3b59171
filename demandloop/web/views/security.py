"""The security administrator's page (安全管理员, 三权分立): the security policy, locked accounts, accounts that
must change their password, the sessions open now (强制下线) and the integrations' API tokens (revoked here).

Only the security administrator opens it (404 for everyone else). A deployment-wide one sets the policy and
manages every account; one bound to a district reads the policy and manages its district's people (never an
administrator of the deployment). Users and roles stay the system administrator's (the admin), the trail of
everything done here the security auditor's (`/audit/`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from demandloop.core.models import AuditEvent
from demandloop.org import security, tokens, two_factor
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import SecurityPolicy
from demandloop.web.access import role_page

# The accounts that must change their password and the open sessions are listed up to this many (the counts are
# always whole; the sessions of one account are found by its name).
LIST_LIMIT = 200


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = SecurityPolicy
        fields = SecurityPolicy.SETTINGS

    def __init__(self, *args: Any, editable: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        for name in SecurityPolicy.SETTINGS:
            field = self.fields[name]
            # The policy's own bounds (8 to 64 characters …), not the column's (0 to 32767): a wrong value is
            # told the range it must lie in, and the browser's spinner keeps to it.
            if isinstance(field, forms.TypedChoiceField):
                field.disabled = not editable  # a choice of words (two-factor): the choices are its bounds
                continue
            low, high = SecurityPolicy.bounds(name)
            field.min_value, field.max_value = low, high
            field.validators = [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update({"min": low, "max": high})
            field.disabled = not editable


class AccountForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)


def _who(query: Any) -> str:
    """The session search as the page and its end-session form send it."""
    return str(query.get("who", "")).strip()[:150]


def policy_history(limit: int = 10) -> list[dict[str, Any]]:
    """The policy's latest changes, from their audit rows: version, when, who, and each setting before → after."""
    rows = (
        AuditEvent.objects.filter(action=security.POLICY_CHANGED, success=True)
        .select_related("user")
        .order_by("-at", "-pk")[:limit]
    )
    fields = {name: SecurityPolicy._meta.get_field(name) for name in SecurityPolicy.SETTINGS}

    def shown(name: str, value: Any) -> Any:
        """A setting's value as the form offers it: the choice's words where it has choices."""
        field = fields.get(name)
        return dict(field.flatchoices).get(value, value) if field is not None and field.choices else value

    return [
        {
            "version": row.detail.get("version"),
            "at": row.at,
            "who": row.user.get_full_name() if row.user else row.username,
            "changes": [
                (
                    fields[name].verbose_name if name in fields else name,
                    shown(name, before),
                    shown(name, after),
                )
                for name, (before, after) in row.detail.get("changes", {}).items()
            ],
        }
        for row in rows
    ]


def _page(
    request: HttpRequest,
    *,
    policy_form: PolicyForm | None = None,
    account_form: AccountForm | None = None,
    reset_form: AccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = security.policy_for(request)
    editable = security.may_edit_policy(request.user)
    due = security.must_change_in_reach(request.user, policy)
    who = _who(request.GET)
    sessions = security.open_sessions(request.user, request, who=who)
    api_tokens = tokens.tokens_in_reach(request.user)
    listed_tokens = list(api_tokens[:LIST_LIMIT])
    for token in listed_tokens:
        token.ref = tokens.token_ref(token)  # type: ignore[attr-defined]
    return render(
        request,
        "web/security.html",
        {
            "policy": policy,
            "editable": editable,
            "policy_form": policy_form or PolicyForm(instance=policy, editable=editable),
            "account_form": account_form or AccountForm(),
            "reset_form": reset_form or AccountForm(prefix="reset"),
            "authenticator_count": two_factor.accounts_with_authenticator(
                security.people_in_reach(request.user)
            ),
            "history": policy_history(),
            "locks": security.locks_in_reach(request.user, request),
            "sessions": sessions[:LIST_LIMIT],
            "session_count": len(sessions),
            "who": who,
            "tokens": listed_tokens,
            "token_count": api_tokens.count(),
            "due": due[:LIST_LIMIT],
            "due_count": due.count(),
            "list_limit": LIST_LIMIT,
        },
        status=status,
    )


@role_page(R.SECADMIN)
@require_GET
def security_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_page(R.SECADMIN)
@require_POST
def security_policy(request: HttpRequest) -> HttpResponse:
    current = security.policy_for(request)
    form = PolicyForm(request.POST, instance=SecurityPolicy.current(), editable=True)
    if not form.is_valid():
        return _page(request, policy_form=form, status=400)
    try:
        saved = security.do_save_policy(
            request.user,
            {name: form.cleaned_data[name] for name in SecurityPolicy.SETTINGS},
            version=form.cleaned_data["version"],
        )
    except security.SecurityActionError as error:
        form.add_error(None, str(error))
        return _page(request, policy_form=form, status=409)
    if saved.version == current.version:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("Security policy saved: version %(n)d.") % {"n": saved.version})
    return redirect("security")


@role_page(R.SECADMIN)
@require_POST
def security_unlock(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    try:
        security.do_unlock(request.user, username, request)
    except security.SecurityActionError as error:
        messages.error(request, str(error))
        return redirect("security")
    messages.success(
        request, _("%(name)s is unlocked: its failed sign-ins are cleared.") % {"name": username}
    )
    return redirect("security")


def _act_on_account(
    request: HttpRequest,
    *,
    form_name: str,
    prefix: str | None,
    act: Callable[..., Any],
    refused: type[Exception],
    done: str,
    back: str,
) -> HttpResponse:
    """A form naming one account (`form_name` in the page) and the action on it: the refusal is said under the
    field, with the page as it was; the success above the page."""
    form = AccountForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _page(request, **{form_name: form}, status=400)
    try:
        account = act(request.user, form.cleaned_data["username"], request)
    except refused as error:
        form.add_error("username", str(error))
        return _page(request, **{form_name: form}, status=400)
    messages.success(request, done % {"name": account.username})
    return redirect(back)


@role_page(R.SECADMIN)
@require_POST
def security_require_change(request: HttpRequest) -> HttpResponse:
    return _act_on_account(
        request,
        form_name="account_form",
        prefix=None,
        act=security.do_require_change,
        refused=security.SecurityActionError,
        done=_("%(name)s must choose a new password at the next page it opens."),
        back=reverse("security"),
    )


@role_page(R.SECADMIN)
@require_POST
def security_end_session(request: HttpRequest) -> HttpResponse:
    # Back to the list as it was searched.
    who = _who(request.POST)
    back = reverse("security") + (f"?{urlencode({'who': who})}" if who else "") + "#security-sessions"
    try:
        ended = security.do_end_session(request.user, request.POST.get("session", ""), request)
    except security.SecurityActionError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("%(name)s's session is signed out: the next page asks for the password.")
        % {"name": ended.user.username},
    )
    return redirect(back)


@role_page(R.SECADMIN)
@require_POST
def security_revoke_token(request: HttpRequest) -> HttpResponse:
    back = reverse("security") + "#security-tokens"
    try:
        token = tokens.do_revoke_token(request.user, request.POST.get("token", ""), request)
    except tokens.TokenActionError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("The token “%(purpose)s” of %(name)s is revoked: its next request is refused.")
        % {"purpose": token.name, "name": token.user.username},
    )
    return redirect(back)


@role_page(R.SECADMIN)
@require_POST
def security_reset_two_factor(request: HttpRequest) -> HttpResponse:
    return _act_on_account(
        request,
        form_name="reset_form",
        prefix="reset",
        act=two_factor.do_reset,
        refused=two_factor.TwoFactorError,
        done=_("The authenticator of %(name)s is reset: it sets up a new one at its next sign-in."),
        back=reverse("security") + "#security-two-factor",
    )

"""API tokens of the integrations (接口令牌): issued, used, listed and revoked.

A token is django-rest-knox's: only its SHA-512 digest and its first characters are stored, so a copy of the
database lets nobody call the API. The token itself is shown once, when it is issued — by the deployment's system
administrator in the administration site or by the operator at the server (`demandloop security token`).
The security administrator sees the tokens of the accounts in reach, when and from where each was last used, and
revokes any (like 强制下线 for a session). Every issue and revocation is in the audit trail.

Accounts holding an administrator role (三权分立) or a superuser's rights get no token: administration is done
signed in, under the session policy, never by a credential that does not expire with inactivity.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from demandloop.core import audit
from demandloop.core.middleware import client_address
from demandloop.org.choices import ADMIN_ROLES
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import ApiToken, Membership, User

TOKEN_ISSUED = "api_token.issued"
TOKEN_REVOKED = "api_token.revoked"

# How long a new token is valid, in days (0: until revoked); the default is a year.
VALIDITY_CHOICES = [
    (30, gettext_lazy("30 days")),
    (90, gettext_lazy("90 days")),
    (180, gettext_lazy("180 days")),
    (365, gettext_lazy("1 year")),
    (0, gettext_lazy("Until revoked")),
]
DEFAULT_VALIDITY = 365

# The keepers of a token are told when it expires within this many days, and again within the last few
# (`notice_expiring`); `demandloop status` names the tokens within the first.
NOTICE_DAYS = (14, 3)

# A token's use is noted at most this often (seconds): a busy integration does not write on every request.
TOUCH_EVERY = 60


class TokenActionError(ValueError):
    """A refused issue or revocation, with the words the page or the command shows."""


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication (`Authorization: Token …`), changed in four ways: an expired token is refused
    but kept, so that the people who keep tokens see it expired rather than vanished; the account's other tokens
    are not read on every request; an account that came to administer the platform is refused; and each use notes
    when and from which address (at most once a minute)."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        return bool(auth_token.expired)

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        if why_no_token(user):
            raise AuthenticationFailed(_("This account may not use an API token."))
        return user, token

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None:
            _note_use(found[1], getattr(request, "_request", request))
        return found


def _note_use(token: ApiToken, request: HttpRequest) -> None:
    now = timezone.now()
    if token.last_used is not None and (now - token.last_used).total_seconds() < TOUCH_EVERY:
        return
    address = client_address(request)[:64]
    ApiToken.objects.filter(pk=token.pk).update(last_used=now, last_used_from=address)
    token.last_used, token.last_used_from = now, address


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The schema's name for the token: the header and keyword integrations send."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(  # type: ignore[no-any-return]
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )


def may_hold_tokens(accounts: QuerySet[User]) -> QuerySet[User]:
    """Those of `accounts` that may hold an API token: active, neither a superuser nor holding an administrator
    role (三权分立: administrators work signed in, under the session policy)."""
    admins = Membership.objects.filter(role__in=ADMIN_ROLES, is_active=True).values("user_id")
    return accounts.filter(is_active=True, is_superuser=False).exclude(pk__in=admins)


def why_no_token(user: Any) -> str:
    """Why `user` may not hold an API token ("" when it may). Asked when a token is issued and at every request
    made with one (an administrator's role may come later)."""
    if may_hold_tokens(User.objects.filter(pk=user.pk)).exists():
        return ""
    return _(
        "%(name)s may not hold an API token: the account is disabled, or it administers the platform "
        "(administrators work signed in)."
    ) % {"name": user.username}


def do_issue_token(
    by: Any, user: User, name: str, days: int, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Issue a token to `user` for `name` (its purpose), valid `days` days (0: until revoked). Returns the row and
    the token, which is nowhere else afterwards. `by` None: the operator at the server's command line."""
    name = name.strip()
    if not name:
        raise TokenActionError(_("Say what the token is for (the purpose)."))
    if days not in dict(VALIDITY_CHOICES):
        raise TokenActionError(
            _("A token is valid for %(choices)s days, or 0 (until revoked).")
            % {"choices": "、".join(str(d) for d, _label in VALIDITY_CHOICES if d)}
        )
    refusal = why_no_token(user)
    if refusal:
        raise TokenActionError(refusal)
    with transaction.atomic():
        token, key = ApiToken.objects.create(
            user=user,
            expiry=timedelta(days=days) if days else None,
            name=name[:100],
            issued_by=by,
        )
        audit.record(
            TOKEN_ISSUED,
            user=by,
            role=R.SYSADMIN if by is not None else audit.SYSTEM_ROLE,
            obj=user,
            detail={
                "username": user.username,
                "purpose": token.name,
                "token": token.token_key,
                "expires": token.expiry.isoformat() if token.expiry else None,
                **({"via": "command"} if by is None else {}),
            },
            request=request,
        )
    return token, key


def tokens_in_reach(by: Any) -> QuerySet[ApiToken]:
    """The tokens `by` may see and revoke as security administrator: those of the accounts in its reach."""
    from demandloop.org.security import people_in_reach, reach

    tokens = ApiToken.objects.select_related("user", "issued_by").order_by("-created")
    if reach(by) is None:
        return tokens
    return tokens.filter(user__in=people_in_reach(by))


def token_ref(token: ApiToken) -> str:
    """A token's name on a page (not its digest): what the revoke button sends back."""
    return salted_hmac("demandloop.token-ref", token.digest).hexdigest()[:32]


def do_revoke_token(by: Any, ref: str, request: HttpRequest | None = None) -> ApiToken:
    """Revoke one of the tokens `by` may see (security administrator), named by `token_ref`."""
    token = next((t for t in tokens_in_reach(by) if token_ref(t) == ref.strip()), None)
    if token is None:
        raise TokenActionError(_("That token is revoked already, or is not among yours."))
    revoke(by, token, R.SECADMIN, request)
    return token


def revoke(by: Any, token: ApiToken, role: str, request: HttpRequest | None = None) -> None:
    """Delete `token` (the next request with it is refused) and record who revoked it, in `role`."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
        audit.record(
            TOKEN_REVOKED,
            user=by,
            role=role,
            obj=token.user,
            detail={"username": token.user.username, "purpose": token.name, "token": token.token_key},
            request=request,
        )


def keepers_of(token: ApiToken) -> dict[str, QuerySet[User]]:
    """Who is told about `token`, by the page they act on: the deployment's system administrators (who issue a new
    one, /admin/) and the security administrators of its account (who see and revoke it, /security/)."""
    from demandloop.org.security import security_administrators_of

    sysadmins = Membership.objects.filter(role=R.SYSADMIN, district__isnull=True, is_active=True).values(
        "user_id"
    )
    return {
        "admin:org_apitoken_changelist": User.objects.filter(pk__in=sysadmins, is_active=True),
        "security": security_administrators_of(token.user.username),
    }


def expiring(now: datetime) -> QuerySet[ApiToken]:
    """The tokens in force at `now` that expire within the first notice (14 days)."""
    return ApiToken.objects.filter(expiry__gt=now, expiry__lte=now + timedelta(days=max(NOTICE_DAYS)))


def notice_expiring(now: datetime | None = None) -> int:
    """Periodic: tell the keepers of each token that expires within 14 days, once, and again within 3 days —
    an integration whose token expires stops, and the refusals are only in its own logs. The number of tokens."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from demandloop.integrations.choices import TopicChoices
    from demandloop.integrations.notify.outbox import Note, notify_users

    now = now or timezone.now()
    count = 0
    for token in expiring(now).select_related("user"):
        assert token.expiry is not None
        stage = min(days for days in NOTICE_DAYS if token.expiry <= now + timedelta(days=days))
        said = {
            "purpose": token.name,
            "name": token.user.username,
            "prefix": token.token_key,
            "date": timezone.localtime(token.expiry).strftime("%Y-%m-%d %H:%M"),
        }
        for page, people in keepers_of(token).items():
            with translation.override(settings.LANGUAGE_CODE):
                note = Note(
                    topic=TopicChoices.API_TOKEN,
                    subject=_("API token “%(purpose)s” expires on %(date)s") % said,
                    body=_(
                        "The token %(prefix)s… of %(name)s expires on %(date)s: after that the integration's "
                        "requests are refused. Issue a new token, hand it to the integration, then revoke this one."
                    )
                    % said,
                    link=reverse(page),
                )
            notify_users(people, note, cause=f"api_token.expiring:{token.digest[:32]}:{stage}", at=now)
        count += 1
    return count

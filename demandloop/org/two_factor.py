"""Two-factor sign-in (双因素认证): after the password, a six-digit code from an authenticator app (TOTP,
django-otp). 等保 asks administrators to prove who they are by two different means.

Who must use it is the security policy's `two_factor`: nobody (0), the administrators' accounts (1: system,
security, audit) or every staff account (2: all but enterprises'). Whoever has set up an authenticator uses it at
every sign-in, whatever the policy. A session that has not passed the second step reaches only the pages of that
step and sign-out (`SecurityPolicyMiddleware`); an API request with that session gets a 403; integrations' API
tokens are not concerned. A lost phone: the security administrator resets the account's authenticator (or the
operator, `demandloop security reset-two-factor USER`), and the account sets up a new one at its next sign-in.
"""

from __future__ import annotations

from typing import Any

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from demandloop.core import audit
from demandloop.org.choices import ADMIN_ROLES
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import SecurityPolicy, User
from demandloop.org.scope import resolve_scope

NOBODY, ADMINISTRATORS, STAFF = 0, 1, 2
VERIFY, SET_UP = "verify", "set_up"

VERIFIED = "auth.two_factor"
FAILED = "auth.two_factor_failed"
ENROLLED = "auth.two_factor_enrolled"
RESET = "security.reset_two_factor"

# The policy version under which this session was found to need no second step: not asked again until the policy
# changes (a device is only set up when the policy asks for one, and a reset removes devices).
FREE = "demandloop_two_factor_free"


class TwoFactorError(ValueError):
    """A refused reset, with the words the page or the command shows."""


def required(user: Any, policy: SecurityPolicy) -> bool:
    """Whether the policy asks `user` for a second factor."""
    if policy.two_factor == NOBODY:
        return False
    if user.is_superuser:
        return True
    roles = resolve_scope(user).roles  # the roles as every page reads them (cached on the user)
    if policy.two_factor == ADMINISTRATORS:
        return bool(roles & ADMIN_ROLES)
    return bool(roles - {R.ENTERPRISE})


def accounts_with_authenticator(people: Any) -> int:
    """How many of `people` have set up an authenticator."""
    return int(people.filter(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")).count())


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def step(request: HttpRequest, policy: SecurityPolicy) -> str:
    """What the signed-in session must do before anything else: VERIFY (enter a code), SET_UP (an authenticator
    first) or nothing ("")."""
    user: Any = request.user
    if request.session.get(FREE) == policy.version or user.is_verified():
        return ""
    if confirmed_device(user) is not None:
        return VERIFY
    if required(user, policy):
        return SET_UP
    request.session[FREE] = policy.version
    return ""


def _clean(code: str) -> str:
    return "".join(code.split())


def do_verify(request: HttpRequest, code: str) -> bool:
    """Check the code against the account's authenticator; on success the session has passed the second step.
    django-otp slows guessing down: after each wrong code the next is refused for longer (1, 2, 4 … seconds)."""
    user: Any = request.user
    device = confirmed_device(user)
    if device is None:
        return False
    verified = django_otp.verify_token(user, device.persistent_id, _clean(code))
    if verified is None:
        audit.record_failure(FAILED, user=user, obj=user, detail={"username": user.username}, request=request)
        return False
    django_otp.login(request, verified)
    audit.record(VERIFIED, user=user, obj=user, detail={"username": user.username}, request=request)
    return True


def wait_seconds(device: TOTPDevice | None) -> int:
    """How long before `device` looks at another code, after wrong ones (0: now)."""
    if device is None:
        return 0
    allowed, data = device.verify_is_allowed()
    locked_until = (data or {}).get("locked_until")
    if allowed or locked_until is None:
        return 0
    return max(1, int((locked_until - timezone.now()).total_seconds()) + 1)


def pending_device(user: Any) -> TOTPDevice:
    """The authenticator being set up: the same secret until it is confirmed, so a reload shows the same code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The QR code an authenticator app scans, as inline SVG (no image request, no script)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212529", light="#ffffff"))


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into the app, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def do_set_up(request: HttpRequest, code: str) -> bool:
    """Confirm the pending authenticator with a code it shows; the session has then passed the second step."""
    user: Any = request.user
    device = pending_device(user)
    with transaction.atomic():
        if not device.verify_token(_clean(code)):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        audit.record(ENROLLED, user=user, obj=user, detail={"username": user.username}, request=request)
    django_otp.login(request, device)
    return True


def do_reset(by: Any, username: str, request: HttpRequest | None = None) -> User:
    """Remove the authenticator of `username` (a lost phone): at its next sign-in the account sets up a new one
    if the policy asks for it. `by` None: the operator at the server's command line."""
    from demandloop.org.security import people_in_reach

    people = User.objects.all() if by is None else people_in_reach(by)
    account = people.filter(username=username.strip()).first()
    if account is None:
        missing = (
            _("There is no account %(name)s.")
            if by is None
            else _("There is no account %(name)s among yours.")
        )
        raise TwoFactorError(missing % {"name": username.strip()})
    with transaction.atomic():
        removed, _kinds = TOTPDevice.objects.filter(user=account).delete()
        if not removed:
            raise TwoFactorError(_("%(name)s has no authenticator to reset.") % {"name": account.username})
        audit.record(
            RESET,
            user=by,
            role=R.SECADMIN if by is not None else audit.SYSTEM_ROLE,
            obj=account,
            detail={"username": account.username, **({"via": "command"} if by is None else {})},
            request=request,
        )
    return account

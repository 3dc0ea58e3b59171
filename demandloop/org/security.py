"""The security policy (三权分立: the security administrator's) and every place the platform applies it.

- Passwords: `PolicyPasswordValidator` (in AUTH_PASSWORD_VALIDATORS) checks the length and the classes of
  characters the policy asks for, and that none of the last few passwords (`PasswordHistory`) comes back,
  wherever a password is set through a form (change-password page, admin).
- Sign-in lockout: django-axes counts failed sign-ins per user name; `failure_limit` and `cool_off` hand it the
  policy's numbers, `lockout_response` answers a locked account with the sign-in page and the time it opens again.
  A lockout of 0 minutes keeps the account locked until the security administrator unlocks it.
- Sessions: `SecurityPolicyMiddleware` signs out a session idle longer than the policy allows, and sends a user
  whose password has expired, or who must change it, to the change-password page before anything else. With
  `max_sessions`, signing in ends the account's least recently used sessions beyond the limit (`on_logged_in`);
  the browser of an ended session is told why on the sign-in page.
- Open sessions: each notes at sign-in when, from where and with which browser (`on_logged_in`); the security
  administrator lists those of its accounts (`open_sessions`) and signs one out (`do_end_session`, 强制下线).
- The security administrator's actions (`do_save_policy`, `do_unlock`, `do_require_change`, `do_end_session`):
  each one transaction with its audit row, which the security auditor reads.

The policy is read once per request (one primary-key query), never cached across requests: a change applies at
once in every process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, check_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from demandloop.core import audit
from demandloop.core.middleware import client_address
from demandloop.core.models import AuditEvent
from demandloop.org import two_factor
from demandloop.org.choices import ADMIN_ROLES
from demandloop.org.choices import RoleChoices as R
from demandloop.org.models import Membership, PasswordHistory, SecurityPolicy, SignedInSession, User
from demandloop.org.sessions import SessionStore

POLICY_CHANGED = "security.policy"
UNLOCKED = "security.unlock"
CHANGE_REQUIRED = "security.require_change"
SESSION_ENDED = "security.end_session"
SIGNED_IN_ELSEWHERE = "auth.signed_in_elsewhere"
OWN_SESSIONS_ENDED = "auth.end_own_sessions"
LOCKED_OUT = "auth.locked_out"

# The session keys of the middleware: the last request's time (epoch seconds), and whether the user was told
# this session that the password expires soon.
LAST_SEEN = "demandloop_last_seen"
EXPIRY_WARNED = "demandloop_expiry_warned"
# The cache key under which a session ended by a later sign-in elsewhere (`max_sessions`) leaves where that
# sign-in came from, for the ended browser's next request; by a keyed hash of the session key.
ENDED_ELSEWHERE = "demandloop:ended-elsewhere:%s"
# The last-seen time is written at most this often (seconds): a session write per request is a database write.
TOUCH_EVERY = 60
# How many days ahead a user is told that the password expires.
WARN_DAYS = 7


def policy_for(request: HttpRequest | None) -> SecurityPolicy:
    """The policy, read once per request (`request` may be None outside one)."""
    if request is None:
        return SecurityPolicy.current()
    policy = getattr(request, "_demandloop_policy", None)
    if policy is None:
        policy = SecurityPolicy.current()
        request._demandloop_policy = policy  # type: ignore[attr-defined]
    return policy


# --- Passwords ----------------------------------------------------------------------------------------------

CLASS_TESTS: tuple[Callable[[str], bool], ...] = (
    lambda c: "A" <= c <= "Z",
    lambda c: "a" <= c <= "z",
    lambda c: c.isdigit(),
    lambda c: not c.isalnum() or not c.isascii(),
)


def character_classes(password: str) -> int:
    """How many of upper-case letters, lower-case letters, digits and symbols `password` uses (0–4)."""
    return sum(1 for test in CLASS_TESTS if any(test(c) for c in password))


def _rule_text(policy: SecurityPolicy) -> str:
    return _(
        "At least %(length)d characters, using at least %(classes)d of: upper-case letters, lower-case "
        "letters, digits, symbols."
    ) % {"length": policy.min_length, "classes": policy.char_classes}


class PolicyPasswordValidator:
    """AUTH_PASSWORD_VALIDATORS entry: the policy's length and character classes."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = SecurityPolicy.current()
        errors = []
        if len(password) < policy.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "The password is too short: at least %(n)d character.",
                        "The password is too short: at least %(n)d characters.",
                        policy.min_length,
                    )
                    % {"n": policy.min_length},
                    code="password_too_short",
                )
            )
        if character_classes(password) < policy.char_classes:
            errors.append(
                ValidationError(
                    _(
                        "The password must use at least %(n)d of: upper-case letters, lower-case letters, "
                        "digits, symbols."
                    )
                    % {"n": policy.char_classes},
                    code="password_too_simple",
                )
            )
        if policy.history_count and used_before(user, password, policy.history_count):
            errors.append(
                ValidationError(
                    ngettext(
                        "The password must differ from your last password.",
                        "The password must differ from your last %(n)d passwords.",
                        policy.history_count,
                    )
                    % {"n": policy.history_count},
                    code="password_reused",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _rule_text(SecurityPolicy.current())


def used_before(user: Any, password: str, count: int) -> bool:
    """Whether `password` is `user`'s current one or one of its `count` before (a new account has none)."""
    if user is None or user.pk is None:
        return False
    earlier = list(
        PasswordHistory.objects.filter(user_id=user.pk)
        .order_by("-created_at", "-pk")
        .values_list("password", flat=True)[:count]
    )
    stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    hashes = dict.fromkeys([stored, *earlier])  # the current one first, each once
    return any(encoded and check_password(password, encoded) for encoded in hashes)


def password_expires_at(user: Any, policy: SecurityPolicy) -> datetime | None:
    """When `user`'s password expires under `policy`; None when passwords do not expire."""
    if not policy.max_age_days:
        return None
    since = user.password_changed_at or user.date_joined
    return since + timedelta(days=policy.max_age_days)


# --- Sign-in lockout (django-axes settings point here) ------------------------------------------------------


def failure_limit(request: HttpRequest | None, credentials: Any = None) -> int:
    return policy_for(request).failure_limit


# A lockout "until unlocked": axes needs a length (None would make it count failures forever, even after the
# lock would have ended under a later policy), ten years is as good as for ever.
UNTIL_UNLOCKED = timedelta(days=3650)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a lockout lasts (policy 0: until the security administrator unlocks it)."""
    minutes = policy_for(request).lockout_minutes
    return timedelta(minutes=minutes) if minutes else UNTIL_UNLOCKED


def client_ip(request: HttpRequest) -> str | None:
    """The address axes records: the audit trail's (X-Real-IP behind the proxy), None when unknown."""
    return client_address(request) or None


def lockout_message(request: HttpRequest | None, opens_at: datetime | None) -> str:
    policy = policy_for(request)
    if opens_at is None:
        return _(
            "%(n)d failed sign-ins: the account is locked. Ask the security administrator to unlock it."
        ) % {"n": policy.failure_limit}
    return _(
        "%(n)d failed sign-ins: the account is locked until %(time)s. Try again then, or ask the security "
        "administrator to unlock it."
    ) % {"n": policy.failure_limit, "time": timezone.localtime(opens_at).strftime("%Y-%m-%d %H:%M")}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """axes' answer to a locked account: the sign-in page saying until when (JSON on the API), status 429."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    lock = locks(Q(username=username), request).get(username)
    message = lockout_message(request, lock.opens_at if lock else None)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_message": message, "next": request.POST.get("next", "")},
        status=429,
    )


def on_locked_out(sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    """axes' `user_locked_out` signal: the lockout (and every attempt refused while locked) goes on the trail,
    and the security administrators who manage the account hear of the lock once."""
    name = str(username or "")[:150]
    lock = locks(Q(username=name), request).get(name)
    message = lockout_message(request, lock.opens_at if lock else _opens_at(request, timezone.now()))
    audit.record_failure(LOCKED_OUT, request=request, username=name, message=message)
    if lock is not None:
        _tell_security_administrators(lock, message)


def security_administrators_of(username: str) -> QuerySet[User]:
    """Who manages `username`'s account: the deployment-wide security administrators, and those of the districts
    where it holds a role (an administrator of the deployment, or a name without an account: the former only)."""
    account = User.objects.filter(username=username).first()
    districts: set[int] = set()
    if account is not None and not account.is_superuser:
        held = Membership.objects.filter(user=account, is_active=True)
        if not held.filter(Q(role__in=ADMIN_ROLES) | Q(district__isnull=True)).exists():
            districts = set(held.values_list("district_id", flat=True))
    reach = Q(district__isnull=True) | Q(district_id__in=districts)
    secadmins = Membership.objects.filter(reach, role=R.SECADMIN, is_active=True).values("user_id")
    return User.objects.filter(pk__in=secadmins, is_active=True)


def _tell_security_administrators(lock: Lock, message: str) -> None:
    """One message per lock (its last failure names it; refused attempts while locked do not move it)."""
    from django.conf import settings
    from django.utils import translation

    from demandloop.integrations.choices import TopicChoices
    from demandloop.integrations.notify.outbox import Note, notify_users

    with translation.override(settings.LANGUAGE_CODE):
        note = Note(
            topic=TopicChoices.SECURITY,
            subject=_("Account %(name)s is locked") % {"name": lock.username},
            body=_("%(message)s From: %(addresses)s.")
            % {"message": message, "addresses": ", ".join(lock.addresses) or "—"},
            link=reverse("security"),
        )
    notify_users(
        security_administrators_of(lock.username),
        note,
        cause=f"auth.locked_out:{lock.username}:{lock.last_at.isoformat()}",
    )


@dataclass(frozen=True)
class Lock:
    """The failed sign-ins counted against one user name."""

    username: str
    failures: int
    last_at: datetime
    addresses: tuple[str, ...]
    locked: bool
    opens_at: datetime | None  # None: until unlocked (when locked)
    user: User | None = None


def _opens_at(request: HttpRequest | None, last_failure: datetime) -> datetime | None:
    """When a lock whose last failure was at `last_failure` opens; None: when it is unlocked."""
    if not policy_for(request).lockout_minutes:
        return None
    return last_failure + cool_off(request)


def locks(where: Q | None = None, request: HttpRequest | None = None) -> dict[str, Lock]:
    """Failed sign-ins that still count, by user name (axes keeps a row per name, address and browser),
    of the names `where` selects (all without it)."""
    policy = policy_for(request)
    span = cool_off(request)
    rows = AccessAttempt.objects.filter(where or Q(), attempt_time__gte=timezone.now() - span).exclude(
        username=None
    )
    grouped = rows.values("username").annotate(
        failures=Sum("failures_since_start"), last_at=Max("attempt_time")
    )
    addresses: dict[str, set[str]] = {}
    for username, address in rows.values_list("username", "ip_address"):
        if address:
            addresses.setdefault(username, set()).add(address)
    result = {}
    for row in grouped:
        locked = row["failures"] >= policy.failure_limit
        result[row["username"]] = Lock(
            username=row["username"],
            failures=row["failures"],
            last_at=row["last_at"],
            addresses=tuple(sorted(addresses.get(row["username"], ()))),
            locked=locked,
            opens_at=_opens_at(request, row["last_at"]) if locked else None,
        )
    return result


# --- Sessions -----------------------------------------------------------------------------------------------

# Paths a user who must change the password may still open.
ALWAYS_OPEN = ("logout", "favicon", "healthz")
OPEN_WHILE_CHANGING = ("password_change", "password_change_done", *ALWAYS_OPEN)
# The pages of the second sign-in step (demandloop.org.two_factor), the only ones before it is passed.
SECOND_FACTOR_PAGES = ("two_factor_verify", "two_factor_set_up")


def _on_page(request: HttpRequest, to: str) -> bool:
    """Whether the request is a fragment of the page `to` itself (the change-password page's unread badge)."""
    current = urlsplit(request.headers.get("HX-Current-URL", "")).path
    return bool(request.headers.get("HX-Request")) and current == urlsplit(to).path


def _leave(request: HttpRequest, to: str) -> HttpResponse:
    """Send the browser to `to`: htmx follows HX-Redirect (a plain redirect would swap a page into a fragment).
    A fragment of the page `to` itself gets nothing: sent to the page it is on, the browser would load it again,
    and again."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        if not _on_page(request, to):
            response["HX-Redirect"] = to
        return response
    return redirect(to)


class SecurityPolicyMiddleware:
    """Idle sessions end; expired or reset passwords are changed before anything else. After the auth and
    message middleware. Token-authenticated API clients (integrations) have no session and pass untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: frozenset[str] | None = None
        self._second: frozenset[str] | None = None

    def _open_paths(self) -> frozenset[str]:
        if self._open is None:
            self._open = frozenset(reverse(name) for name in (*OPEN_WHILE_CHANGING, *SECOND_FACTOR_PAGES))
        return self._open

    def _second_factor_paths(self) -> frozenset[str]:
        if self._second is None:
            self._second = frozenset(reverse(name) for name in (*SECOND_FACTOR_PAGES, *ALWAYS_OPEN))
        return self._second

    def _second_factor(self, request: HttpRequest, step: str) -> HttpResponse:
        """Before anything else, the code of the authenticator (or setting one up): the page of that step."""
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Finish signing in first: enter the code of your authenticator app.")},
                status=403,
            )
        to = reverse("two_factor_verify" if step == two_factor.VERIFY else "two_factor_set_up")
        if request.method == "GET" and not request.headers.get("HX-Request") and request.path != "/":
            to += "?" + urlencode({"next": request.get_full_path()})
        return _leave(request, to)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            self._say_if_ended_elsewhere(request)
            return self.get_response(request)
        policy = policy_for(request)
        now = time.time()
        last = request.session.get(LAST_SEEN)
        if last is not None and now - last > policy.idle_minutes * 60:
            return self._end(
                request,
                _("You were signed out after %(n)d minutes without activity. Please sign in again.")
                % {"n": policy.idle_minutes},
            )
        if last is None or now - last >= TOUCH_EVERY:
            request.session[LAST_SEEN] = now
        second = two_factor.step(request, policy)
        if second and request.path not in self._second_factor_paths():
            return self._second_factor(request, second)
        if request.path not in self._open_paths():
            reason = self._must_change(request, user, policy)
            if reason:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": reason}, status=403)
                to = reverse("password_change")
                if not _on_page(request, to):  # the page says it once, not once per fragment
                    messages.warning(request, reason)
                return _leave(request, to)
        return self.get_response(request)

    def _say_if_ended_elsewhere(self, request: HttpRequest) -> None:
        """A browser whose session a later sign-in of the account ended: tell it once, on the page it reaches
        (the sign-in page, where the page it asked for sends it)."""
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not key:
            return
        cache_key = ENDED_ELSEWHERE % _session_ref(key)
        note = cache.get(cache_key)
        if not isinstance(note, dict):
            return
        cache.delete(cache_key)
        messages.warning(
            request,
            _(
                "Your account was signed in elsewhere (%(address)s), so it was signed out here. If that was not "
                "you, sign in and change your password at once."
            )
            % {"address": str(note.get("from") or "") or _("an unknown address")},
        )

    def _end(self, request: HttpRequest, why: str) -> HttpResponse:
        """Sign the session out, say why on the sign-in page, and go there (an API client gets a 401)."""
        logout(request)
        messages.info(request, why)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("The session has ended. Please sign in again.")}, status=401)
        target = reverse("login")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return _leave(request, target)

    def _must_change(self, request: HttpRequest, user: Any, policy: SecurityPolicy) -> str:
        """Why `user` must change the password first ("" when it need not); warns once a session when the
        password expires within `WARN_DAYS`."""
        if user.must_change_password:
            return _("Your password was set or reset by an administrator: choose a new one before you go on.")
        expires = password_expires_at(user, policy)
        if expires is None:
            return ""
        left = expires - timezone.now()
        if left <= timedelta(0):
            return _("Your password is more than %(n)d days old: choose a new one before you go on.") % {
                "n": policy.max_age_days
            }
        if left <= timedelta(days=WARN_DAYS) and not request.session.get(EXPIRY_WARNED):
            request.session[EXPIRY_WARNED] = True
            messages.info(
                request,
                _("Your password expires on %(date)s. Change it before then.")
                % {"date": timezone.localtime(expires).strftime("%Y-%m-%d")},
            )
        return ""


# --- Open sessions ------------------------------------------------------------------------------------------

# Written into the session at sign-in: where from and with what (the security administrator's list).
SIGNED_IN_AT = "demandloop_signed_in_at"
SIGNED_IN_FROM = "demandloop_signed_in_from"
SIGNED_IN_WITH = "demandloop_signed_in_with"


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in`: note in the new session when, from where and with which browser; say when the account
    last signed in; past the policy's `max_sessions`, end the account's least recently used other sessions."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SIGNED_IN_AT] = time.time()
    request.session[LAST_SEEN] = time.time()
    request.session[SIGNED_IN_FROM] = client_address(request)[:64]
    request.session[SIGNED_IN_WITH] = str(request.headers.get("User-Agent", ""))[:300]
    _tell_the_last_sign_in(user, request)
    limit = policy_for(request).max_sessions
    if limit:
        _end_sessions_beyond(user, limit, request)


def _tell_the_last_sign_in(user: Any, request: HttpRequest) -> None:
    """Say when and from where the account last signed in before this time, so that a sign-in by somebody else
    is noticed by its owner. The audit trail's row of this sign-in is already written: its receiver
    (`core.audit`) was connected first, when this module imported it."""
    earlier = (
        AuditEvent.objects.filter(user=user, action=audit.LOGIN, success=True)
        .order_by("-at", "-pk")
        .values_list("at", "address")[1:2]
    )
    for at, address in earlier:
        messages.info(
            request,
            _(
                "Your last sign-in: %(at)s from %(address)s. If that was not you, change your password at once."
            )
            % {
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                "address": address or _("an unknown address"),
            },
            fail_silently=True,
        )


def _end_sessions_beyond(user: Any, limit: int, request: HttpRequest) -> None:
    """Keep the `limit - 1` most recently used other sessions of `user` beside the new one and end the rest
    (their rows deleted, as the security administrator's 强制下线 does); each ended browser is told why at its
    next request. Sessions already idle past the policy do not count: their next request ends them anyway.
    Audited once, with how many."""
    others = [
        key for key, opened in _sessions_of(User.objects.filter(pk=user.pk), request) if not opened.current
    ]
    ended = others[limit - 1 :]
    if not ended:
        return
    note = {"from": client_address(request)[:64]}
    cache.set_many(
        {ENDED_ELSEWHERE % _session_ref(key): note for key in ended}, timeout=settings.SESSION_COOKIE_AGE
    )
    SignedInSession.objects.filter(session_key__in=ended).delete()
    audit.record(
        SIGNED_IN_ELSEWHERE,
        user=user,
        obj=user,
        detail={"ended": len(ended), "limit": limit},
        request=request,
    )


@dataclass(frozen=True)
class OpenSession:
    """A signed-in session, named by a keyed hash of its key (the key itself never leaves the server)."""

    ref: str
    user: User
    signed_in_at: datetime | None
    last_seen: datetime | None
    address: str
    agent: str
    current: bool


def _session_ref(key: str) -> str:
    return salted_hmac("demandloop.session-ref", key).hexdigest()[:32]


def _moment(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if isinstance(epoch, int | float) else None


def open_sessions(by: Any, request: HttpRequest | None = None, *, who: str = "") -> list[OpenSession]:
    """The sessions still open (not expired, not idle past the policy) of the accounts `by` manages, the most
    recently active first; with `who`, only those of the accounts whose user name or full name contains it."""
    return [opened for _key, opened in _open_sessions(by, request, who=who)]


def _open_sessions(by: Any, request: HttpRequest | None, *, who: str = "") -> list[tuple[str, OpenSession]]:
    """`open_sessions` with each session's key, for the action that ends one (the key stays on the server)."""
    people = people_in_reach(by)
    who = who.strip()
    if who:
        people = people.filter(Q(username__icontains=who) | Q(full_name__icontains=who))
    return _sessions_of(people, request)


def _sessions_of(people: QuerySet[User], request: HttpRequest | None) -> list[tuple[str, OpenSession]]:
    """The open sessions of `people` with their keys, the most recently active first."""
    idle = timedelta(minutes=policy_for(request).idle_minutes)
    now = timezone.now()
    current = request.session.session_key if request is not None and hasattr(request, "session") else None
    rows = SignedInSession.objects.filter(expire_date__gt=now, user__in=people).select_related("user")
    result = []
    decoder = SessionStore()
    for row in rows.iterator(chunk_size=500):
        data = decoder.decode(row.session_data)
        last_seen = _moment(data.get(LAST_SEEN)) or _moment(data.get(SIGNED_IN_AT))
        if last_seen is not None and now - last_seen > idle:
            continue
        opened = OpenSession(
            ref=_session_ref(row.session_key),
            user=row.user,
            signed_in_at=_moment(data.get(SIGNED_IN_AT)),
            last_seen=last_seen,
            address=str(data.get(SIGNED_IN_FROM, "")),
            agent=str(data.get(SIGNED_IN_WITH, "")),
            current=row.session_key == current,
        )
        result.append((row.session_key, opened))
    far_past = datetime.min.replace(tzinfo=UTC)
    return sorted(result, key=lambda item: item[1].last_seen or far_past, reverse=True)


def own_sessions(request: HttpRequest) -> list[OpenSession]:
    """The signed-in person's own open sessions (their account security page), this one among them."""
    return [opened for _key, opened in _sessions_of(User.objects.filter(pk=request.user.pk), request)]


OTHER_SESSIONS = "others"


def do_end_own_sessions(request: HttpRequest, ref: str) -> int:
    """Sign out one of the person's other sessions (by its `ref`), or all of them (`OTHER_SESSIONS`): a phone
    lost, a shared computer left signed in. Never this session (that is signing out). Audited; how many ended."""
    found = _sessions_of(User.objects.filter(pk=request.user.pk), request)
    if ref == OTHER_SESSIONS:
        keys = [key for key, opened in found if not opened.current]
    else:
        keys = [key for key, opened in found if opened.ref == ref and not opened.current]
        if not keys:
            raise SecurityActionError(_("That session has ended already, or is not among yours."))
    if not keys:
        return 0
    with transaction.atomic():
        SignedInSession.objects.filter(session_key__in=keys, user=request.user).delete()
        audit.record(OWN_SESSIONS_ENDED, user=request.user, obj=request.user, detail={"ended": len(keys)})
    return len(keys)


# --- The security administrator ----------------------------------------------------------------------------


class SecurityActionError(ValueError):
    """A refused action of the security administrator, with the words the page shows."""


def reach(user: Any) -> set[int] | None:
    """The districts whose people `user` manages as security administrator; None: the whole deployment."""
    districts = set(
        Membership.objects.filter(user=user, is_active=True, role=R.SECADMIN).values_list(
            "district_id", flat=True
        )
    )
    return None if None in districts else districts


def may_edit_policy(user: Any) -> bool:
    """Only a deployment-wide security administrator sets the deployment's policy."""
    return reach(user) is None


def people_in_reach(user: Any) -> QuerySet[User]:
    """The accounts `user` may unlock or reset: all of them deployment-wide, else the people holding a role in
    its districts, never an administrator of the deployment."""
    districts = reach(user)
    people = User.objects.all()
    if districts is None:
        return people
    admins = Membership.objects.filter(Q(role__in=ADMIN_ROLES) | Q(district__isnull=True)).values("user_id")
    return (
        people.filter(memberships__district_id__in=districts, memberships__is_active=True)
        .exclude(pk__in=admins)
        .exclude(is_superuser=True)
        .distinct()
    )


def locks_in_reach(user: Any, request: HttpRequest | None = None) -> list[Lock]:
    """The counted failed sign-ins `user` may see, locked first, then the latest; each with its account.
    Names that match no account (guesses) are the deployment-wide administrator's only."""
    found = locks(request=request)
    accounts = {u.username: u for u in people_in_reach(user).filter(username__in=found)}
    whole = reach(user) is None
    rows = [
        replace(lock, user=accounts.get(name)) for name, lock in found.items() if whole or name in accounts
    ]
    return sorted(rows, key=lambda lock: (not lock.locked, -lock.last_at.timestamp()))


def must_change_in_reach(user: Any, policy: SecurityPolicy) -> QuerySet[User]:
    """Active accounts that must change their password at the next sign-in: reset, or expired under `policy`.
    An account without a password (an integration's, which calls the API with a token) has none to change."""
    people = (
        people_in_reach(user).filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )
    due = Q(must_change_password=True)
    if policy.max_age_days:
        limit = timezone.now() - timedelta(days=policy.max_age_days)
        due |= Q(password_changed_at__lt=limit) | Q(password_changed_at=None, date_joined__lt=limit)
    return people.filter(due).order_by("username")


def do_save_policy(by: Any, values: dict[str, Any], *, version: int) -> SecurityPolicy:
    """Save the policy's settings; refused if someone saved another version since `version` was read."""
    if not may_edit_policy(by):
        raise SecurityActionError(_("Only a security administrator of the whole deployment sets the policy."))
    with transaction.atomic():
        policy = SecurityPolicy.objects.select_for_update().filter(pk=SecurityPolicy.SINGLETON).first()
        if policy is None:
            policy = SecurityPolicy(pk=SecurityPolicy.SINGLETON)
        if policy.version != version:
            raise SecurityActionError(
                _("Someone saved version %(n)d of the policy meanwhile. Read it, then save again.")
                % {"n": policy.version}
            )
        before = {name: getattr(policy, name) for name in SecurityPolicy.SETTINGS}
        changes = {
            name: [before[name], values[name]]
            for name in SecurityPolicy.SETTINGS
            if values[name] != before[name]
        }
        if not changes:
            return policy
        for name in SecurityPolicy.SETTINGS:
            setattr(policy, name, values[name])
        policy.version += 1
        policy.updated_at = timezone.now()
        policy.updated_by = by
        policy.full_clean()
        policy.save()
        audit.record(
            POLICY_CHANGED,
            user=by,
            role=R.SECADMIN,
            obj=policy,
            detail={"version": policy.version, "changes": changes},
        )
    return policy


def do_unlock(by: Any, username: str, request: HttpRequest | None = None) -> int:
    """Forget the failed sign-ins of `username` (unlocks it); the number of axes rows removed.
    `by` None: the operator at the server's command line (`demandloop security unlock`), who reaches every
    account — the way back in when the only security administrator is locked out."""
    if by is None:
        reachable = set(locks(request=request))
    else:
        reachable = {lock.username for lock in locks_in_reach(by, request)}
    if username not in reachable:
        raise SecurityActionError(_("No failed sign-ins of %(name)s to clear.") % {"name": username})
    with transaction.atomic():
        removed = axes_reset(username=username)
        account = User.objects.filter(username=username).first()
        audit.record(
            UNLOCKED,
            user=by,
            role=R.SECADMIN if by is not None else audit.SYSTEM_ROLE,
            obj=account,
            detail={"username": username, "rows": removed, **({"via": "command"} if by is None else {})},
            request=request,
        )
    return removed


def do_end_session(by: Any, ref: str, request: HttpRequest | None = None) -> OpenSession:
    """Sign a session out (强制下线): its next request finds no session and goes to the sign-in page."""
    key, chosen = next(((k, s) for k, s in _open_sessions(by, request) if s.ref == ref), ("", None))
    if chosen is None:
        raise SecurityActionError(_("That session has ended already, or is not among yours."))
    if chosen.current:
        raise SecurityActionError(_("This is your own session: sign out instead."))
    with transaction.atomic():
        SignedInSession.objects.filter(session_key=key).delete()
        audit.record(
            SESSION_ENDED,
            user=by,
            role=R.SECADMIN,
            obj=chosen.user,
            detail={"username": chosen.user.username, "address": chosen.address},
            request=request,
        )
    return chosen


def do_require_change(by: Any, username: str, request: HttpRequest | None = None) -> User:
    """Make `username` choose a new password before anything else at its next request."""
    account = people_in_reach(by).filter(username=username.strip()).first()
    if account is None:
        raise SecurityActionError(_("There is no account %(name)s among yours.") % {"name": username.strip()})
    if not account.is_active:
        raise SecurityActionError(_("The account %(name)s is disabled.") % {"name": account.username})
    with transaction.atomic():
        User.objects.filter(pk=account.pk).update(must_change_password=True)
        account.must_change_password = True
        audit.record(
            CHANGE_REQUIRED, user=by, role=R.SECADMIN, obj=account, detail={"username": account.username}
        )
    return account

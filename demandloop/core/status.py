"""Is this deployment working? What an operator asks after a start, an upgrade or an alert (`demandloop status`).

Each check says what it found in the words of the operator's guide (docs/deploy.md) and, when something is wrong,
what to do. A failure is something people of the district would feel: deadlines not supervised, messages not
sent, the database behind the code. A warning is something to act on soon. Nothing here changes anything — not
even training a router that has not been trained yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

OK, WARN, FAIL = "ok", "warn", "fail"
# The sweep runs every minute and the outbox round every ten seconds (settings.DEMANDLOOP_PERIODIC_TASKS): a
# step or a message this late means that the periodic work is not running.
LATE_WARN = timedelta(minutes=5)
LATE_FAIL = timedelta(minutes=15)


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # OK, WARN or FAIL
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _minutes(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() // 60))


def _lateness(now: Any, oldest: Any) -> str | None:
    """WARN or FAIL for work due since `oldest` and still not done; None while it is on time."""
    if oldest is None or now - oldest < LATE_WARN:
        return None
    return FAIL if now - oldest >= LATE_FAIL else WARN


def check_database() -> Check:
    name = _("Database")
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150019
        engine = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        engine = f"SQLite {sqlite3.sqlite_version}"
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return Check(
            name,
            FAIL,
            _("%(engine)s: %(n)d migrations not applied; run `demandloop migrate`.")
            % {"engine": engine, "n": len(pending)},
        )
    return Check(name, OK, _("%(engine)s, every migration applied.") % {"engine": engine})


def check_broker() -> Check:
    name = _("Task queue")
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return Check(
            name, OK, _("No broker configured: `demandloop serve` runs the background tasks itself.")
        )
    import redis

    shown = url.rsplit("@", 1)[-1]  # never the password
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:
        return Check(
            name,
            FAIL,
            _("Redis at %(url)s does not answer (%(error)s): nothing is queued or sent until it does.")
            % {"url": shown, "error": error},
        )
    return Check(name, OK, _("Redis at %(url)s answers.") % {"url": shown})


def check_sweep(now: Any) -> Check:
    from demandloop.meetings.models import DeadlineWatch

    name = _("Deadline supervision")
    due = DeadlineWatch.objects.filter(next_at__lte=now).aggregate(oldest=Min("next_at"), n=Count("pk"))
    state = _lateness(now, due["oldest"])
    if state is None:
        return Check(name, OK, _("No reminder, supervision or escalation is behind."))
    message = _(
        "%(n)d reminders, supervisions or escalations are due and the oldest has waited %(minutes)d minutes: "
        "the periodic tasks (beat) or the workers are not running."
    ) % {"n": due["n"], "minutes": _minutes(now - due["oldest"])}
    return Check(name, state, message)


def check_outbox(now: Any) -> Check:
    from demandloop.integrations.choices import DeliveryStatusChoices as Status
    from demandloop.integrations.models import OutboxMessage

    name = _("Message delivery")
    waiting = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).aggregate(
        oldest=Min("next_attempt_at"), n=Count("pk")
    )
    state = _lateness(now, waiting["oldest"])
    if state is not None:
        message = _(
            "%(n)d messages are due and the oldest has waited %(minutes)d minutes: the workers are not sending."
        ) % {"n": waiting["n"], "minutes": _minutes(now - waiting["oldest"])}
        return Check(name, state, message)
    failed = OutboxMessage.objects.filter(status=Status.FAILED).count()
    if failed:
        return Check(
            name,
            WARN,
            _("%(n)d messages failed and are not tried again: the service office sees them at /deliveries/.")
            % {"n": failed},
        )
    return Check(name, OK, _("Every message due has been sent."))


def check_calendar(now: Any) -> Check:
    from demandloop.sla.services import get_calendar

    name = _("Working-day calendar")
    calendar = get_calendar()
    today = timezone.localdate(now)
    years = [today.year, today.year + 1]
    missing = [year for year in years if not calendar.is_published(year)]
    if today.year in missing:
        return Check(
            name,
            FAIL,
            _(
                "The holiday arrangement of %(year)d is not entered: every deadline counts Monday to Friday and "
                "is marked provisional. Import it with `demandloop calendar import FILE`, enter it at /admin/, "
                "or upgrade chinesecalendar."
            )
            % {"year": today.year},
        )
    if missing and today.month >= 11:
        return Check(
            name,
            WARN,
            _(
                "The holiday arrangement of %(year)d is not entered yet: deadlines that reach into it are "
                "provisional. The State Council publishes it about November; import it then with "
                "`demandloop calendar import FILE` or enter it at /admin/."
            )
            % {"year": missing[0]},
        )
    shown = [year for year in years if calendar.is_published(year)]
    return Check(
        name, OK, _("Holiday arrangements entered for %(years)s.") % {"years": "、".join(map(str, shown))}
    )


def check_routers() -> Check:
    from demandloop.org.models import District
    from demandloop.routing.models import RouterTraining
    from demandloop.routing.store import folder_in_use

    name = _("Routers")
    parts = []
    for district in District.objects.filter(is_active=True).order_by("code"):
        folder = folder_in_use(district.code)
        here = folder.name if folder is not None else ""
        latest = (
            RouterTraining.objects.filter(district=district, activated=True)
            .order_by("-trained_at", "-pk")
            .first()
        )
        if latest is not None and latest.folder != here:
            return Check(
                name,
                FAIL,
                _(
                    "%(district)s: the database says the router in use is %(folder)s, which this server does not "
                    "have: DEMANDLOOP_VAR_DIR must be shared by every server."
                )
                % {"district": district.name, "folder": latest.folder},
            )
        parts.append(
            f"{district.name} {here}"
            if here
            else _("%(district)s: trained at its first decision") % {"district": district.name}
        )
    return Check(name, OK, "；".join(parts) or _("No active district."))


def check_tokens(now: Any) -> Check:
    from demandloop.org.models import ApiToken
    from demandloop.org.tokens import NOTICE_DAYS, expiring

    name = _("API tokens")
    soon = list(expiring(now).select_related("user").order_by("expiry")[:5])
    if soon:
        named = "；".join(
            _("%(purpose)s (%(name)s) on %(date)s")
            % {
                "purpose": token.name,
                "name": token.user.username,
                "date": timezone.localtime(token.expiry).strftime("%Y-%m-%d"),
            }
            for token in soon
        )
        return Check(
            name,
            WARN,
            _(
                "Tokens expire soon: %(tokens)s. Issue a new one (`demandloop security token`), hand it to the "
                "integration, then revoke the old one at /security/."
            )
            % {"tokens": named},
        )
    count = ApiToken.objects.filter(Q(expiry=None) | Q(expiry__gt=now)).count()
    if not count:
        return Check(name, OK, _("No API token is in force."))
    return Check(
        name,
        OK,
        _("%(n)d API tokens in force, none expiring within %(days)d days.")
        % {"n": count, "days": max(NOTICE_DAYS)},
    )


CHECKS: tuple[Callable[..., Check], ...] = (check_database, check_broker)
CHECKS_ON_DATA: tuple[Callable[..., Check], ...] = (check_sweep, check_outbox, check_calendar, check_tokens)


def _safely(check: Callable[..., Check], *args: Any) -> Check:
    try:
        return check(*args)
    except DatabaseError as error:
        return Check(_("Database"), FAIL, _("The database does not answer: %(error)s") % {"error": error})


def run_checks() -> list[Check]:
    """Every check, in order; the checks of the data only when the database is up to date."""
    checks = [_safely(check) for check in CHECKS]
    if checks[0].state == FAIL:
        return checks
    now = timezone.now()
    checks += [_safely(check, now) for check in CHECKS_ON_DATA]
    checks.append(_safely(check_routers))
    return checks

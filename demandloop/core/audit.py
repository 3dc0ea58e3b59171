"""The audit trail: who did what, in which role, on which object, from which address, and whether it worked —
and, for an integration, with which API token.

Every action function calls `record` inside its own transaction, so an action and its audit row commit or vanish
together. Sign-ins, sign-outs and failed sign-ins arrive through Django's auth signals (connected in
`CoreConfig.ready`); refusals (403) through `record_refusal`, called by the API exception handler and by views.

Rows are append-only (see `AuditEvent`); `build` returns an unsaved row for callers that insert in bulk
(the demo data generator).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from demandloop.core.middleware import client_address, current_request
from demandloop.core.models import AuditEvent

logger = logging.getLogger(__name__)

SYSTEM_ROLE = "system"

# Action names outside the demand lifecycle.
LOGIN = "auth.login"
LOGOUT = "auth.logout"
LOGIN_FAILED = "auth.login_failed"
ACCESS_REFUSED = "access.refused"


def object_type_of(obj: Any) -> str:
    """`app_label.model` of a model instance, the key the auditor filters by."""
    meta = getattr(obj, "_meta", None)
    return f"{meta.app_label}.{meta.model_name}" if meta is not None else ""


def build(
    action: str,
    *,
    user: Any = None,
    role: str = "",
    obj: Any = None,
    district_id: int | None = None,
    success: bool = True,
    message: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    at: datetime | None = None,
    username: str = "",
) -> AuditEvent:
    """An unsaved audit row; `record` saves one, bulk writers save many."""
    request = request if request is not None else current_request()
    real_user = user if getattr(user, "is_authenticated", False) else None
    # Done by an integration with an API token (DRF sets `auth` on the request): which token, by its first
    # characters, as an account may hold several (one per system).
    token_key = getattr(getattr(request, "auth", None), "token_key", None)
    if token_key:
        detail = {**(detail or {}), "api_token": token_key}
    if district_id is None and obj is not None:
        district_id = getattr(obj, "district_id", None)
    return AuditEvent(
        at=at or timezone.now(),
        user=real_user,
        username=(username or getattr(real_user, "username", ""))[:150],
        role=role,
        district_id=district_id,
        action=action,
        object_type=object_type_of(obj),
        object_id="" if obj is None or obj.pk is None else str(obj.pk),
        object_repr=str(obj)[:200] if obj is not None else "",
        address=client_address(request)[:64],
        success=success,
        message=str(message)[:500],
        detail=detail or {},
    )


def record(action: str, **kwargs: Any) -> AuditEvent:
    """Write one audit row now, in the caller's transaction (see `build` for the arguments)."""
    row = build(action, **kwargs)
    row.save(force_insert=True)
    return row


def record_failure(action: str, **kwargs: Any) -> None:
    """Record a refused or failed attempt in its own transaction.

    Called after the attempt's transaction rolled back; a failure to audit a failure is logged, never raised,
    so the caller still sees the original error.
    """
    try:
        with transaction.atomic():
            record(action, success=False, **kwargs)
    except DatabaseError:
        logger.exception("could not record the failed attempt %s", action)


def record_refusal(request: HttpRequest | None, what: str, *, obj: Any = None, message: str = "") -> None:
    """Record that a signed-in user was refused something (a 403): `what` names the route or action."""
    user = getattr(request, "user", None)
    record_failure(
        ACCESS_REFUSED, user=user, obj=obj, message=message, detail={"what": what}, request=request
    )


@receiver(user_logged_in, dispatch_uid="demandloop.audit.login")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="demandloop.audit.logout")
def _on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # `user` is None when the session had already expired.
    if user is not None:
        record(LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="demandloop.audit.login_failed")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password by asterisks; keep only the name that was tried.
    tried = str(credentials.get("username", ""))[:150]
    record_failure(LOGIN_FAILED, request=request, username=tried)


# --- Append-only tables -------------------------------------------------------------------------------------
# Migrations call these for the audit trail and for demand events. On PostgreSQL a row trigger refuses UPDATE
# and DELETE (TRUNCATE, which only an administrator or a test run issues, stays possible). On SQLite only UPDATE
# is refused: Django empties test databases with DELETE, and SQLite has no TRUNCATE to tell the two apart.

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION demandloop_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def install_append_only(schema_editor: Any, table: str) -> None:
    """Make the database refuse changes to the rows of `table` (see above for each database)."""
    vendor = schema_editor.connection.vendor
    quoted = schema_editor.quote_name(table)
    trigger = schema_editor.quote_name(f"{table}_append_only")
    if vendor == "postgresql":
        # No parameters: the function body uses % placeholders of its own (RAISE), not psycopg ones.
        schema_editor.execute(_PG_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {quoted} "
            "FOR EACH ROW EXECUTE FUNCTION demandloop_refuse_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {quoted} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END"
        )


def remove_append_only(schema_editor: Any, table: str) -> None:
    vendor = schema_editor.connection.vendor
    quoted = schema_editor.quote_name(table)
    trigger = schema_editor.quote_name(f"{table}_append_only")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {quoted}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")

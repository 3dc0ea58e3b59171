"""API plumbing shared by every app: the exception handler that keeps every error a Chinese 4xx, the actions'
refusals (`DemandActionError`) included; the field every request body names an object's id with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from demandloop.lib.lookups import ID_LIMIT


class IdField(serializers.IntegerField):
    """The id of an object in a request's body: a whole number a 64-bit key column holds. Anything else is a 400
    naming the field — not a database error (SQLite cannot even bind a larger number) or a silent miss."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_LIMIT - 1)
        super().__init__(**kwargs)


def changes_of(request: Any, current: dict[str, Any]) -> dict[str, Any]:
    """A partial update's fields over the object's `current` values. The body must be a JSON object: an array or
    a bare value is a 400, not a failed merge."""
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError({"detail": [_("The body must be a JSON object.")]})
    return {**current, **request.data}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from demandloop.demands.errors import DemandActionError

    if isinstance(exc, DemandActionError):
        # An action refused (400 naming the field, 403, 404, 409): the action already rolled its transaction
        # back and audited the attempt; the body is its message in the user's language.
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("You do not have permission to perform this action."))
    if isinstance(exc, exceptions.PermissionDenied):
        # A signed-in user refused: part of the audit trail (issue 3, item 5).
        from demandloop.core.audit import record_refusal

        request = context.get("request")
        record_refusal(request, getattr(request, "path", ""), message=str(exc.detail))
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data = {"detail": _("This request method is not supported.")}
    return response

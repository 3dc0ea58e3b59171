"""API plumbing shared by every app: the exception handler that keeps every error a Chinese 4xx."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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

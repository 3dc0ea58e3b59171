"""Validators of the ledger's fields, with the words a clerk reads (the checks themselves are in `lib`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from demandloop.lib.uscc import USCC_LENGTH, UsccProblem, normalize_uscc, uscc_problem

USCC_MESSAGES: dict[UsccProblem, Promise] = {
    UsccProblem.EMPTY: _("The unified social credit code is required."),
    UsccProblem.LOWER_CASE: _("The unified social credit code must be written in capital letters."),
    UsccProblem.LENGTH: _(
        "The unified social credit code must have %(expected)d characters; this one has %(actual)d."
    ),
    UsccProblem.FORMAT: _(
        "The unified social credit code may contain only digits and capital letters other than I, O, Z, S "
        "and V, and its first eight characters are digits."
    ),
    UsccProblem.CHECKSUM: _(
        "The check character (the last one) of the unified social credit code is wrong: "
        "please check the code against the business licence."
    ),
}


def uscc_error_message(value: str) -> str | None:
    """The clerk's message for `value`, or None when it is a valid code."""
    problem = uscc_problem(value)
    if problem is None:
        return None
    return str(USCC_MESSAGES[problem]) % {"expected": USCC_LENGTH, "actual": len(normalize_uscc(value))}


def validate_uscc(value: str) -> None:
    """Model and form validator of `Enterprise.uscc`."""
    message = uscc_error_message(value)
    if message is not None:
        raise ValidationError(message, code="invalid_uscc")

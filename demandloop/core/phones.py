"""The platform's phone-number validators, in the words a clerk reads (the rules: `demandloop.lib.phones`).

- `validate_phone`: a contact's number — mobile, landline (with area code and extension), local or 400/800;
- `validate_department_phone`: the same, or a short service number such as 12345;
- `validate_contact_phone`: a demand's contact number, which may also arrive masked ("138****1234") as the
  12345 hotline gives it;
- `validate_mobile`: an account's mobile number, to which text messages go: a mobile number and nothing else.
Each accepts the empty string: whether a number is required is the field's own decision.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from demandloop.lib.phones import is_mobile, phone_kind

PHONE_MESSAGE = _(
    "Enter a phone number: a mobile number of 11 digits (e.g. 13812345678) or a landline with its area code "
    "(e.g. 022-28395678, an extension after it)."
)
MOBILE_MESSAGE = _("Enter a mobile number of 11 digits, e.g. 13812345678: text messages are sent to it.")


def validate_phone(value: str) -> None:
    if value and phone_kind(value) is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


def validate_department_phone(value: str) -> None:
    if value and phone_kind(value, short_ok=True) is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


def validate_contact_phone(value: str) -> None:
    if value and phone_kind(value, masked_ok=True) is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


def validate_mobile(value: str) -> None:
    if value and not is_mobile(value):
        raise ValidationError(MOBILE_MESSAGE, code="invalid_mobile")

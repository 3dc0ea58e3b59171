"""Phone numbers as people write them in China: pure checks on top of phonenumbers (Google's libphonenumber).

The functions here say what a string is; the words a clerk reads are chosen by the caller
(`demandloop.core.phones`), so this module stays free of Django and of translations.

What counts as a phone number (decisions):
- a mobile number (11 digits, of a range the numbering plan has opened), optionally after +86 / 0086 / 86;
- a landline with its area code ("022-28395678", "02228395678", "(022) 2839 5678");
- a local number without area code, 7 or 8 digits starting with 2-9 ("28395678"): a district's clerks write
  their own city's numbers so, and the platform serves one city;
- a national service number of 400 / 800;
- each of these followed by an extension ("-801", "转801", "分机 801", "ext. 801", "#801");
- only where asked (`short_ok`): a short service number such as 12345 or 95598 (a department's hotline);
- only where asked (`masked_ok`): a number with its middle digits masked, "138****1234", as the 12345 hotline
  exports its callers' numbers.
Full-width digits and brackets (from a Chinese input method) are read as their ASCII forms. Letters, two numbers
in one field ("138…/022…") and partial numbers are refused.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberType, shortnumberinfo

from demandloop.lib.masking import MASK

# An extension after the number: "-801", " 转 801", "分机801", "ext.801", "x801", "#801". Stricter than
# `lib.masking`'s, which also reads ",801" as one so as to hide whatever is typed: a comma here more often
# separates two numbers, and this module checks what may be saved.
_EXTENSION = re.compile(r"(?:\s*(?:转|分机|ext\.?|x|#)\s*|\s*-\s*)(\d{1,6})\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-()]")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_SHORT = re.compile(r"\d{3,6}")
# A masked number: the digits kept at both ends, one mask per hidden digit (`lib.masking.mask_phone`).
_MASKED = re.compile(rf"(?:\+?86)?\d{{2,4}}{re.escape(MASK)}{{3,6}}\d{{2,4}}")
_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.TOLL_FREE: "service",
    PhoneNumberType.SHARED_COST: "service",
    PhoneNumberType.UAN: "service",
}


def normalize_phone(value: str) -> str:
    """Full-width characters read as ASCII, surrounding blanks dropped; the rest stays as written."""
    return unicodedata.normalize("NFKC", value).strip()


def phone_kind(value: str, *, short_ok: bool = False, masked_ok: bool = False) -> str | None:
    """ "mobile", "landline", "local", "service", "short" or "masked" for a phone number written in `value`
    (see the module's rules), None for anything else, the empty string included."""
    text = normalize_phone(value)
    if not text:
        return None
    compact = _SEPARATORS.sub("", text)
    if masked_ok and _MASKED.fullmatch(compact):
        return "masked"
    if short_ok and _SHORT.fullmatch(compact):
        return "short" if _is_short_number(compact) else None
    number = text
    extension = _EXTENSION.search(text)
    if extension is not None and _kind_of(text[: extension.start()]) is not None:
        number = text[: extension.start()]
    if _LOCAL.fullmatch(_SEPARATORS.sub("", number)):
        return "local"
    return _kind_of(number)


def is_mobile(value: str) -> bool:
    """Whether `value` is a mobile number a text message can be sent to (no extension, nothing masked)."""
    text = normalize_phone(value)
    return _EXTENSION.search(text) is None and _kind_of(text) == "mobile"


def _kind_of(text: str) -> str | None:
    if any(char.isalpha() for char in text):
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or number.extension or not phonenumbers.is_valid_number(number):
        return None
    return _KINDS.get(phonenumbers.number_type(number))


def _is_short_number(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    return bool(shortnumberinfo.is_valid_short_number_for_region(number, "CN"))

"""Masking of contacts' personal data (names and phone numbers) for roles that must not read it.

Pure functions: who sees what is decided in `demandloop.enterprises.privacy`; this module only hides
characters.

Rules (the common practice of Chinese government and bank displays, "138****1234", "张**"):

Phone numbers. Only digits are hidden, one `*` per digit, so separators and the length stay as typed and a
clerk still recognises the kind of number. What stays readable:
- a mobile number (11 digits starting with 1, optionally after +86 / 0086 / 86): the first 3 and the last 4
  digits — "13812341234" → "138****1234";
- a landline with its area code (0 + 2 or 3 digits; 010 and 02x are the 3-digit ones): the area code and the
  last 4 digits of the local number — "022-28395678" → "022-****5678", "057188886666" → "0571****6666";
  an extension written after the number ("-801", "转801", "ext 801") stays readable: without the masked
  number it reaches no one;
- a local number without area code (7 or 8 digits, starting with 2-9): the last 4 — "28395678" → "****5678";
- anything else (short numbers, partial numbers): at most a third of the digits, from the end, never more
  than 4 — "12345" → "****5", "110" → "**0".
A value without any digit is hidden whole (it is not a phone number, so nothing in it is known to be
harmless).

Names. The first character stays, every other character becomes `*`, separators (space, the middle dot of
transliterated names, hyphen, full stop) stay: "张三丰" → "张**", "欧阳娜娜" → "欧***" (no list of compound
surnames: the shorter reveal is the safer one), "阿依古丽·买买提" → "阿***·***", "John Smith" → "J*** *****".
A single character is hidden whole: "张" → "*".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "*"

_NAME_SEPARATORS = frozenset(" \u3000·・•‧-.")
# An extension after the number: "-801", " 转 801", "ext.801", "分机801", "#801", ",801".
_EXTENSION = re.compile(r"(?:\s*(?:转|分机|ext\.?|x|#|,|，)\s*|\s*-\s*)(\d{1,5})\s*$", re.IGNORECASE)
_COUNTRY_PREFIXES = ("+86", "0086", "86")
_MOBILE_LENGTH = 11
# Local numbers have 7 or 8 digits; area codes 3 (010, 020-029) or 4 (0311 …).
_LOCAL_LENGTHS = (7, 8)
# Local numbers start with 2-9: 0 opens an area code, 1 a mobile or a service number.
_LOCAL_FIRST_DIGITS = "23456789"


def _hide_digits(value: str, keep: Iterable[int]) -> str:
    """Replace every digit of `value` by MASK except the digits whose ordinal (among digits) is in `keep`."""
    kept = set(keep)
    out: list[str] = []
    ordinal = 0
    for char in value:
        if char.isdigit():
            out.append(char if ordinal in kept else MASK)
            ordinal += 1
        else:
            out.append(char)
    return "".join(out)


def _landline_area_code_length(digits: str) -> int | None:
    """The length of the area code if `digits` is a whole landline number (area code + 7 or 8 digits)."""
    if len(digits) < 3 or digits[0] != "0" or digits[1] == "0":
        return None
    area = 3 if digits[1] in "12" else 4
    return area if len(digits) - area in _LOCAL_LENGTHS else None


def _kept_digits(digits: str) -> range | list[int]:
    """Ordinals of the digits that may stay readable in a number made of `digits`."""
    count = len(digits)
    if count == _MOBILE_LENGTH and digits[0] == "1":
        return [0, 1, 2, *range(count - 4, count)]
    area = _landline_area_code_length(digits)
    if area is not None:
        return [*range(area), *range(count - 4, count)]
    if count in _LOCAL_LENGTHS and digits[0] in _LOCAL_FIRST_DIGITS:
        return range(count - 4, count)
    return range(count - min(4, count // 3), count)


def _is_complete_number(digits: str) -> bool:
    if len(digits) == _MOBILE_LENGTH and digits[0] == "1":
        return True
    if _landline_area_code_length(digits) is not None:
        return True
    return len(digits) in _LOCAL_LENGTHS and digits[0] in _LOCAL_FIRST_DIGITS


def mask_phone(value: str) -> str:
    """The phone number `value` with the digits that identify a person hidden (see the module's rules)."""
    text = value.strip()
    if not text:
        return ""
    if not any(char.isdigit() for char in text):
        return MASK * len(text)
    prefix = ""
    for country in _COUNTRY_PREFIXES:
        rest = text[len(country) :].lstrip(" -")
        rest_digits = "".join(char for char in rest if char.isdigit())
        if text.startswith(country) and len(rest_digits) == _MOBILE_LENGTH and rest_digits[0] == "1":
            prefix, text = text[: len(text) - len(rest)], rest
            break
    extension = ""
    match = _EXTENSION.search(text)
    # Only a group after a complete number is an extension: "0571-8888-6666" and "138-1234-1234" end in a
    # group of the number itself.
    if (
        match is not None
        and not _is_complete_number("".join(char for char in text if char.isdigit()))
        and _is_complete_number("".join(char for char in text[: match.start()] if char.isdigit()))
    ):
        text, extension = text[: match.start()], text[match.start() :]
    digits = "".join(char for char in text if char.isdigit())
    return prefix + _hide_digits(text, _kept_digits(digits)) + extension


def mask_name(value: str) -> str:
    """The person's name `value` with all but its first character hidden (see the module's rules)."""
    text = value.strip()
    if len(text) <= 1:
        return MASK * len(text)
    return text[0] + "".join(char if char in _NAME_SEPARATORS else MASK for char in text[1:])

"""统一社会信用代码 (GB 32100-2015): pure checks on top of python-stdnum.

The functions here name the problem with a code; the words a clerk reads are chosen by the caller
(`demandloop.enterprises.validators`), so this module stays free of Django and of translations.

Decisions:
- Spaces and hyphens between groups are separators, as in python-stdnum's own cases ("91 110000 600037341L"):
  they are tolerated and dropped by `normalize_uscc`.
- Lower case is refused. stdnum's `compact()` upper-cases, which would silently accept "…44xp"; the code is
  printed in upper case on every licence, so a lower-case letter means it was typed from memory or mangled.
"""

from __future__ import annotations

import enum

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError

USCC_LENGTH = 18
# Separators a code may be written with; they carry no meaning.
_SEPARATORS = str.maketrans("", "", " -\t\u3000")


class UsccProblem(enum.Enum):
    """Why a string is not a valid 统一社会信用代码."""

    EMPTY = "empty"
    LOWER_CASE = "lower_case"
    LENGTH = "length"
    # A character outside 0-9 and A-Z without I, O, Z, S, V, or letters in the first eight places.
    FORMAT = "format"
    CHECKSUM = "checksum"


def normalize_uscc(value: str) -> str:
    """Drop separators and surrounding blanks; keep the case, so that lower case can still be refused."""
    return value.translate(_SEPARATORS).strip()


def uscc_problem(value: str) -> UsccProblem | None:
    """None when `value` (separators allowed) is a valid code, else what is wrong with it."""
    code = normalize_uscc(value)
    if not code:
        return UsccProblem.EMPTY
    if len(code) != USCC_LENGTH:
        return UsccProblem.LENGTH
    if code != code.upper():
        return UsccProblem.LOWER_CASE
    try:
        stdnum_uscc.validate(code)
    except InvalidLength:
        return UsccProblem.LENGTH
    except InvalidChecksum:
        return UsccProblem.CHECKSUM
    except StdnumValidationError:
        # InvalidFormat, and InvalidComponent should stdnum ever raise it for a region code.
        return UsccProblem.FORMAT
    return None


def is_valid_uscc(value: str) -> bool:
    return uscc_problem(value) is None


def check_character(code: str) -> str:
    """The check character (18th) of the first 17 characters of a code, per GB 32100-2015 §4.3."""
    return str(stdnum_uscc.calc_check_digit(code[: USCC_LENGTH - 1]))

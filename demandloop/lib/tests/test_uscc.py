"""统一社会信用代码 checks against python-stdnum's own cases and 2,016 real enterprises (read in place)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from demandloop.lib.uscc import UsccProblem, check_character, is_valid_uscc, normalize_uscc, uscc_problem

DATA = Path("/work/shared/data/uscc")
STDNUM_CASES = DATA / "stdnum_cases.csv"
SAMPLE = DATA / "enterprises_sample.csv"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the shared USCC data set is not on this machine ({DATA})"
)

# stdnum's exception names, and the problem this module reports for each.
STDNUM_ERRORS = {
    "InvalidLength": UsccProblem.LENGTH,
    "InvalidFormat": UsccProblem.FORMAT,
    "InvalidChecksum": UsccProblem.CHECKSUM,
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@needs_data
def test_it_agrees_with_every_stdnum_case() -> None:
    rows = _rows(STDNUM_CASES)
    assert len(rows) == 206
    for row in rows:
        problem = uscc_problem(row["input"])
        if row["expected_valid"] == "true":
            assert problem is None, row
            assert normalize_uscc(row["input"]) == row["normalized"], row
        else:
            assert problem is STDNUM_ERRORS[row["expected_error"]], row


@needs_data
def test_it_agrees_with_the_checksum_column_of_real_enterprises() -> None:
    rows = _rows(SAMPLE)
    assert len(rows) == 2016
    disagreements = [
        row["uscc"] for row in rows if is_valid_uscc(row["uscc"]) != (row["checksum_valid"] == "true")
    ]
    assert disagreements == []
    # The sample holds both kinds, so the agreement above is not trivially one-sided.
    assert sum(row["checksum_valid"] == "false" for row in rows) == 26


@needs_data
def test_it_refuses_the_old_15_digit_registration_numbers_of_the_sample() -> None:
    old = [row["uscc"] for row in _rows(SAMPLE) if len(row["uscc"]) == 15]
    assert old
    assert {uscc_problem(number) for number in old} == {UsccProblem.LENGTH}


def test_it_accepts_a_valid_code() -> None:
    assert uscc_problem("91110000600037341L") is None
    assert is_valid_uscc("9131010613220905XT")


def test_it_tolerates_spaces_and_hyphens_between_groups() -> None:
    assert uscc_problem("91 110000 600037341L") is None
    assert uscc_problem("91-110000-600037341L") is None
    assert uscc_problem("  91110000600037341L\t") is None
    assert normalize_uscc(" 91 110000-600037341L ") == "91110000600037341L"


def test_it_refuses_lower_case_although_stdnum_would_upper_case_it() -> None:
    assert uscc_problem("9137068716530044xP") is UsccProblem.LOWER_CASE
    assert uscc_problem("91110000600037341l") is UsccProblem.LOWER_CASE
    # The same code in capitals is still judged on its own merits.
    assert uscc_problem("91110000600037341L") is None


def test_it_refuses_a_wrong_check_character() -> None:
    assert uscc_problem("91110000600037341M") is UsccProblem.CHECKSUM
    assert uscc_problem("91510100201920161Y") is UsccProblem.CHECKSUM


@pytest.mark.parametrize("value", ["", "   ", "--"])
def test_it_calls_an_empty_code_empty(value: str) -> None:
    assert uscc_problem(value) is UsccProblem.EMPTY


@pytest.mark.parametrize("value", ["12345", "91110000600037341", "91110000600037341LL", "320204000004468"])
def test_it_refuses_a_wrong_length(value: str) -> None:
    assert uscc_problem(value) is UsccProblem.LENGTH


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_it_refuses_the_forbidden_letters(letter: str) -> None:
    # In the organisation code and as the check character: the letter is the reason, not the checksum.
    valid = "91110000600037341L"
    assert uscc_problem(valid[:10] + letter + valid[11:]) is UsccProblem.FORMAT
    assert uscc_problem(valid[:17] + letter) is UsccProblem.FORMAT


def test_it_refuses_letters_in_the_first_eight_characters() -> None:
    assert uscc_problem("A1110000600037341L") is UsccProblem.FORMAT


def test_it_refuses_punctuation_that_is_not_a_separator() -> None:
    assert uscc_problem("91110000600037341/") is UsccProblem.FORMAT


def test_it_computes_the_check_character_of_gb_32100() -> None:
    assert check_character("91110000600037341") == "L"
    assert check_character("9131010613220905X") == "T"
    # Any valid body with its computed character is valid: the two functions agree.
    body = "91120223MA05N4GX1"
    assert is_valid_uscc(body + check_character(body))

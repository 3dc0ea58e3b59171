"""Phone numbers as people write them (the rules are in `demandloop.lib.phones`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandloop.lib.phones import is_mobile, normalize_phone, phone_kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("13812345678", "mobile"),
        ("138 1234 5678", "mobile"),
        ("+86 138 1234 5678", "mobile"),
        ("86-13812345678", "mobile"),
        ("19912345678", "mobile"),
        ("022-28395678", "landline"),
        ("02228395678", "landline"),
        ("(022) 2839 5678", "landline"),
        ("０２２－２８３９５６７８", "landline"),
        ("0571-88886666", "landline"),
        ("010-12345678", "landline"),
        ("022-28395678-801", "landline"),
        ("022-28395678转801", "landline"),
        ("022-28395678 分机 801", "landline"),
        ("022-28395678 ext. 801", "landline"),
        ("28395678", "local"),
        ("2839567", "local"),
        ("400-810-8888", "service"),
    ],
)
def test_it_knows_the_numbers_clerks_write(value: str, kind: str) -> None:
    assert phone_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "",
        "没有",
        "abc",
        "1381234567",  # a digit short
        "138123456789",  # a digit too many
        "11111111111",  # no such mobile range
        "0221234",  # an area code and too few digits
        "023-1234567",
        "12345",  # a short number, only where asked
        "138****1234",  # masked, only where asked
        "13812345678/02228395678",  # two numbers in one field
        "13812345678 或 02228395678",
        "tel:13812345678",
    ],
)
def test_it_refuses_what_is_not_a_phone_number(value: str) -> None:
    assert phone_kind(value) is None


def test_short_and_masked_numbers_only_where_asked() -> None:
    assert phone_kind("12345", short_ok=True) == "short"
    assert phone_kind("95598", short_ok=True) == "short"
    assert phone_kind("99999", short_ok=True) is None
    assert phone_kind("138****1234", masked_ok=True) == "masked"
    assert phone_kind("022-****5678", masked_ok=True) == "masked"
    assert phone_kind("****", masked_ok=True) is None
    assert phone_kind("13812345678", short_ok=True, masked_ok=True) == "mobile"


def test_a_text_message_goes_to_a_mobile_number_only() -> None:
    assert is_mobile("13812345678") and is_mobile("+86 138 1234 5678")
    assert not is_mobile("022-28395678") and not is_mobile("13812345678-1") and not is_mobile("138****1234")
    assert not is_mobile("")


def test_full_width_digits_read_as_ascii() -> None:
    assert normalize_phone(" １３８１２３４５６７８ ") == "13812345678"


@given(st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_any_text_gets_an_answer_never_an_exception(value: str) -> None:
    # A form or the API hands whatever was typed to these: they answer, they do not raise.
    assert phone_kind(value, short_ok=True, masked_ok=True) in {
        None,
        "mobile",
        "landline",
        "local",
        "service",
        "short",
        "masked",
    }
    assert is_mobile(value) in {True, False}
    assert isinstance(normalize_phone(value), str)


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_every_mobile_range_is_a_mobile_or_refused_never_an_error(value: str) -> None:
    assert phone_kind(value) in {"mobile", None}

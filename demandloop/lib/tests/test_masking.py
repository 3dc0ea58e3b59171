"""Masking of names and phone numbers (the rules are in the module's docstring)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandloop.lib.masking import MASK, mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138 **** 1234"),
        ("138-1234-1234", "138-****-1234"),
        ("+86 138 1234 1234", "+86 138 **** 1234"),
        ("+8613812341234", "+86138****1234"),
        ("8613812341234", "86138****1234"),
        ("0086-13812341234", "0086-138****1234"),
        ("13812341234转801", "138****1234转801"),
    ],
)
def test_it_keeps_the_first_three_and_last_four_digits_of_a_mobile(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("022-28395678", "022-****5678"),
        ("02228395678", "022****5678"),
        ("(022)28395678", "(022)****5678"),
        ("010-12345678", "010-****5678"),
        ("0571-88886666", "0571-****6666"),
        ("057188886666", "0571****6666"),
        ("0571-8888-6666", "0571-****-6666"),
        ("0311-6543210", "0311-***3210"),
    ],
)
def test_it_keeps_the_area_code_and_last_four_digits_of_a_landline(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("022-28395678-801", "022-****5678-801"),
        ("022-28395678 转 801", "022-****5678 转 801"),
        ("022-28395678 ext.801", "022-****5678 ext.801"),
        ("022-28395678分机12", "022-****5678分机12"),
        ("28395678-801", "****5678-801"),
    ],
)
def test_it_leaves_an_extension_after_a_complete_number_readable(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_it_treats_six_digits_after_a_number_as_part_of_it_not_as_an_extension() -> None:
    assert mask_phone("2000000-000000") == "*******-**0000"


def test_it_keeps_the_last_four_digits_of_a_local_number() -> None:
    assert mask_phone("28395678") == "****5678"
    assert mask_phone("6543210") == "***3210"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("12345", "****5"),
        ("110", "**0"),
        ("95588", "****8"),
        ("12", "**"),
        ("1", "*"),
        ("1381234", "*****34"),
    ],
)
def test_it_reveals_at_most_a_third_of_a_short_or_partial_number(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_it_returns_nothing_for_an_empty_phone() -> None:
    assert mask_phone("") == ""
    assert mask_phone("   ") == ""


def test_it_hides_a_value_without_digits_whole() -> None:
    assert mask_phone("无") == "*"
    assert mask_phone("zhang@example.com") == MASK * len("zhang@example.com")


@given(st.text(alphabet="0123456789 -+()", max_size=24).filter(lambda s: any(c.isdigit() for c in s)))
def test_it_never_changes_anything_but_digits_and_never_reveals_most_of_a_long_number(phone: str) -> None:
    masked = mask_phone(phone)
    stripped = phone.strip()
    assert len(masked) == len(stripped)
    for original, shown in zip(stripped, masked, strict=True):
        assert shown == original or (original.isdigit() and shown == MASK)
    digits = sum(char.isdigit() for char in stripped)
    revealed = sum(char.isdigit() for char in masked)
    if digits >= 7:
        # A whole number always keeps at least three of its digits hidden (a 7-digit local number: three).
        assert digits - revealed >= 3


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_it_hides_exactly_the_middle_four_digits_of_any_mobile(phone: str) -> None:
    assert mask_phone(phone) == phone[:3] + MASK * 4 + phone[7:]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        ("Mary-Jane", "M***-****"),
        (" 李四 ", "李*"),
        ("张经理", "张**"),
    ],
)
def test_it_keeps_only_the_first_character_of_a_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_it_hides_a_one_character_name_whole() -> None:
    assert mask_name("张") == "*"


def test_it_returns_nothing_for_an_empty_name() -> None:
    assert mask_name("") == ""
    assert mask_name("  ") == ""


@given(st.text(min_size=2, max_size=12).map(str.strip).filter(lambda s: len(s) >= 2))
def test_it_reveals_no_character_of_a_name_but_the_first_and_separators(name: str) -> None:
    masked = mask_name(name)
    assert masked[0] == name[0]
    assert len(masked) == len(name)
    assert all(shown in (MASK, original) for original, shown in zip(name[1:], masked[1:], strict=True))
    assert all(
        shown == MASK or original in " \u3000·・•‧-."
        for original, shown in zip(name[1:], masked[1:], strict=True)
    )

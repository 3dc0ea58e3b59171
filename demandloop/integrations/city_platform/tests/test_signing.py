"""The signature as the city and the district compute it: the same bytes, the same key, the same window."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from demandloop.integrations.city_platform.signing import SignatureRejected, signed_headers, verify


@pytest.fixture
def configured(settings: Any) -> None:
    settings.DEMANDLOOP_CITY_PLATFORM_URL = "http://127.0.0.1:9/"
    settings.DEMANDLOOP_CITY_PLATFORM_APP_ID = "jinghai"
    settings.DEMANDLOOP_CITY_PLATFORM_SECRET = "k"
    settings.DEMANDLOOP_CITY_PLATFORM_TIME_WINDOW = 300


def test_it_signs_app_id_timestamp_key_and_body(configured: None) -> None:
    headers = signed_headers("key-1", b'{"a":1}', timestamp=1_790_000_000)
    expected = hmac.new(b"k", b'jinghai\n1790000000\nkey-1\n{"a":1}', hashlib.sha256).hexdigest()
    assert headers == {
        "X-City-App-Id": "jinghai",
        "X-City-Timestamp": "1790000000",
        "Idempotency-Key": "key-1",
        "X-City-Signature": expected,
    }
    assert verify(headers, b'{"a":1}', now=1_790_000_000) == "key-1"


@pytest.mark.parametrize(("offset", "accepted"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_it_accepts_timestamps_within_the_window_only(configured: None, offset: int, accepted: bool) -> None:
    headers = signed_headers("key-1", b"{}", timestamp=1_790_000_000)
    if accepted:
        assert verify(headers, b"{}", now=1_790_000_000 + offset) == "key-1"
        return
    with pytest.raises(SignatureRejected) as refused:
        verify(headers, b"{}", now=1_790_000_000 + offset)
    assert refused.value.status_code == 401


def test_it_tells_an_unsigned_caller_nothing_about_the_configuration(settings: Any) -> None:
    settings.DEMANDLOOP_CITY_PLATFORM_URL = ""
    with pytest.raises(SignatureRejected) as unsigned:
        verify({}, b"{}")
    assert unsigned.value.status_code == 401
    with pytest.raises(SignatureRejected) as off:
        verify(
            {"X-City-App-Id": "a", "X-City-Timestamp": "1", "Idempotency-Key": "k", "X-City-Signature": "s"},
            b"",
        )
    assert off.value.status_code == 503


def test_it_refuses_a_timestamp_that_is_not_a_number(configured: None) -> None:
    headers = {**signed_headers("key-1", b"{}"), "X-City-Timestamp": "2026-11-30T10:00:00"}
    with pytest.raises(SignatureRejected) as refused:
        verify(headers, b"{}")
    assert refused.value.status_code == 401

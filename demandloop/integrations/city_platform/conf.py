"""The integration's settings (config/settings.py, env `CITY_PLATFORM_*`), read where they are used so that a
test can override them."""

from __future__ import annotations

from django.conf import settings

# How far the timestamp of a signed request of the city may lie from our clock (seconds, either way).
DEFAULT_TIME_WINDOW = 300


def url() -> str:
    return str(getattr(settings, "DEMANDLOOP_CITY_PLATFORM_URL", "") or "")


def app_id() -> str:
    return str(getattr(settings, "DEMANDLOOP_CITY_PLATFORM_APP_ID", "") or "")


def secret() -> str:
    return str(getattr(settings, "DEMANDLOOP_CITY_PLATFORM_SECRET", "") or "")


def time_window() -> int:
    return int(getattr(settings, "DEMANDLOOP_CITY_PLATFORM_TIME_WINDOW", DEFAULT_TIME_WINDOW))


def is_configured() -> bool:
    """The integration runs when its address, application id and secret are all set."""
    return bool(url() and app_id() and secret())

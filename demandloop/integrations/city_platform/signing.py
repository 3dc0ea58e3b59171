"""The signature both ways between the district and the city platform: the 12345 interface's scheme
(`hotline12345.statusback.signature`), with the city's own header names.

    X-City-App-Id: <app id>
    X-City-Timestamp: <unix seconds>
    Idempotency-Key: <key>        outbound: the outbox message's key; inbound: the message's event id
    X-City-Signature: hex HMAC-SHA256(secret, "<app id>\\n<timestamp>\\n<key>\\n" + body)

An inbound request is refused with 401 when a header is missing or its timestamp lies outside the window (a
replay of a captured request after the window is then refused outright; within it, the event id is the guard),
and with 403 when the application id or the signature is wrong.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping

from django.utils.translation import gettext as _

from demandloop.integrations.city_platform import conf
from demandloop.integrations.hotline12345.statusback import signature
from demandloop.integrations.notify.transports import IDEMPOTENCY_HEADER

APP_ID_HEADER = "X-City-App-Id"
TIMESTAMP_HEADER = "X-City-Timestamp"
SIGNATURE_HEADER = "X-City-Signature"

__all__ = ["APP_ID_HEADER", "IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "signature"]


class SignatureRejected(Exception):
    """The request is not the city platform's: 401 (not authenticated) or 403 (wrong credentials)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def signed_headers(key: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers of a request signed with this deployment's credentials (outbound, and the tests' city)."""
    app_id, secret = conf.app_id(), conf.secret()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        APP_ID_HEADER: app_id,
        TIMESTAMP_HEADER: stamp,
        IDEMPOTENCY_HEADER: key,
        SIGNATURE_HEADER: signature(secret, app_id, stamp, key, body),
    }


def verify(headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> str:
    """Check an inbound request of the city; its idempotency key (the event id), or `SignatureRejected`."""
    values = {}
    for name in (APP_ID_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER):
        value = (headers.get(name) or "").strip()
        if not value:
            raise SignatureRejected(_("The header %(name)s is missing.") % {"name": name}, status_code=401)
        values[name] = value
    # Only a signed request learns whether the integration runs here.
    if not conf.is_configured():
        raise SignatureRejected(_("The city platform integration is not configured here."), status_code=503)
    try:
        stamp = int(values[TIMESTAMP_HEADER])
    except ValueError:
        raise SignatureRejected(
            _("The header %(name)s must be a Unix time in seconds.") % {"name": TIMESTAMP_HEADER},
            status_code=401,
        ) from None
    current = time.time() if now is None else now
    if abs(current - stamp) > conf.time_window():
        raise SignatureRejected(
            _("The timestamp lies more than %(seconds)d seconds from the district's clock.")
            % {"seconds": conf.time_window()},
            status_code=401,
        )
    if not hmac.compare_digest(values[APP_ID_HEADER], conf.app_id()):
        raise SignatureRejected(_("Unknown application id."), status_code=403)
    expected = signature(
        conf.secret(), values[APP_ID_HEADER], values[TIMESTAMP_HEADER], values[IDEMPOTENCY_HEADER], body
    )
    if not hmac.compare_digest(expected, values[SIGNATURE_HEADER].lower()):
        raise SignatureRejected(_("The signature does not match the request."), status_code=403)
    return values[IDEMPOTENCY_HEADER]

"""The city platform 津产发 on a real local HTTP server, in a thread, as the district's peer.

It checks every request's signature, answers as it is told (or, by default, accepts), gives each pushed matter a
reference — the same reference for a repeated idempotency key, as the interface asks — and keeps the latest
status-back of each matter by sequence. `sign` makes the city's own signed requests to the district.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import ThreadingHTTPServer
from typing import Any

from demandloop.integrations.testing import LocalJsonServer


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes
    body: Any
    signature_ok: bool


@dataclass
class CityPlatformSimulator(LocalJsonServer):
    app_id: str = "jinghai-district"
    secret: str = "the-city-and-the-district-share-this"
    # Answers to give in turn, (HTTP status, JSON or None for the default answer); then the default.
    answers: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    # Reference given per idempotency key, and the matters as the city holds them by reference.
    references: dict[str, str] = field(default_factory=dict)
    matters: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/open-api/district"

    def signature(self, timestamp: str, key: str, raw: bytes, *, secret: str | None = None) -> str:
        signed = f"{self.app_id}\n{timestamp}\n{key}\n".encode() + raw
        return hmac.new((secret or self.secret).encode(), signed, hashlib.sha256).hexdigest()

    def sign(
        self,
        body: Any,
        key: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        app_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The raw body and the headers of a signed request of the city (Django test client `headers=`)."""
        raw = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "X-City-App-Id": app_id or self.app_id,
            "X-City-Timestamp": stamp,
            "Idempotency-Key": key,
            "X-City-Signature": self.signature(stamp, key, raw, secret=secret),
        }
        return raw, headers

    def _default(self, key: str, body: Any) -> dict[str, Any]:
        if body.get("type") == "transfer":
            reference = self.references.setdefault(key, f"JCF2026{len(self.references) + 1:06d}")
            self.matters[reference] = body
            return {"code": 0, "reference": reference}
        current = self.statuses.get(body["reference"])
        if current is None or current["sequence"] < body["sequence"]:
            self.statuses[body["reference"]] = body
        return {"code": 0}

    def answer(self, path: str, message: Message, raw: bytes) -> tuple[int, Any]:
        headers = dict(message.items())
        key = headers.get("Idempotency-Key", "")
        expected = self.signature(headers.get("X-City-Timestamp", ""), key, raw)
        signature_ok = (
            hmac.compare_digest(headers.get("X-City-Signature", ""), expected)
            and headers.get("X-City-App-Id") == self.app_id
        )
        body = json.loads(raw.decode("utf-8"))
        with self.lock:
            self.requests.append(Received(headers, raw, body, signature_ok))
            code, answer = self.answers.pop(0) if self.answers else (200, None)
            if not signature_ok:
                code, answer = 401, {"code": 401, "msg": "bad signature"}
            elif 200 <= code < 300 and answer is None:
                answer = self._default(key, body)
        return code, answer

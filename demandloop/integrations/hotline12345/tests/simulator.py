"""A 12345 system on a real local HTTP server, in a thread: it checks every status-back's signature, answers as
it is told, and keeps each order's latest state the way the interface asks (by key once, highest sequence)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
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
class Hotline12345Simulator(LocalJsonServer):
    app_id: str = "demandloop-jinghai"
    secret: str = "s3cret-of-the-test"
    # Answers to give in turn, (HTTP status, JSON); then 200 {"code": 0}.
    answers: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    processed_keys: set[str] = field(default_factory=set)
    # The latest state of each order, by work-order number.
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/feedback"

    def expected_signature(self, headers: dict[str, str], raw: bytes) -> str:
        signed = (
            f"{self.app_id}\n{headers.get('X-Hotline-Timestamp', '')}\n{headers.get('Idempotency-Key', '')}\n"
        )
        return hmac.new(self.secret.encode(), signed.encode() + raw, hashlib.sha256).hexdigest()

    def answer(self, path: str, message: Message, raw: bytes) -> tuple[int, Any]:
        headers = dict(message.items())
        signature_ok = (
            hmac.compare_digest(headers.get("X-Hotline-Signature", ""), self.expected_signature(headers, raw))
            and headers.get("X-Hotline-App-Id") == self.app_id
        )
        body = json.loads(raw.decode("utf-8"))
        with self.lock:
            self.requests.append(Received(headers, raw, body, signature_ok))
            code, answer = self.answers.pop(0) if self.answers else (200, {"code": 0})
            if not signature_ok:
                code, answer = 401, {"code": 401, "msg": "bad signature"}
            key = headers.get("Idempotency-Key", "")
            if 200 <= code < 300 and answer.get("code", 0) == 0 and key not in self.processed_keys:
                self.processed_keys.add(key)
                current = self.orders.get(body["order_no"])
                if current is None or current["sequence"] < body["sequence"]:
                    self.orders[body["order_no"]] = body
        return code, answer

"""A 12345 system on a real local HTTP server, in a thread: it checks every status-back's signature, answers as
it is told, and keeps each order's latest state the way the interface asks (by key once, highest sequence)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes
    body: Any
    signature_ok: bool


@dataclass
class Hotline12345Simulator:
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
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/feedback"

    def expected_signature(self, headers: dict[str, str], raw: bytes) -> str:
        signed = (
            f"{self.app_id}\n{headers.get('X-Hotline-Timestamp', '')}\n{headers.get('Idempotency-Key', '')}\n"
        )
        return hmac.new(self.secret.encode(), signed.encode() + raw, hashlib.sha256).hexdigest()

    def start(self) -> Hotline12345Simulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                signature_ok = (
                    hmac.compare_digest(
                        headers.get("X-Hotline-Signature", ""), simulator.expected_signature(headers, raw)
                    )
                    and headers.get("X-Hotline-App-Id") == simulator.app_id
                )
                body = json.loads(raw.decode("utf-8"))
                with simulator.lock:
                    simulator.requests.append(Received(headers, raw, body, signature_ok))
                    code, answer = simulator.answers.pop(0) if simulator.answers else (200, {"code": 0})
                    if not signature_ok:
                        code, answer = 401, {"code": 401, "msg": "bad signature"}
                    key = headers.get("Idempotency-Key", "")
                    if (
                        200 <= code < 300
                        and answer.get("code", 0) == 0
                        and key not in simulator.processed_keys
                    ):
                        simulator.processed_keys.add(key)
                        current = simulator.orders.get(body["order_no"])
                        if current is None or current["sequence"] < body["sequence"]:
                            simulator.orders[body["order_no"]] = body
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

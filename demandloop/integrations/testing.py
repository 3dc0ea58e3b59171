"""Real local receivers for the notification tests: an HTTP server in a thread and an SMTP server (aiosmtpd).

They live outside `tests/` because the meetings and sweep tests use them too. Nothing here is imported by the
platform itself.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: Any


class LocalJsonServer:
    """A real HTTP server on a free local port, in a thread, that answers every POST with JSON: the peer's
    `answer(path, headers, raw)` gives (HTTP status, JSON); `headers` is the request's header message (names
    read case-insensitively). The receivers and simulators below and in the integrations' tests are of this kind."""

    server: ThreadingHTTPServer | None

    def answer(self, path: str, headers: Message, raw: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                code, answer = peer.answer(self.path, self.headers, raw)
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


@dataclass
class HttpReceiver(LocalJsonServer):
    """Records every POST; answers from `responses` (status, JSON) in turn, then 200 {"errcode": 0}.

    `keys` counts requests per Idempotency-Key: a receiver that honours the key processes each key once, which
    is what `accepted` is.
    """

    delay: float = 0.0
    requests: list[ReceivedRequest] = field(default_factory=list)
    responses: list[tuple[int, Any]] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def accepted(self) -> set[str]:
        return set(self.keys)

    def answer(self, path: str, headers: Message, raw: bytes) -> tuple[int, Any]:
        if self.delay:
            time.sleep(self.delay)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self.lock:
            self.requests.append(ReceivedRequest(path, dict(headers.items()), body))
            code, answer = self.responses.pop(0) if self.responses else (200, {"errcode": 0})
            key = headers.get("Idempotency-Key")
            if 200 <= code < 300 and key:
                self.keys[key] += 1
        return code, answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpReceiver:
    """An aiosmtpd server on a free local port that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                receiver.messages.append(message_from_bytes(envelope.original_content or envelope.content))
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()

"""A real HTTP server on 127.0.0.1 that plays the marketplace's webhook endpoint in tests.

It records every request it receives (headers and raw body) and answers with the status codes
it is told to, in order (then 200). `hold_first()` makes it keep the first request open, without
answering, until `release()`: a delivery caught in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Receiver:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[Received] = []
        self._statuses = list(statuses or [])
        self._lock = threading.Lock()
        self._hold: threading.Event | None = None
        self.holding = threading.Event()  # set once the held request arrived
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/recourse"

    def answer(self, *statuses: int) -> None:
        """The next requests get these status codes, in order; later ones get 200."""
        with self._lock:
            self._statuses = list(statuses)

    def hold_first(self) -> None:
        self._hold = threading.Event()

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.02)
        return condition()

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _next_status(self) -> int:
        with self._lock:
            return self._statuses.pop(0) if self._statuses else 200

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                    held = receiver._hold if len(receiver.requests) == 1 else None
                if held is not None:
                    receiver.holding.set()
                    held.wait(timeout=60)
                status = receiver._next_status()
                reply = b"ok" if status < 300 else b"receiver says no"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # The sender is gone (a killed worker): nothing to answer.

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        return Handler

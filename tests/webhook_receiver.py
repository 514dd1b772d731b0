"""A real local HTTP endpoint for webhook tests: fails the first `fail_first` POSTs, then records and answers 204."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(ThreadingHTTPServer):
    """Answers `fail_status` to the first `fail_first` calls, then records (headers, body) and answers 204; the body
    is the decoded JSON plus its raw bytes (`raw`, for signatures) and the request path (`path`)."""

    def __init__(self, *, fail_first: int = 0, fail_status: int = 503) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.calls = 0
        self.received: list[tuple[dict, dict]] = []

    def url(self, path: str = "/hook") -> str:
        """Return the URL of `path` on this endpoint."""
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls += 1
        if self.server.calls <= self.server.fail_first:
            self.send_response(self.server.fail_status)
        else:
            self.server.received.append(
                (dict(self.headers), {"raw": body, "path": self.path, **json.loads(body)})
            )
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(server: Receiver) -> Iterator[Receiver]:
    """Serve in a thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

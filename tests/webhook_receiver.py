"""A real local HTTP(S) endpoint for webhook tests: fails the first `fail_first` POSTs, then records and answers 204.

It listens on 127.0.0.1, which Carecast refuses to push to by default: tests that deliver to it turn the
development setting on (`EgressSettings(allow_loopback=True)`, i.e. CARECAST_EGRESS__ALLOW_LOOPBACK=true).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver(ThreadingHTTPServer):
    """Answers `fail_status` to the first `fail_first` calls, then records (headers, body) and answers 204; the body
    is the decoded JSON plus its raw bytes (`raw`, for signatures) and the request path (`path`)."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        fail_status: int = 503,
        fail_headers: Mapping[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.fail_headers = dict(fail_headers or {})  # e.g. a Location with a 3xx
        self.calls = 0
        self.received: list[tuple[dict, dict]] = []
        self.server_names: list[str | None] = []  # the SNI of each TLS handshake
        self.scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def port(self) -> int:
        """The port it listens on (on 127.0.0.1)."""
        return self.server_address[1]

    def url(self, path: str = "/hook", *, host: str = "127.0.0.1") -> str:
        """Return the URL of `path` on this endpoint, spelling the host as `host` (which must lead here)."""
        return f"{self.scheme}://{host}:{self.port}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls += 1
        if self.server.calls <= self.server.fail_first:
            self.send_response(self.server.fail_status)
            for name, value in self.server.fail_headers.items():
                self.send_header(name, value)
        else:
            self.server.received.append(
                (dict(self.headers), {"raw": body, "path": self.path, **json.loads(body)})
            )
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def self_signed(directory: Path, *, name: str) -> tuple[Path, Path]:
    """Write a self-signed certificate for host `name` and its key into `directory`; return (cert, key)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"]
        + ["-addext", f"subjectAltName=DNS:{name}"],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """Return a server-side TLS context presenting `cert`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


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

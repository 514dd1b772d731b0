"""The /metrics HTTP endpoint of a periodic process (detection, notify): one registry, served in a daemon thread."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, start_http_server


class MetricsEndpoint:
    """Serves one registry over HTTP (prometheus_client's threaded server) until closed."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._server: Any = None

    def serve(self, *, host: str, port: int) -> int:
        """Serve /metrics on host:port in a daemon thread; return the bound port (useful with port 0 in tests)."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        return int(server.server_port)

    @property
    def address(self) -> tuple[str, int] | None:
        """Return the (host, port) /metrics is bound to, None when it is not served."""
        return None if self._server is None else tuple(self._server.server_address[:2])

    def close(self) -> None:
        """Stop the HTTP server, if one runs."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

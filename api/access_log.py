"""One canonical log line per request: method, route template, status, duration."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AccessLogMiddleware:
    """Pure ASGI middleware logging each HTTP request once it has been answered."""

    def __init__(self, app: ASGIApp, *, logger: Any) -> None:
        self.app = app
        self.log = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            # The route template (not the raw path) keeps VINs out of the logs and groups lines per endpoint.
            path = getattr(route, "path", None) or "unmatched"
            self.log.info(
                "request",
                method=scope["method"],
                route=path,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

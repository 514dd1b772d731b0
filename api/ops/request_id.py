"""Pure-ASGI request id: taken from a sane ``X-Request-ID`` or made up, sent back on every response and bound into
structlog's context for the request, so every log line of the request (the access line too) carries it."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

HEADER = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._-]{1,64}")


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """Return the request's own ``X-Request-ID`` when it is one sane value (<= 64 of [A-Za-z0-9._-]), else a new one."""
    values = [value for name, value in headers if name == HEADER]
    if len(values) == 1 and _SANE.fullmatch(values[0]):
        return values[0].decode("ascii")
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Wraps the whole application (outside Starlette's error middleware too), so even a 500 carries the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope["headers"])
        encoded = rid.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, encoded)]}
            await send(message)

        with bound_contextvars(request_id=rid):
            await self.app(scope, receive, send_with_id)

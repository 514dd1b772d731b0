"""Pure-ASGI shortcut for the feed's cache hits: a canonical poll by a known key answered before FastAPI routing.

A poll is canonical when it is ``GET /v1/service-centers/{id}/suggested-bookings`` with at most ``limit`` (1-100,
digits only), ``cursor`` (valid) and ``status`` (a known state), each once, and one ``Authorization: Bearer ...``
header. If the key is in the principal cache, may read the center and the page is cached (``page.cached_page``,
the route's own memory path, applying the center scope of ``api/auth/scope.py``) and the key is within its rate,
the cached bytes are sent as they are; in every other case (miss, refusal, 429, ``since``, anything unusual) the
request goes on to the route, which decides exactly as before. The bytes are those the route stored, so both
paths answer identically; the access log and metrics still see the request under the route's template.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import get_args
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth.credentials import hash_secret
from api.feed.cursor import InvalidCursor, decode_cursor
from api.feed.page import CACHE_HIT, DEFAULT_LIMIT, DEFAULT_STATUS, PageKey, cached_page
from api.schemas.centers import BookingStatus
from api.state import AppState

FEED_PATH = "/v1/service-centers/{center_id}/suggested-bookings"
_PATH = re.compile(r"/v1/service-centers/([1-9][0-9]{0,18})/suggested-bookings")
_CACHE_HIT = CACHE_HIT.encode()
_LIMIT = re.compile(r"[1-9][0-9]?|100")
_STATUSES = frozenset(get_args(BookingStatus))
_MAX_ID = 2**63 - 1
_FEED_ROUTE = SimpleNamespace(path=FEED_PATH)


def canonical_poll(path: str, query_string: bytes) -> tuple[int, PageKey] | None:
    """Return (center_id, page key) of a canonical poll (see the module docstring), else None."""
    match = _PATH.fullmatch(path)
    if match is None or int(match[1]) > _MAX_ID:
        return None
    params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
    seen = dict(params)
    if len(seen) != len(params) or not seen.keys() <= {"limit", "cursor", "status"}:
        return None
    limit = seen.get("limit", str(DEFAULT_LIMIT))
    status = seen.get("status", DEFAULT_STATUS)
    if not _LIMIT.fullmatch(limit) or status not in _STATUSES:
        return None
    try:
        after_id = decode_cursor(seen["cursor"]) if "cursor" in seen else 0
    except InvalidCursor:
        return None
    return int(match[1]), (after_id, int(limit), status, None)


def bearer_secret(headers: list[tuple[bytes, bytes]]) -> str | None:
    """Return the secret of the one ``Authorization: Bearer`` header, else None."""
    values = [value for name, value in headers if name == b"authorization"]
    if len(values) != 1:
        return None
    scheme, _, secret = values[0].decode("latin-1").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


class FeedFastPath:
    """The shortcut middleware; `state` is the app's, holding the caches and the limiter."""

    def __init__(self, app: ASGIApp, *, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = self._cached(scope)
            if body is not None:
                scope["route"] = _FEED_ROUTE  # what the telemetry middleware labels the request with
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                            (b"cache-status", _CACHE_HIT),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _cached(self, scope: Scope) -> bytes | None:
        poll = canonical_poll(scope["path"], scope.get("query_string", b""))
        if poll is None:
            return None
        secret = bearer_secret(scope["headers"])
        if secret is None:
            return None
        state, now = self.state, time.monotonic()
        center_id, page_key = poll
        hit = cached_page(state, digest=hash_secret(secret), center_id=center_id, page_key=page_key, now=now)
        # Over its rate: the route answers the 429 (the refused take cost no token).
        if hit is None or state.limiter.take(hit[0].bucket, now=now) > 0:
            return None
        state.usage.seen(hit[0].key_id, now=now)
        return hit[1]

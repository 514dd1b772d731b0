"""One page of the suggested-bookings feed: from memory when nothing changed, else from one SQL statement.

See the package docstring for the whole request path; ``api/routes/centers.py`` declares the route.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from functools import partial
from typing import Any

import anyio.to_thread
import psycopg
from fastapi import Response
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from api.auth.credentials import hash_secret
from api.auth.principals import CenterPrincipal, admit_center_key
from api.auth.scope import center_refusal
from api.deps import enforce_rate_limit
from api.errors import ApiError
from api.feed.cursor import InvalidCursor, decode_cursor, encode_cursor
from api.schemas.centers import BookingStatus
from api.sql import FEED_PAGE
from api.state import AppState
from core.db import query

MAX_PAGE = 100
DEFAULT_LIMIT = 50
DEFAULT_STATUS: BookingStatus = "suggested"
# The key columns leading every row of feed_page.sql, named as admit_center_key reads them (expires_at: a cached
# principal stops at the key's expiry).
_KEY_COLUMNS = ("id", "center_id", "role", "hash", "revoked", "center_found", "expired", "expires_at")
# (after_id, limit, status, since): the after_id stands for the cursor (a cursor is the one encoding of its id).
PageKey = tuple[int, int, str | None, datetime | None]
# RFC 9211 Cache-Status of every feed answer: whether this process's page cache answered (hit), or the database did
# and the page was stored for the next poll (fwd=miss; stored), or the cache is off (fwd=bypass). It lets a center
# (and bench.api) see how often its polls are served from memory; every worker reports its own cache.
CACHE_HIT = "carecast-feed; hit"
_CACHE_STORED = "carecast-feed; fwd=miss; stored"
_CACHE_MISS = "carecast-feed; fwd=miss"  # read while the center changed: not kept (see cache.Ticket)
_CACHE_BYPASS = "carecast-feed; fwd=bypass"


def cached_page(
    state: AppState, *, digest: bytes, center_id: int, page_key: PageKey, now: float
) -> tuple[CenterPrincipal, bytes] | None:
    """Return the caller and the page's cached bytes when a known live key, in scope, polls a page that has not
    changed; None otherwise (the rate limit is the caller's: the fast path and the route answer it differently)."""
    caller = state.principals.get(digest, now=now)
    if caller is None or center_refusal(caller, center_id) is not None:
        return None
    body = state.pages.get(center_id, page_key, now=now)
    return None if body is None else (caller, body)


def read_page(
    conn: psycopg.Connection,
    *,
    key_hash: bytes,
    center_id: int,
    after_id: int,
    limit: int,
    status: str | None,
    since: datetime | None,
) -> list[tuple[Any, ...]]:
    """Authenticate the key and cut the feed page in one statement (see ``feed_page.sql`` for the row shape)."""
    params = {
        "hash": key_hash,
        "center_id": center_id,
        "after_id": after_id,
        "limit": limit,
        "status": status,
        "since": since,
    }
    # prepare=True: the feed is the hot path, so its plan is prepared on each pooled connection at first use.
    cur = conn.cursor(row_factory=tuple_row)
    return cur.execute(query(FEED_PAGE), params, prepare=True).fetchall()


def _read_autocommit(pool: ConnectionPool, *, timeout_s: float, **params: Any) -> list[tuple[Any, ...]]:
    """Run the one-statement feed query on a pooled connection in autocommit (no BEGIN/COMMIT round trips)."""
    with pool.connection(timeout=timeout_s) as conn:
        conn.autocommit = True
        try:
            return read_page(conn, **params)
        finally:
            conn.autocommit = False  # the other routes expect the pool's connections transactional


def _invalid_cursor(exc: InvalidCursor) -> ApiError:
    return ApiError(400, "invalid_cursor", f"invalid cursor ({exc}); pass next_cursor back unchanged")


def start_after(cursor: str | None) -> int:
    """Return the id a page starts after (0 without a cursor), or answer 400 for a cursor not made here."""
    try:
        return 0 if cursor is None else decode_cursor(cursor)
    except InvalidCursor as exc:
        raise _invalid_cursor(exc) from exc


async def suggested_bookings(
    state: AppState,
    *,
    secret: str,
    center_id: int,
    limit: int,
    cursor: str | None,
    since: datetime | None,
    status: str,
) -> Response:
    """Return one page of the center's suggestions, deciding 401, 429, 403, 404, then 400 like the other routes."""
    try:
        after_id, bad_cursor = (0 if cursor is None else decode_cursor(cursor)), None
    except InvalidCursor as exc:
        after_id, bad_cursor = 0, exc
    now = time.monotonic()
    digest = hash_secret(secret)
    page_key: PageKey = (after_id, limit, status, since)
    # The hot path: a known live key and an unchanged page are answered from this process's memory, no database.
    if bad_cursor is None:
        hit = cached_page(state, digest=digest, center_id=center_id, page_key=page_key, now=now)
        if hit is not None:
            known, body = hit
            enforce_rate_limit(state, known)
            state.usage.seen(known.key_id, now=now)
            return Response(body, media_type="application/json", headers={"Cache-Status": CACHE_HIT})
    # Otherwise one thread hop and one SQL statement (key lookup, last-used stamp and page together). The tickets
    # are taken first: a change notified while the statement runs keeps its answer out of the caches.
    key_ticket, page_ticket = state.principals.ticket(), state.pages.ticket(center_id)
    rows = await anyio.to_thread.run_sync(
        partial(
            _read_autocommit,
            state.pool,
            timeout_s=state.settings.api.pool_timeout_s,
            key_hash=digest,
            center_id=center_id,
            after_id=after_id,
            # One row more than asked tells whether another page exists without a count query; a bad cursor
            # still authenticates (401 comes before 400) but reads no page.
            limit=0 if bad_cursor else limit + 1,
            status=status,
            since=since,
        )
    )
    head = dict(zip(_KEY_COLUMNS, rows[0][: len(_KEY_COLUMNS)], strict=True)) if rows else None
    caller = admit_center_key(head, digest=digest)
    enforce_rate_limit(state, caller)
    state.principals.put(key_ticket, digest, caller, key_id=caller.key_id, now=now)
    state.usage.stamped(caller.key_id, now=now)  # feed_page.sql stamped it (or did within the last minute)
    found = head is not None and bool(head["center_found"])
    if (refusal := center_refusal(caller, center_id, center_found=lambda: found)) is not None:
        raise refusal
    if bad_cursor is not None:
        raise _invalid_cursor(bad_cursor) from bad_cursor
    body = feed_body(rows, limit=limit, cursor=cursor)
    stored = state.pages.put(page_ticket, center_id, page_key, body, now=now)
    status = _CACHE_BYPASS if page_ticket is None else _CACHE_STORED if stored else _CACHE_MISS
    return Response(body, media_type="application/json", headers={"Cache-Status": status})


def feed_body(rows: list[tuple[Any, ...]], *, limit: int, cursor: str | None) -> bytes:
    """Return the page's JSON from feed_page.sql rows (items already JSON; the envelope is added here)."""
    items = [(row[-2], row[-1]) for row in rows if row[-2] is not None][:limit]
    has_more = sum(1 for row in rows if row[-2] is not None) > limit
    # resume_cursor is set on the last page too (echoed when the page is empty): a poller keeps it and later sees
    # exactly the suggestions created since, never one twice.
    resume_cursor = encode_cursor(items[-1][0]) if items else cursor
    tail = json.dumps({"next_cursor": resume_cursor if has_more else None, "resume_cursor": resume_cursor})
    return ('{"items":[' + ",".join(item for _, item in items) + "]," + tail[1:]).encode()

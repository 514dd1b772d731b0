"""Service-center routes: the pollable feed of suggested bookings and the open cases of the caller's center."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request, Response
from psycopg_pool import ConnectionPool
from pydantic import AwareDatetime

from api import repository
from api.auth import CenterCaller, CenterKeySecret, admit_center_key, enforce_rate_limit
from api.credentials import hash_secret
from api.cursor import InvalidCursor, decode_cursor, encode_cursor
from api.deps import Conn
from api.errors import ApiError
from api.schemas.centers import BookingStatus, OpenCasePage, SuggestedBookingPage
from api.schemas.common import error_responses

MAX_PAGE = 100
# The key columns leading every row of feed_page.sql (expires_at: a cached principal stops at the key's expiry).
_KEY_COLUMNS = ("key_id", "center_id", "role", "hash", "revoked", "center_found", "expired", "expires_at")

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

CenterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The service center's id")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


def _start(conn: Conn, caller: CenterCaller, center_id: int, cursor: str | None) -> int:
    """Check the caller may read the center (403/404) and return the id the page starts after (400)."""
    if not caller.may_read_center(center_id):
        raise ApiError(403, "forbidden", "this API key does not grant access to that service center")
    if caller.role == "admin" and not repository.center_exists(conn, center_id=center_id):
        raise ApiError(404, "not_found", "service center not found")
    try:
        return 0 if cursor is None else decode_cursor(cursor)
    except InvalidCursor as exc:
        raise ApiError(
            400, "invalid_cursor", f"invalid cursor ({exc}); pass next_cursor back unchanged"
        ) from exc


def _read_feed(pool: ConnectionPool, *, timeout_s: float, **params: Any) -> list[tuple[Any, ...]]:
    """Run the one-statement feed query on a pooled connection in autocommit (no BEGIN/COMMIT round trips)."""
    with pool.connection(timeout=timeout_s) as conn:
        conn.autocommit = True
        try:
            return repository.feed_page(conn, **params)
        finally:
            conn.autocommit = False  # the other routes expect the pool's connections transactional


@router.get(
    "/{center_id}/suggested-bookings",
    response_model=SuggestedBookingPage,
    summary="List suggested bookings for a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
async def list_suggested_bookings(
    request: Request,
    secret: CenterKeySecret,
    center_id: CenterId,
    limit: Limit = 50,
    cursor: Cursor = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="Only suggestions created at or after this instant: ISO 8601 with an offset, e.g. "
            "`2026-11-20T00:00:00Z` (URL-encode `+` as `%2B`)"
        ),
    ] = None,
    status: Annotated[BookingStatus, Query(description="Only suggestions in this state")] = "suggested",
) -> Response:
    """Return one page of the center's suggestions in id order; new suggestions always appear after old ones.

    Page with `next_cursor` until it is null; then keep `resume_cursor` and poll later with it as `cursor`: each
    poll returns only suggestions created since. `since` narrows the first poll to recent suggestions.

    A center's key reads only its own center (403 otherwise); an admin key reads any center.
    """
    # Checks keep the order of the other routes: 401, 429, 403, 404, then 400 for a bad cursor.
    try:
        after_id, bad_cursor = (0 if cursor is None else decode_cursor(cursor)), None
    except InvalidCursor as exc:
        after_id, bad_cursor = 0, exc
    state = request.app.state
    now = time.monotonic()
    digest = hash_secret(secret)
    # The after_id stands for the cursor (a cursor is the one canonical encoding of its id).
    page_key = (after_id, limit, status, since)
    # The hot path: a known live key and an unchanged page are answered from this process's memory, no database.
    if bad_cursor is None:
        known = state.principals.get(digest, now=now)
        if known is not None and known.may_read_center(center_id):
            body = state.pages.get(center_id, page_key, now=now)
            if body is not None:
                enforce_rate_limit(request, bucket=f"key:{known.key_id}")
                state.usage.seen(known.key_id, now=now)
                return Response(body, media_type="application/json")
    # Otherwise one thread hop and one SQL statement (key lookup, last-used stamp and page together). The tickets
    # are taken first: a change notified while the statement runs keeps its answer out of the caches.
    key_ticket, page_ticket = state.principals.ticket(), state.pages.ticket(center_id)
    rows = await anyio.to_thread.run_sync(
        partial(
            _read_feed,
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
    caller = admit_center_key(request, row=head, digest=digest)
    state.principals.put(key_ticket, digest, caller, key_id=caller.key_id, now=now)
    state.usage.stamped(caller.key_id, now=now)  # feed_page.sql stamped it (or did within the last minute)
    if not caller.may_read_center(center_id):
        raise ApiError(403, "forbidden", "this API key does not grant access to that service center")
    if caller.role == "admin" and not head["center_found"]:
        raise ApiError(404, "not_found", "service center not found")
    if bad_cursor is not None:
        raise ApiError(
            400, "invalid_cursor", f"invalid cursor ({bad_cursor}); pass next_cursor back unchanged"
        ) from bad_cursor
    body = feed_body(rows, limit=limit, cursor=cursor)
    state.pages.put(page_ticket, center_id, page_key, body, now=now)
    return Response(body, media_type="application/json")


def feed_body(rows: list[tuple[Any, ...]], *, limit: int, cursor: str | None) -> bytes:
    """Return the page's JSON from feed_page.sql rows (items already JSON; the envelope is added here)."""
    items = [(row[-2], row[-1]) for row in rows if row[-2] is not None][:limit]
    has_more = sum(1 for row in rows if row[-2] is not None) > limit
    # resume_cursor is set on the last page too (echoed when the page is empty): a poller keeps it and later sees
    # exactly the suggestions created since, never one twice.
    resume_cursor = encode_cursor(items[-1][0]) if items else cursor
    tail = json.dumps({"next_cursor": resume_cursor if has_more else None, "resume_cursor": resume_cursor})
    return ('{"items":[' + ",".join(item for _, item in items) + "]," + tail[1:]).encode()


@router.get(
    "/{center_id}/cases",
    response_model=OpenCasePage,
    summary="Open cases of a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
def list_open_cases(
    conn: Conn, caller: CenterCaller, center_id: CenterId, limit: Limit = 50, cursor: Cursor = None
) -> OpenCasePage:
    """Return the center's cases that are not closed (booked here, or offered here and not booked elsewhere)."""
    after_id = _start(conn, caller, center_id, cursor)
    rows = repository.open_cases(conn, center_id=center_id, after_id=after_id, limit=limit + 1)
    items = [
        {**row, "vehicle": {"vin": row["vin"], "model": row["model"], "powertrain": row["powertrain"]}}
        for row in rows[:limit]
    ]
    has_more = len(rows) > limit
    resume_cursor = encode_cursor(items[-1]["risk_id"]) if items else cursor
    return OpenCasePage.model_validate(
        {"items": items, "next_cursor": resume_cursor if has_more else None, "resume_cursor": resume_cursor}
    )

"""Service-center routes: the pollable feed of suggested bookings and the open cases of the caller's center."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from api import repository
from api.auth import CenterCaller
from api.cursor import InvalidCursor, decode_cursor, encode_cursor
from api.deps import Conn
from api.errors import ApiError
from api.schemas.centers import BookingStatus, OpenCasePage, SuggestedBookingPage
from api.schemas.common import error_responses

MAX_PAGE = 100

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


@router.get(
    "/{center_id}/suggested-bookings",
    response_model=SuggestedBookingPage,
    summary="List suggested bookings for a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
def list_suggested_bookings(
    conn: Conn,
    caller: CenterCaller,
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
    after_id = _start(conn, caller, center_id, cursor)
    # One row more than asked tells whether another page exists without a count query.
    rows = repository.suggested_bookings(
        conn, center_id=center_id, after_id=after_id, limit=limit + 1, status=status, since=since
    )
    items = rows[:limit]
    has_more = len(rows) > limit
    # resume_cursor is set on the last page too (echoed when the page is empty): a poller keeps it and later sees
    # exactly the suggestions created since, never one twice.
    resume_cursor = encode_cursor(items[-1][0]) if items else cursor
    tail = json.dumps({"next_cursor": resume_cursor if has_more else None, "resume_cursor": resume_cursor})
    # The items arrive as JSON built by the query (the feed is the hot path); the envelope is added here.
    body = '{"items":[' + ",".join(item for _, item in items) + "]," + tail[1:]
    return Response(body, media_type="application/json")


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

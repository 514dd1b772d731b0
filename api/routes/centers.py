"""Service-center routes: the pollable feed of suggested bookings for the caller's own center."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from api import repository
from api.auth import CenterCaller
from api.cursor import InvalidCursor, decode_cursor, encode_cursor
from api.deps import Conn
from api.errors import ApiError
from api.schemas.centers import BookingStatus, SuggestedBookingPage
from api.schemas.common import error_responses

MAX_PAGE = 100

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])


@router.get(
    "/{center_id}/suggested-bookings",
    response_model=SuggestedBookingPage,
    summary="List suggested bookings for a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
def list_suggested_bookings(
    conn: Conn,
    caller: CenterCaller,
    center_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The service center's id")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="Only suggestions created at or after this instant: ISO 8601 with an offset, e.g. "
            "`2026-11-20T00:00:00Z` (URL-encode `+` as `%2B`)"
        ),
    ] = None,
    status: Annotated[BookingStatus, Query(description="Only suggestions in this state")] = "suggested",
) -> SuggestedBookingPage:
    """Return one page of the center's suggestions in id order; new suggestions always appear after old ones.

    A center's key reads only its own center (403 otherwise); an admin key reads any center.
    """
    if not caller.may_read_center(center_id):
        raise ApiError(403, "forbidden", "this API key does not grant access to that service center")
    if caller.role == "admin" and not repository.center_exists(conn, center_id=center_id):
        raise ApiError(404, "not_found", "service center not found")
    try:
        after_id = 0 if cursor is None else decode_cursor(cursor)
    except InvalidCursor as exc:
        raise ApiError(
            400, "invalid_cursor", f"invalid cursor ({exc}); pass next_cursor back unchanged"
        ) from exc
    # One row more than asked tells whether another page exists without a count query.
    rows = repository.suggested_bookings(
        conn, center_id=center_id, after_id=after_id, limit=limit + 1, status=status, since=since
    )
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]["id"]) if len(rows) > limit else None
    return SuggestedBookingPage.model_validate({"items": items, "next_cursor": next_cursor})

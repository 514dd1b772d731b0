"""Service-center routes: the pollable feed of suggested bookings and the open cases of the caller's center."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from api.deps import CenterId, CenterKeySecret, Conn, ExistingCenterScope, State
from api.feed import page
from api.feed.cursor import encode_cursor
from api.schemas.centers import BookingStatus, OpenCasePage, SuggestedBookingPage
from api.schemas.common import error_responses
from api.store import repository

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

Limit = Annotated[int, Query(ge=1, le=page.MAX_PAGE, description="Page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


@router.get(
    "/{center_id}/suggested-bookings",
    response_model=SuggestedBookingPage,
    summary="List suggested bookings for a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
async def list_suggested_bookings(
    state: State,
    secret: CenterKeySecret,
    center_id: CenterId,
    limit: Limit = page.DEFAULT_LIMIT,
    cursor: Cursor = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="Only suggestions created at or after this instant: ISO 8601 with an offset, e.g. "
            "`2026-11-20T00:00:00Z` (URL-encode `+` as `%2B`)"
        ),
    ] = None,
    status: Annotated[
        BookingStatus, Query(description="Only suggestions in this state")
    ] = page.DEFAULT_STATUS,
) -> Response:
    """Return one page of the center's suggestions in id order; new suggestions always appear after old ones.

    Page with `next_cursor` until it is null; then keep `resume_cursor` and poll later with it as `cursor`: each
    poll returns only suggestions created since. `since` narrows the first poll to recent suggestions.

    A center's key reads only its own center (403 otherwise); an admin key reads any center.
    """
    return await page.suggested_bookings(
        state, secret=secret, center_id=center_id, limit=limit, cursor=cursor, since=since, status=status
    )


@router.get(
    "/{center_id}/cases",
    response_model=OpenCasePage,
    summary="Open cases of a service center",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
def list_open_cases(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, limit: Limit = 50, cursor: Cursor = None
) -> OpenCasePage:
    """Return the center's cases that are not closed (booked here, or offered here and not booked elsewhere)."""
    after_id = page.start_after(cursor)
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

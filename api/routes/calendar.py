"""Service-center calendars (RFC 5545): one ``.ics`` per booking and a subscribable feed of booked visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.links import calendar_principal, calendar_token
from api.auth.scope import center_refusal
from api.deps import CenterKeyCredentials, CenterScope, Conn, State, enforce_rate_limit, require_center_key
from api.errors import ApiError
from api.schemas.centers import CalendarLink
from api.schemas.common import error_responses
from api.store import repository
from api.views.ics import Visit, calendar

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
# The feed shows visits that ended up to this long ago, so a calendar keeps the recent past.
FEED_PAST_DAYS = 30
_ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar (RFC 5545) document"}
}


def _visit(row: dict[str, Any]) -> Visit:
    parts = ", ".join(f"{p['qty']}× {p['sku']}" for p in row["parts"])
    return Visit(
        uid=f"booking-{row['id']}@carecast",
        start=row["slot_start"],
        end=row["slot_end"],
        summary=f"{row['model']} {row['vin']}: {row['kind']}",
        description=f"Customer: {row['customer_name']}\nDiagnosis: {row['diagnosis']}\n"
        f"Technician: {row['technician_name']}\nParts: {parts}",
        location=f"{row['center_name']}, {row['city']}",
        confirmed=row["status"] == "accepted",
        updated=row["updated_at"],
    )


def _ics(body: str, *, filename: str) -> Response:
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get(
    "/{center_id}/bookings/{booking_id}/calendar.ics",
    summary="One booking as an iCalendar event",
    response_class=Response,
    responses={**_ICS, **error_responses(401, 403, 404, 422, 503)},
)
def booking_ics(conn: Conn, caller: CenterScope, center_id: Id, booking_id: Id) -> Response:
    """Return the booking as a VEVENT (CONFIRMED once accepted, TENTATIVE while only suggested)."""
    rows = repository.center_calendar(conn, center_id=center_id, booking_id=booking_id, since=None)
    if not rows:
        raise ApiError(404, "not_found", "booking not found")
    now = datetime.now(UTC)
    return _ics(
        calendar([_visit(rows[0])], name="Carecast booking", now=now), filename=f"booking-{booking_id}.ics"
    )


@router.get(
    "/{center_id}/calendar-link",
    response_model=CalendarLink,
    summary="A subscribable calendar URL for the center",
    responses=error_responses(401, 403, 422, 503),
)
def calendar_link(request: Request, state: State, caller: CenterScope, center_id: Id) -> CalendarLink:
    """Return a feed URL calendar apps can subscribe to; it stops working when this API key is revoked."""
    token = calendar_token(state.secret, center_id=center_id, key_id=caller.key_id)
    url = request.url_for("center_calendar", center_id=str(center_id)).include_query_params(token=token)
    return CalendarLink(url=str(url), token=token)


@router.get(
    "/{center_id}/calendar.ics",
    name="center_calendar",
    summary="Subscribable calendar of the center's booked visits",
    response_class=Response,
    responses={**_ICS, **error_responses(401, 403, 422, 503)},
)
def center_calendar(
    state: State,
    conn: Conn,
    center_id: Id,
    credentials: CenterKeyCredentials,
    token: Annotated[
        str | None, Query(max_length=100, description="The `token` of `calendar-link` (instead of a key)")
    ] = None,
) -> Response:
    """Return every accepted booking of the center that ends after 30 days ago, as one VCALENDAR."""
    if token is not None:
        caller = calendar_principal(conn, secret=state.secret, center_id=center_id, token=token)
        enforce_rate_limit(state, caller)
    else:
        caller = require_center_key(state, conn, credentials)
    # Not a dependency: the caller may come from the link's token instead of a key.
    if (refusal := center_refusal(caller, center_id)) is not None:
        raise refusal
    now = datetime.now(UTC)
    rows = repository.center_calendar(
        conn, center_id=center_id, booking_id=None, since=now - timedelta(days=FEED_PAST_DAYS)
    )
    name = rows[0]["center_name"] if rows else "Carecast bookings"
    return _ics(calendar([_visit(r) for r in rows], name=name, now=now), filename=f"center-{center_id}.ics")

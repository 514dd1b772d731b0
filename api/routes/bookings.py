"""Booking actions: owners and centers accept options; centers decline, check in, start work and record the
outcome.

Every action is idempotent: repeating it answers the current state, and an ``Idempotency-Key`` header replays the
first answer exactly. Two accepts of overlapping slots of one technician never both succeed (409 ``slot_taken``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path

from api.deps import CenterScope, Conn, OwnerCaller, Settings
from api.routes.vehicles import Vin
from api.schemas.bookings import AcceptRequest, BookingState, CompleteRequest, DeclineRequest
from api.schemas.common import ErrorResponse, NulFreeStr, error_responses
from api.store import bookings as booking_store
from domain.pickup import PickupAddress

router = APIRouter(tags=["bookings"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
IdempotencyKey = Annotated[
    NulFreeStr | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string; a retry with the same key gets the first answer",
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 403, 404, 422, 503),
    409: {"model": ErrorResponse, "description": "The booking's state does not allow this (e.g. slot taken)"},
}


@router.post(
    "/v1/service-centers/{center_id}/bookings/{booking_id}/accept",
    response_model=BookingState,
    summary="Accept a suggested booking for the center",
    responses=RESPONSES,
)
def center_accept(
    conn: Conn, caller: CenterScope, center_id: Id, booking_id: Id, idempotency_key: IdempotencyKey = None
) -> Any:
    """Reserve the slot and the parts; the owner's other options for the issue are released."""
    return booking_store.idempotent(
        conn,
        scope=f"key:{caller.key_id}:accept",
        key=idempotency_key,
        request={"booking": booking_id, "center": center_id},
        action=lambda: booking_store.accept(conn, booking_id=booking_id, by="center", center_id=center_id),
    )


@router.post(
    "/v1/service-centers/{center_id}/bookings/{booking_id}/decline",
    response_model=BookingState,
    summary="Decline a suggested or accepted booking",
    responses=RESPONSES,
)
def center_decline(
    conn: Conn, caller: CenterScope, center_id: Id, booking_id: Id, idempotency_key: IdempotencyKey = None
) -> Any:
    """Give the slot and parts back; the notifier offers the owner new times."""
    return booking_store.idempotent(
        conn,
        scope=f"key:{caller.key_id}:decline",
        key=idempotency_key,
        request={"booking": booking_id, "center": center_id},
        action=lambda: booking_store.decline(conn, booking_id=booking_id, center_id=center_id),
    )


@router.post(
    "/v1/service-centers/{center_id}/bookings/{booking_id}/check-in",
    response_model=BookingState,
    summary="Record that the car arrived",
    responses=RESPONSES,
)
def center_check_in(
    conn: Conn, caller: CenterScope, center_id: Id, booking_id: Id, idempotency_key: IdempotencyKey = None
) -> Any:
    """Move the case from booked to checked in."""
    return booking_store.idempotent(
        conn,
        scope=f"key:{caller.key_id}:check-in",
        key=idempotency_key,
        request={"booking": booking_id, "center": center_id},
        action=lambda: booking_store.check_in(conn, booking_id=booking_id, center_id=center_id),
    )


@router.post(
    "/v1/service-centers/{center_id}/bookings/{booking_id}/start",
    response_model=BookingState,
    summary="Record that work on the car started",
    responses=RESPONSES,
)
def center_start(
    conn: Conn, caller: CenterScope, center_id: Id, booking_id: Id, idempotency_key: IdempotencyKey = None
) -> Any:
    """Stamp the "work started" step of a checked-in car; the owner page shows it between check-in and ready."""
    return booking_store.idempotent(
        conn,
        scope=f"key:{caller.key_id}:start",
        key=idempotency_key,
        request={"booking": booking_id, "center": center_id},
        action=lambda: booking_store.start_work(conn, booking_id=booking_id, center_id=center_id),
    )


@router.post(
    "/v1/service-centers/{center_id}/bookings/{booking_id}/complete",
    response_model=BookingState,
    summary="Record the service outcome and the parts used",
    responses=RESPONSES,
)
def center_complete(
    conn: Conn,
    caller: CenterScope,
    center_id: Id,
    booking_id: Id,
    body: CompleteRequest,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Fault confirmed: the case waits for telemetry to verify the fix. No fault found: the case closes."""
    parts = [p.model_dump() for p in body.parts_used]
    return booking_store.idempotent(
        conn,
        scope=f"key:{caller.key_id}:complete",
        key=idempotency_key,
        request={"booking": booking_id, "center": center_id, **body.model_dump()},
        action=lambda: booking_store.complete(
            conn, booking_id=booking_id, center_id=center_id, outcome=body.outcome, parts_used=parts
        ),
    )


@router.post(
    "/v1/vehicles/{vin}/booking-options/{option_id}/accept",
    response_model=BookingState,
    summary="Book one of the options offered for your car",
    responses=RESPONSES,
)
def owner_accept(
    conn: Conn,
    settings: Settings,
    owner: OwnerCaller,
    vin: Vin,
    option_id: Id,
    body: AcceptRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Reserve the slot and the parts at the center; the other options are released. With ``pickup`` the center's
    driver collects the car (422 ``pickup_refused`` when the center does not offer it or the address is too far)."""
    pickup = body.pickup if body is not None else None
    choice = (
        None
        if pickup is None
        else PickupAddress(pickup.address, pickup.lat, pickup.lon, ready_at=pickup.window_start)
    )
    request: dict[str, Any] = {"booking": option_id, "vin": vin}
    if pickup is not None:
        request["pickup"] = pickup.model_dump(mode="json")
    return booking_store.idempotent(
        conn,
        scope=f"owner:{owner.customer_id}:accept",
        key=idempotency_key,
        request=request,
        action=lambda: booking_store.accept(
            conn,
            booking_id=option_id,
            by="owner",
            pickup=choice,
            pickup_speed_kmh=settings.pickup.speed_kmh,
            vin=vin,
            customer_id=owner.customer_id,
        ),
    )


@router.post(
    "/v1/vehicles/{vin}/booking-options/{option_id}/decline",
    response_model=BookingState,
    summary="Decline an option (optionally: don't remind me about this issue again)",
    responses=RESPONSES,
)
def owner_decline(
    conn: Conn,
    owner: OwnerCaller,
    vin: Vin,
    option_id: Id,
    body: DeclineRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Decline the option; with ``remind: false`` the reminders about this issue stop."""
    mute = body is not None and not body.remind
    return booking_store.idempotent(
        conn,
        scope=f"owner:{owner.customer_id}:decline",
        key=idempotency_key,
        request={"booking": option_id, "vin": vin, "mute": mute},
        action=lambda: booking_store.decline(
            conn, booking_id=option_id, mute=mute, vin=vin, customer_id=owner.customer_id
        ),
    )

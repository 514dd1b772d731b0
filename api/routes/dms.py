"""A center's dealer system (DMS) pushes the work it booked: appointments hold a technician's time and a bay,
part reservations hold stock (docs/dms-bookings.md). Keyed by the DMS's own reference, so a PUT is idempotent and
a retry is always safe; a center key acts on its own center only. The rows are core/dms.py's; notify's next pass
plans around them and releases the offers they rule out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import CenterId, Conn, ExistingCenterScope
from api.errors import ApiError
from api.schemas.common import error_responses
from api.schemas.dms import Appointment, AppointmentIn, Reservation, ReservationIn
from core import dms

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

ExternalRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="The DMS's own reference (work-order or reservation number), unique per center",
    ),
]
_RESPONSES = error_responses(401, 403, 404, 422, 503)


@router.put(
    "/{center_id}/dms/appointments/{external_ref}",
    response_model=Appointment,
    summary="Create or replace a DMS appointment (holds the technician's time and a bay)",
    responses={**_RESPONSES, 201: {"model": Appointment, "description": "Created"}},
)
def put_appointment(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    external_ref: ExternalRef,
    body: AppointmentIn,
    response: Response,
) -> Any:
    """Store the appointment as sent: 201 when new, 200 otherwise (the same body twice changes nothing)."""
    appointment = dms.Appointment(
        center_id, external_ref, body.employee_no, body.starts, body.ends, cancelled=body.cancelled
    )
    try:
        stored = dms.put_appointment(conn, appointment=appointment, now=datetime.now(UTC))
    except dms.UnknownTechnician as exc:
        raise ApiError(422, "unknown_technician", f"body.employee_no: {exc}") from exc
    except dms.DmsError as exc:
        raise ApiError(422, "invalid_appointment", str(exc)) from exc
    response.status_code = 201 if stored.created else 200
    return dms.get_appointment(conn, center_id=center_id, external_ref=external_ref)


@router.get(
    "/{center_id}/dms/appointments/{external_ref}",
    response_model=Appointment,
    summary="A DMS appointment as stored",
    responses=_RESPONSES,
)
def get_appointment(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, external_ref: ExternalRef
) -> Any:
    """Return the appointment, 404 when the center has none with this reference."""
    found = dms.get_appointment(conn, center_id=center_id, external_ref=external_ref)
    if found is None:
        raise ApiError(404, "not_found", "appointment not found")
    return found


@router.delete(
    "/{center_id}/dms/appointments/{external_ref}",
    status_code=204,
    response_class=Response,
    summary="Delete a DMS appointment (its time is free again)",
    responses=_RESPONSES,
)
def delete_appointment(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, external_ref: ExternalRef
) -> Response:
    """Delete the appointment; 204 also when it was already gone (a retried DELETE is safe)."""
    dms.delete_appointment(conn, center_id=center_id, external_ref=external_ref)
    return Response(status_code=204)


@router.put(
    "/{center_id}/dms/reservations/{external_ref}",
    response_model=Reservation,
    summary="Create or replace a DMS part reservation (holds stock until released)",
    responses={**_RESPONSES, 201: {"model": Reservation, "description": "Created"}},
)
def put_reservation(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    external_ref: ExternalRef,
    body: ReservationIn,
    response: Response,
) -> Any:
    """Store the reservation as sent (its lines replace the previous ones): 201 when new, 200 otherwise."""
    reservation = dms.Reservation(
        center_id,
        external_ref,
        tuple(dms.ReservationLine(line.sku, line.quantity) for line in body.lines),
        released=body.released,
    )
    try:
        stored = dms.put_reservation(conn, reservation=reservation, now=datetime.now(UTC))
    except dms.UnknownParts as exc:
        raise ApiError(422, "unknown_part", f"body.lines: {exc}") from exc
    except dms.DmsError as exc:
        raise ApiError(422, "invalid_reservation", str(exc)) from exc
    response.status_code = 201 if stored.created else 200
    return dms.get_reservation(conn, center_id=center_id, external_ref=external_ref)


@router.get(
    "/{center_id}/dms/reservations/{external_ref}",
    response_model=Reservation,
    summary="A DMS part reservation as stored",
    responses=_RESPONSES,
)
def get_reservation(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, external_ref: ExternalRef
) -> Any:
    """Return the reservation, 404 when the center has none with this reference."""
    found = dms.get_reservation(conn, center_id=center_id, external_ref=external_ref)
    if found is None:
        raise ApiError(404, "not_found", "reservation not found")
    return found


@router.delete(
    "/{center_id}/dms/reservations/{external_ref}",
    status_code=204,
    response_class=Response,
    summary="Delete a DMS part reservation (its stock is free again)",
    responses=_RESPONSES,
)
def delete_reservation(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, external_ref: ExternalRef
) -> Response:
    """Delete the reservation; 204 also when it was already gone."""
    dms.delete_reservation(conn, center_id=center_id, external_ref=external_ref)
    return Response(status_code=204)

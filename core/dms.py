"""The one writer of ``dms_appointment`` and ``dms_part_reservation``: work a center's dealer system (DMS) booked,
pushed to the API (docs/dms-bookings.md). Appointments hold their technician's time and a bay, reservations their
stock; notify's booking planning reads both and releases the offers they now rule out. Writes are idempotent by
the DMS's own reference: the same PUT twice leaves the same rows (and the same ``updated_at``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row, tuple_row

from core.db import query
from core.errors import CarecastError
from core.sql import (
    DMS_APPOINTMENT_DELETE,
    DMS_APPOINTMENT_GET,
    DMS_APPOINTMENT_UPSERT,
    DMS_PARTS,
    DMS_RESERVATION_DELETE,
    DMS_RESERVATION_GET,
    DMS_RESERVATION_LOCK,
    DMS_RESERVATION_PRUNE,
    DMS_RESERVATION_UPSERT,
    DMS_TECHNICIAN,
)


class DmsError(CarecastError):
    """A DMS booking that cannot be stored as sent (the caller's mistake, not ours)."""


class UnknownTechnician(DmsError):
    """No technician of the center has that employee number."""


class UnknownParts(DmsError):
    """SKUs that are not in the parts catalogue."""


@dataclass(frozen=True, slots=True)
class Appointment:
    """A DMS appointment: the technician by employee number (None: a bay without a named technician)."""

    center_id: int
    external_ref: str
    employee_no: str | None
    starts: datetime
    ends: datetime
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class ReservationLine:
    """One part of a reservation."""

    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    """A DMS part reservation: its lines replace the previous ones of the same reference."""

    center_id: int
    external_ref: str
    lines: tuple[ReservationLine, ...]
    released: bool = False


@dataclass(frozen=True, slots=True)
class AppointmentRecord:
    """An appointment as stored."""

    external_ref: str
    employee_no: str | None
    starts: datetime
    ends: datetime
    cancelled: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    """A reservation as stored: its lines by SKU, released when all of them are."""

    external_ref: str
    lines: tuple[ReservationLine, ...]
    released: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Stored:
    """What a write did: created the booking, changed it, or found it as sent."""

    created: bool
    changed: bool


def put_appointment(conn: psycopg.Connection, *, appointment: Appointment, now: datetime) -> Stored:
    """Create or update the appointment by its reference; raise UnknownTechnician or DmsError for bad input."""
    if appointment.ends <= appointment.starts:
        raise DmsError("ends must be after starts")
    technician_id = None
    if appointment.employee_no is not None:
        params = {"center_id": appointment.center_id, "employee_no": appointment.employee_no}
        with conn.cursor(row_factory=tuple_row) as cur:
            found = cur.execute(query(DMS_TECHNICIAN), params).fetchone()
        if found is None:
            raise UnknownTechnician(
                f"no technician of this center has employee number {appointment.employee_no!r}"
            )
        technician_id = found[0]
    params = {
        "center_id": appointment.center_id,
        "external_ref": appointment.external_ref,
        "technician_id": technician_id,
        "starts": appointment.starts,
        "ends": appointment.ends,
        "cancelled": appointment.cancelled,
        "now": now,
    }
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(DMS_APPOINTMENT_UPSERT), params).fetchone()
    return Stored(created=bool(row and row[0]), changed=row is not None)


def get_appointment(
    conn: psycopg.Connection, *, center_id: int, external_ref: str
) -> AppointmentRecord | None:
    """Return the stored appointment, None when unknown."""
    params = {"center_id": center_id, "external_ref": external_ref}
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(DMS_APPOINTMENT_GET), params).fetchone()
    return None if row is None else AppointmentRecord(**row)


def delete_appointment(conn: psycopg.Connection, *, center_id: int, external_ref: str) -> bool:
    """Delete the appointment; return whether there was one."""
    params = {"center_id": center_id, "external_ref": external_ref}
    return conn.execute(query(DMS_APPOINTMENT_DELETE), params).rowcount > 0


def put_reservation(conn: psycopg.Connection, *, reservation: Reservation, now: datetime) -> Stored:
    """Replace the reservation's lines by reference; raise UnknownParts or DmsError for bad input."""
    skus = [line.sku for line in reservation.lines]
    if not skus:
        raise DmsError("a reservation needs at least one line")
    if len(set(skus)) != len(skus):
        raise DmsError("each SKU may appear once in a reservation")
    if any(line.quantity <= 0 for line in reservation.lines):
        raise DmsError("quantities must be positive")
    with conn.cursor(row_factory=tuple_row) as cur:
        part_ids: dict[str, int] = dict(cur.execute(query(DMS_PARTS), {"skus": skus}).fetchall())
    missing = sorted(set(skus) - part_ids.keys())
    if missing:
        raise UnknownParts(f"unknown SKU(s): {', '.join(missing)}")
    key = {"center_id": reservation.center_id, "external_ref": reservation.external_ref}
    with conn.transaction():
        conn.execute(query(DMS_RESERVATION_LOCK), key)
        before = get_reservation(conn, center_id=reservation.center_id, external_ref=reservation.external_ref)
        conn.execute(query(DMS_RESERVATION_PRUNE), key | {"part_ids": list(part_ids.values())})
        with conn.cursor() as cur:
            cur.executemany(
                query(DMS_RESERVATION_UPSERT),
                [
                    key | {"part_id": part_ids[line.sku], "quantity": line.quantity,
                           "released": reservation.released, "now": now}
                    for line in reservation.lines
                ],
            )  # fmt: skip
        after = get_reservation(conn, center_id=reservation.center_id, external_ref=reservation.external_ref)
    return Stored(created=before is None, changed=_state(before) != _state(after))


def get_reservation(
    conn: psycopg.Connection, *, center_id: int, external_ref: str
) -> ReservationRecord | None:
    """Return the stored reservation, None when unknown."""
    params = {"center_id": center_id, "external_ref": external_ref}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query(DMS_RESERVATION_GET), params).fetchall()
    if not rows:
        return None
    return ReservationRecord(
        external_ref=external_ref,
        lines=tuple(ReservationLine(r["sku"], r["quantity"]) for r in rows),
        released=all(r["released"] for r in rows),
        updated_at=max(r["updated_at"] for r in rows),
    )


def delete_reservation(conn: psycopg.Connection, *, center_id: int, external_ref: str) -> bool:
    """Delete every line of the reservation; return whether there was one."""
    params = {"center_id": center_id, "external_ref": external_ref}
    return conn.execute(query(DMS_RESERVATION_DELETE), params).rowcount > 0


def _state(record: ReservationRecord | None) -> tuple | None:
    return None if record is None else (record.lines, record.released)

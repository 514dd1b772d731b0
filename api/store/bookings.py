"""Database side of booking actions: lock the option, apply the lifecycle rule's verdict, reserve or use parts,
and remember answers per Idempotency-Key. Every action runs in one transaction (a savepoint of the request's)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from api.errors import ApiError
from api.sql import (
    BOOKING_LOCK,
    BOOKING_STATE,
    IDEMPOTENCY_GET,
    IDEMPOTENCY_LOCK,
    IDEMPOTENCY_PUT,
    PARTS_CONSUME,
    PARTS_RESERVE,
)
from api.store import pickup as pickup_store
from core import bookings, cases
from core.db import SqlFile, query
from core.settings import PickupSettings
from domain import lifecycle
from domain.pickup import PickupAddress
from domain.vocabulary import BookingStatus, CaseStage


def _row(conn: psycopg.Connection, name: SqlFile, params: dict[str, Any]) -> dict[str, Any] | None:
    return conn.cursor(row_factory=dict_row).execute(query(name), params).fetchone()


def _lock(
    conn: psycopg.Connection,
    *,
    booking_id: int,
    center_id: int | None = None,
    vin: str | None = None,
    customer_id: int | None = None,
) -> tuple[dict[str, Any], lifecycle.BookingState]:
    params = {"booking_id": booking_id, "center_id": center_id, "vin": vin, "customer_id": customer_id}
    row = _row(conn, BOOKING_LOCK, params)
    if row is None:
        raise ApiError(404, "not_found", "booking not found")
    state = lifecycle.BookingState(
        status=row["status"],
        risk_status=row["risk_status"],
        stage=row["stage"],
        is_case_booking=row["booking_id"] == row["id"],
        work_started=row["work_started_at"] is not None,
    )
    return row, state


def state(conn: psycopg.Connection, *, booking_id: int) -> dict[str, Any]:
    """Return the booking option and its case as the API shows them."""
    row = _row(conn, BOOKING_STATE, {"booking_id": booking_id})
    assert row is not None  # the caller holds the row lock
    return row


def _move(
    conn: psycopg.Connection, row: dict[str, Any], *, stage: CaseStage, now: datetime, **changes: Any
) -> None:
    cases.move(conn, risk_id=row["risk_id"], vehicle_id=row["vehicle_id"], stage=stage, now=now, **changes)


def _parts(conn: psycopg.Connection, row: dict[str, Any], *, sign: int) -> None:
    for part in row["parts"]:
        params = {"sku": part["sku"], "center_id": row["center_id"], "delta": sign * int(part["qty"])}
        conn.execute(query(PARTS_RESERVE), params)


def _hold_slot(
    conn: psycopg.Connection, *, booking_id: int, by: str, now: datetime, attempts: int = 3
) -> None:
    """Mark the option accepted; 409 when the exclusion constraint says another accept holds the slot.

    Concurrent accepts of overlapping slots can deadlock inside the exclusion check; PostgreSQL then aborts one of
    them. Its savepoint is rolled back and the statement retried: it now waits for the winner and gets the
    exclusion violation (or the slot, if the winner rolled back).
    """
    for attempt in range(attempts):
        try:
            with conn.transaction():
                bookings.accept(conn, booking_id=booking_id, by=by, now=now)
            return
        except psycopg.errors.DeadlockDetected as exc:
            if attempt == attempts - 1:
                raise ApiError(409, "slot_taken", "this slot was just taken; choose another option") from exc
        except (psycopg.errors.ExclusionViolation, psycopg.errors.UniqueViolation) as exc:
            raise ApiError(409, "slot_taken", "this slot was just taken; choose another option") from exc


def accept(
    conn: psycopg.Connection,
    *,
    booking_id: int,
    by: str,
    pickup: PickupAddress | None = None,
    pickup_speed_kmh: float = PickupSettings().speed_kmh,
    **scope: Any,
) -> dict[str, Any]:
    """Accept an option: hold the technician's slot (the database refuses overlaps) and reserve the parts; with
    `pickup`, the center's driver collects the car (422 when the center cannot)."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, **scope)
        if _verdict(lifecycle.accept, current):
            now = datetime.now(UTC)
            if pickup is not None:
                pickup_store.apply(conn, booking_id=booking_id, choice=pickup, speed_kmh=pickup_speed_kmh)
            _hold_slot(conn, booking_id=booking_id, by=by, now=now)
            _parts(conn, row, sign=+1)
            bookings.release_others(conn, risk_id=row["risk_id"], booking_id=booking_id, now=now)
            _move(conn, row, stage=CaseStage.BOOKED, now=now, booking_id=booking_id)
        return state(conn, booking_id=booking_id)


def decline(conn: psycopg.Connection, *, booking_id: int, mute: bool = False, **scope: Any) -> dict[str, Any]:
    """Decline an option; an accepted one gives its slot and parts back and the case waits for new offers."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, **scope)
        now = datetime.now(UTC)
        if _verdict(lifecycle.decline, current):
            bookings.decline(conn, booking_id=booking_id, now=now)
            if current.status == BookingStatus.ACCEPTED:
                _parts(conn, row, sign=-1)
                cases.unbook(conn, risk_id=row["risk_id"], mute=mute, now=now)
        if mute:
            cases.mute(conn, risk_id=row["risk_id"], vehicle_id=row["vehicle_id"], now=now)
        return state(conn, booking_id=booking_id)


def check_in(conn: psycopg.Connection, *, booking_id: int, center_id: int) -> dict[str, Any]:
    """Record that the car arrived at the workshop."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, center_id=center_id)
        if _verdict(lifecycle.check_in, current):
            _move(conn, row, stage=CaseStage.CHECKED_IN, now=datetime.now(UTC))
        return state(conn, booking_id=booking_id)


def start_work(conn: psycopg.Connection, *, booking_id: int, center_id: int) -> dict[str, Any]:
    """Record that work on the checked-in car started (the owner sees the step)."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, center_id=center_id)
        if _verdict(lifecycle.start_work, current):
            cases.start_work(conn, risk_id=row["risk_id"], now=datetime.now(UTC))
        return state(conn, booking_id=booking_id)


def complete(
    conn: psycopg.Connection,
    *,
    booking_id: int,
    center_id: int,
    outcome: str,
    parts_used: list[dict[str, Any]],
) -> dict[str, Any]:
    """Record the service outcome: parts leave the shelf, the reservation ends, the case moves on."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, center_id=center_id)
        verdict = _verdict(lambda s: lifecycle.complete(s, outcome=outcome), current)
        if verdict is not None:
            stage, close_reason = verdict
            _parts(conn, row, sign=-1)
            for part in parts_used:
                params = {"sku": part["sku"], "qty": int(part["qty"]), "center_id": row["center_id"]}
                conn.execute(query(PARTS_CONSUME), params)
            _move(
                conn,
                row,
                stage=stage,
                now=datetime.now(UTC),
                outcome=outcome,
                parts_used=Jsonb(parts_used),
                close_reason=close_reason,
            )
        return state(conn, booking_id=booking_id)


def reschedule(
    conn: psycopg.Connection, *, booking_id: int, center_id: int, slot_start: datetime
) -> dict[str, Any]:
    """Move a booked visit (car not yet in) to another slot of its technician, same length; 409 when the slot is
    taken or the owner's pickup is planned around the old one."""
    with conn.transaction():
        row, current = _lock(conn, booking_id=booking_id, center_id=center_id)
        _verdict(lifecycle.reschedule, current)
        if row.get("pickup_at") is not None:
            raise ApiError(409, "pickup_planned", "a pickup is planned for this visit; the owner must rebook")
        slot_end = slot_start + (row["slot_end"] - row["slot_start"])
        try:
            with conn.transaction():
                bookings.reschedule(
                    conn,
                    booking_id=booking_id,
                    slot_start=slot_start,
                    slot_end=slot_end,
                    now=datetime.now(UTC),
                )
        except psycopg.errors.ExclusionViolation as exc:
            raise ApiError(409, "slot_taken", "this slot is taken; choose another") from exc
        return state(conn, booking_id=booking_id)


def _verdict(rule: Callable[[lifecycle.BookingState], Any], current: lifecycle.BookingState) -> Any:
    try:
        return rule(current)
    except lifecycle.LifecycleError as exc:
        raise ApiError(409, exc.code, exc.message) from exc


def idempotent(
    conn: psycopg.Connection,
    *,
    scope: str,
    key: str | None,
    request: Any,
    action: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run `action` once per (scope, Idempotency-Key); a replay gets the first answer, a different request 422."""
    if key is None:
        return action()
    sig = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    with conn.transaction():
        conn.execute(query(IDEMPOTENCY_LOCK), {"scope": scope, "key": key})
        found = _row(conn, IDEMPOTENCY_GET, {"scope": scope, "key": key})
        if found is not None:
            if found["request_sig"] != sig:
                raise ApiError(
                    422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
                )
            return found["response"]
        result = action()
        response = json.loads(json.dumps(result, default=_jsonable))
        params = {"scope": scope, "key": key, "sig": sig, "status": 200, "response": Jsonb(response)}
        conn.execute(query(IDEMPOTENCY_PUT), params)
        return response


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

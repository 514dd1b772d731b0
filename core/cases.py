"""The one writer of ``care_case``: every stage change of a case goes through here, stamped with the caller's
``now`` (the clock convention: notify passes its pass's time, the API the request's time; SQL ``now()`` is never
used for a case). Which transitions are allowed is decided in domain/lifecycle.py before these are called."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from core import events
from core.db import query
from core.sql import (
    CASE_CLOSE,
    CASE_CLOSE_VERIFIED,
    CASE_MOVE,
    CASE_MUTE,
    CASE_NOTICE,
    CASE_SERVICED_ELSEWHERE,
    CASE_START_WORK,
    CASE_UNBOOK,
)
from domain.vocabulary import CaseStage, CloseReason


def record_notice(
    conn: psycopg.Connection, *, risk_id: int, vehicle_id: int, severity: str, now: datetime
) -> None:
    """Mark the case notified (created if new), remembering the severity the owner was told."""
    params = {"risk_id": risk_id, "vehicle_id": vehicle_id, "severity": severity, "now": now}
    conn.execute(query(CASE_NOTICE), params)


def close(
    conn: psycopg.Connection, *, risk_id: int, vehicle_id: int, reason: CloseReason, now: datetime
) -> None:
    """Close the case without a visit (created if new), with why."""
    params = {"risk_id": risk_id, "vehicle_id": vehicle_id, "close_reason": reason, "now": now}
    conn.execute(query(CASE_CLOSE), params)
    events.case_stage_changed(conn, risk_id=risk_id, now=now)


def start_work(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> None:
    """Stamp "work started" on a checked-in case (the owner page's step between check-in and ready), once."""
    if conn.execute(query(CASE_START_WORK), {"risk_id": risk_id, "now": now}).rowcount:
        events.case_stage_changed(conn, risk_id=risk_id, now=now)


def close_verified(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> None:
    """Close a serviced case whose fix the telemetry verified, and its risk (a new finding opens a new one)."""
    conn.execute(query(CASE_CLOSE_VERIFIED), {"risk_id": risk_id, "now": now})
    events.case_stage_changed(conn, risk_id=risk_id, now=now)


def move(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    vehicle_id: int,
    stage: CaseStage,
    now: datetime,
    booking_id: int | None = None,
    outcome: str | None = None,
    parts_used: Any = None,
    close_reason: CloseReason | None = None,
    mute: bool = False,
) -> None:
    """Move the case to a workshop stage (booked, checked_in, serviced or closed at the visit), stamping the step."""
    params = {
        "risk_id": risk_id,
        "vehicle_id": vehicle_id,
        "stage": stage,
        "booking_id": booking_id,
        "outcome": outcome,
        "parts_used": parts_used,
        "close_reason": close_reason,
        "mute": mute,
        "now": now,
    }
    conn.execute(query(CASE_MOVE), params)
    events.case_stage_changed(conn, risk_id=risk_id, now=now)
    if outcome is not None:
        # The booking's visit happened: the service history gets it too. Imported here because
        # core.service_history moves cases through this module.
        from core import service_history

        service_history.record_booking_visit(conn, risk_id=risk_id, now=now)


def serviced_elsewhere(
    conn: psycopg.Connection, *, risk_id: int, vehicle_id: int, serviced_at: datetime, now: datetime
) -> None:
    """A visit outside the booking's own steps (the dealer system) fixed the risk: the case (created if new) is
    serviced with a confirmed fault at `serviced_at`, and telemetry verifies it as after a booking."""
    params = {"risk_id": risk_id, "vehicle_id": vehicle_id, "serviced_at": serviced_at, "now": now}
    conn.execute(query(CASE_SERVICED_ELSEWHERE), params)
    events.case_stage_changed(conn, risk_id=risk_id, now=now)


def mute(conn: psycopg.Connection, *, risk_id: int, vehicle_id: int, now: datetime) -> None:
    """The owner said "don't remind me": no more reminders for this case."""
    conn.execute(query(CASE_MUTE), {"risk_id": risk_id, "vehicle_id": vehicle_id, "now": now})


def unbook(conn: psycopg.Connection, *, risk_id: int, mute: bool, now: datetime) -> None:
    """A booked visit was declined: the case goes back to notified so new times are offered (unless muted)."""
    conn.execute(query(CASE_UNBOOK), {"risk_id": risk_id, "mute": mute, "now": now})
    events.case_stage_changed(conn, risk_id=risk_id, now=now)

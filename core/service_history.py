"""The one writer of ``service_visit``: a vehicle's service history, from the dealer system (DMS) and from
Carecast's own bookings.

Recording a visit also updates what Carecast does next: the car's last visit (``vehicle.last_visit_at``, read by
the silent-customer outreach), and every open risk the visit's work fixed moves to ``serviced`` through
core/cases.py, where notify's telemetry check verifies and closes it exactly as after a booking
(notify/verification.py). The maintenance rule reads the last maintenance visit itself
(detection/sql/load_service_visits.sql). Recording the same visit twice changes nothing: visits are keyed by
(source, center, external reference). Timestamps: ``recorded_at`` and case steps are the caller's ``now``; the
service itself is dated by the visit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
import structlog
from psycopg.rows import dict_row, tuple_row

from core import bookings, cases
from core.db import query
from core.sql import (
    BOOKING_VISIT,
    VEHICLE_LAST_VISIT,
    VISIT_FIXED_RISKS,
    VISIT_LOOKUP,
    VISIT_OWNER,
    VISIT_UPSERT,
)
from domain import lifecycle
from domain.service_visit import ServiceVisit, VisitProblemCode, VisitSource, booking_work, invalid

log = structlog.get_logger("core.service_history")

# A detection pass on the day of the visit still reads the day's readings from before it and may raise the risk
# after the visit happened: a risk first seen this long after the visit still counts as fixed by it.
ECHO = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class VisitProblem:
    """Why one visit of a batch was not recorded: its position in the batch, its keys, a code and a message."""

    index: int
    vin: str
    center_code: str
    external_ref: str
    code: VisitProblemCode
    message: str


@dataclass(frozen=True, slots=True)
class VisitReport:
    """What recording a batch did: visits created, updated (corrected) and unchanged (repeats), the risks moved
    to verification, and the visits refused with why."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_serviced: int = 0
    problems: tuple[VisitProblem, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class _Ids:
    vehicle_id: int
    center_id: int
    technician_id: int | None


class _Refused(Exception):
    def __init__(self, code: VisitProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def record_visits(conn: psycopg.Connection, visits: Sequence[ServiceVisit], *, now: datetime) -> VisitReport:
    """Record visits (each in its own transaction or savepoint: one bad visit never drops the others) and apply
    their effects; return the counts and the problems, naming each refused visit."""
    started = time.monotonic()
    created = updated = unchanged = serviced = 0
    problems: list[VisitProblem] = []
    for index, visit in enumerate(visits):
        try:
            with conn.transaction():
                outcome, moved = _record(conn, visit, now=now)
        except _Refused as refused:
            problems.append(
                VisitProblem(
                    index, visit.vin, visit.center_code, visit.external_ref, refused.code, refused.message
                )
            )
            continue
        except psycopg.Error:
            # Its savepoint is rolled back; the others of the batch are still recorded.
            log.exception("service_history.visit_failed", index=index, external_ref=visit.external_ref)
            problems.append(
                VisitProblem(
                    index, visit.vin, visit.center_code, visit.external_ref, VisitProblemCode.FAILED,
                    "the visit could not be recorded; send it again",
                )
            )  # fmt: skip
            continue
        created += outcome == "created"
        updated += outcome == "updated"
        unchanged += outcome == "unchanged"
        serviced += moved
    report = VisitReport(created, updated, unchanged, serviced, tuple(problems))
    log.info(
        "service_history.recorded", visits=len(visits), created=created, updated=updated, unchanged=unchanged,
        cases_serviced=serviced, problems=len(problems),
        problem_codes=",".join(sorted({str(p.code) for p in problems})) or "-",
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )  # fmt: skip
    return report


def _record(conn: psycopg.Connection, visit: ServiceVisit, *, now: datetime) -> tuple[str, int]:
    """Record one visit; return ("created" | "updated" | "unchanged", risks moved to serviced)."""
    refusal = invalid(visit, now=now)
    if refusal is not None:
        raise _Refused(*refusal)
    ids = _resolve(conn, visit)
    params = {
        "vehicle_id": ids.vehicle_id, "center_id": ids.center_id, "technician_id": ids.technician_id,
        "source": str(visit.source), "external_ref": visit.external_ref, "visited_at": visit.visited_at,
        "odometer_km": visit.odometer_km, "work": sorted({str(w) for w in visit.work}),
        "parts": sorted(set(visit.parts)), "now": now,
    }  # fmt: skip
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(VISIT_UPSERT), params).fetchone()
        owner = None if row is not None else cur.execute(query(VISIT_OWNER), params).fetchone()
    if row is None:
        if owner is not None and owner[0] != ids.vehicle_id:
            raise _Refused(
                VisitProblemCode.REF_CONFLICT,
                f"work order {visit.external_ref} of center {visit.center_code} is recorded for another vehicle",
            )
        return "unchanged", 0
    _touch_last_visit(conn, vehicle_id=ids.vehicle_id, visited_at=visit.visited_at)
    moved = _service_fixed_risks(conn, visit, vehicle_id=ids.vehicle_id, now=now)
    return ("created" if row[1] else "updated"), moved


def _resolve(conn: psycopg.Connection, visit: ServiceVisit) -> _Ids:
    params = {"vin": visit.vin, "center_code": visit.center_code, "employee_no": visit.technician_employee_no}
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(VISIT_LOOKUP), params).fetchone()
    assert row is not None  # the statement always returns one row
    if row["vehicle_id"] is None:
        raise _Refused(VisitProblemCode.UNKNOWN_VEHICLE, f"no vehicle with VIN {visit.vin}")
    if row["center_id"] is None:
        raise _Refused(VisitProblemCode.UNKNOWN_CENTER, f"no service center with code {visit.center_code!r}")
    if visit.technician_employee_no is not None and row["technician_center_id"] != row["center_id"]:
        raise _Refused(
            VisitProblemCode.UNKNOWN_TECHNICIAN,
            f"no technician {visit.technician_employee_no!r} at center {visit.center_code!r}",
        )
    return _Ids(row["vehicle_id"], row["center_id"], row["technician_id"])


def _touch_last_visit(conn: psycopg.Connection, *, vehicle_id: int, visited_at: datetime) -> None:
    conn.execute(query(VEHICLE_LAST_VISIT), {"vehicle_id": vehicle_id, "visited_at": visited_at})


def _service_fixed_risks(
    conn: psycopg.Connection, visit: ServiceVisit, *, vehicle_id: int, now: datetime
) -> int:
    """Move the vehicle's open risks the visit fixed to serviced (their open offers end); return how many."""
    kinds = sorted(str(k) for k in visit.fixes())
    if not kinds:
        return 0
    params = {"vehicle_id": vehicle_id, "kinds": kinds, "visited_at": visit.visited_at, "echo": ECHO}
    with conn.cursor(row_factory=dict_row) as cur:
        risks = cur.execute(query(VISIT_FIXED_RISKS), params).fetchall()
    moved = 0
    for risk in risks:
        if not lifecycle.serviced_elsewhere(risk["stage"]):
            continue
        cases.serviced_elsewhere(
            conn, risk_id=risk["risk_id"], vehicle_id=vehicle_id, serviced_at=visit.visited_at, now=now
        )
        bookings.release_offers(conn, risk_id=risk["risk_id"], now=now)
        moved += 1
    return moved


def record_booking_visit(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> bool:
    """Add the visit of a case's Carecast booking, once its outcome is recorded, to the service history (source
    ``carecast``, keyed by the booking id); return True when it was new. Cases without a booking add nothing."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(BOOKING_VISIT), {"risk_id": risk_id}).fetchone()
    if row is None:
        return False
    params: dict[str, Any] = {
        "vehicle_id": row["vehicle_id"], "center_id": row["center_id"], "technician_id": row["technician_id"],
        "source": str(VisitSource.CARECAST), "external_ref": str(row["booking_id"]), "visited_at": now,
        "odometer_km": None, "work": [str(w) for w in booking_work(row["kind"], outcome=row["outcome"])],
        "parts": sorted({str(p["sku"]) for p in row["parts_used"] or () if p.get("sku")}), "now": now,
    }  # fmt: skip
    with conn.cursor(row_factory=tuple_row) as cur:
        if cur.execute(query(VISIT_UPSERT), params).fetchone() is None:
            return False
    _touch_last_visit(conn, vehicle_id=row["vehicle_id"], visited_at=now)
    return True

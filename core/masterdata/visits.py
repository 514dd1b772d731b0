"""The writer of visit rows: handed to the service history (core/service_history.py), which owns service_visit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg

from core.masterdata.report import BatchResult, Changes
from core.masterdata.writers import Numbered, typed
from core.service_history import record_visits
from domain.masterdata import RowError
from domain.masterdata.visits import VisitRow
from domain.service_visit import VisitProblemCode

# The column of the file each refusal of the service history is about.
_FIELD: dict[VisitProblemCode, str | None] = {
    VisitProblemCode.INVALID_VIN: "vin",
    VisitProblemCode.UNKNOWN_VEHICLE: "vin",
    VisitProblemCode.NAIVE_TIME: "visited_at",
    VisitProblemCode.FUTURE_VISIT: "visited_at",
    VisitProblemCode.UNKNOWN_CENTER: "center_code",
    VisitProblemCode.UNKNOWN_TECHNICIAN: "technician_employee_no",
    VisitProblemCode.REF_CONFLICT: "external_ref",
    VisitProblemCode.INVALID_VISIT: None,
}


def write_visits(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Record the visits through the service history; each visit it refuses is a bad row."""
    batch: list[tuple[int, VisitRow]] = typed(rows, VisitRow)
    report = record_visits(conn, [r.visit() for _, r in batch], now=now)
    errors = [
        RowError(batch[p.index][0], _FIELD.get(p.code), f"{p.message} ({p.code})") for p in report.problems
    ]
    changes = Changes(unnamed_created=report.created, unnamed_updated=report.updated)
    return BatchResult(errors, changes, len(batch) - len(errors))

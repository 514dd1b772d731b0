"""The service history: a center's dealer system (DMS) reports the visits it did, and reads a vehicle's history.

Visits are recorded by core/service_history.py (the one writer of ``service_visit``), which also moves the risks
the work fixed to verification; see docs/dms.md. A malformed body (VIN, work code, a time without offset) is refused
whole (422); a well-formed visit that names an unknown vehicle or technician, or lies in the future, is reported in
the answer while the others of the batch are recorded. A single visit with a problem answers 422 with its code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from psycopg.rows import dict_row

from api.deps import CenterScope, Conn, ExistingCenterScope
from api.errors import ApiError
from api.routes.vehicles import Vin
from api.schemas.common import error_responses
from api.schemas.visits import VisitBatch, VisitHistory, VisitIn, VisitReportOut
from api.sql import VISIT_CENTER_CODE, VISIT_HISTORY, VISIT_VEHICLE
from core.db import query
from core.service_history import VisitReport, record_visits
from domain.service_visit import ServiceVisit

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
HISTORY_LIMIT = 200


def _center_code(conn: Conn, center_id: int) -> str:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(VISIT_CENTER_CODE), {"center_id": center_id}).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "service center not found")
    return str(row["code"])


def _visit(item: VisitIn, *, center_code: str) -> ServiceVisit:
    return ServiceVisit(
        vin=item.vin,
        center_code=item.center_code or center_code,
        external_ref=item.external_ref,
        visited_at=item.visited_at,
        work=tuple(item.work),
        odometer_km=item.odometer_km,
        parts=tuple(item.parts),
        technician_employee_no=item.technician_employee_no,
    )


def _out(report: VisitReport) -> VisitReportOut:
    return VisitReportOut.model_validate(
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "cases_serviced": report.cases_serviced,
            "problems": [
                {
                    "index": p.index,
                    "vin": p.vin,
                    "center_code": p.center_code,
                    "external_ref": p.external_ref,
                    "code": p.code,
                    "message": p.message,
                }
                for p in report.problems
            ],
        }  # fmt: skip
    )


@router.post(
    "/{center_id}/visits",
    response_model=VisitReportOut,
    summary="Record visits done at the center (from its dealer system)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def post_visits(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: Id,
    body: Annotated[VisitIn | VisitBatch, Body(description='One visit, or {"visits": [...]}')],
) -> VisitReportOut:
    """Record one visit or a batch at this center; repeats change nothing. Answer what was recorded and which
    visits were refused and why (a single refused visit answers 422)."""
    code = _center_code(conn, center_id)
    items = body.visits if isinstance(body, VisitBatch) else [body]
    for index, item in enumerate(items):
        if item.center_code is not None and item.center_code != code:
            raise ApiError(
                422,
                "center_mismatch",
                f"visit {index} names center {item.center_code!r}, not this center ({code})",
            )
    report = record_visits(conn, [_visit(i, center_code=code) for i in items], now=datetime.now(UTC))
    if isinstance(body, VisitIn) and report.problems:
        problem = report.problems[0]
        raise ApiError(422, str(problem.code), problem.message)
    return _out(report)


@router.get(
    "/{center_id}/vehicles/{vin}/visits",
    response_model=VisitHistory,
    summary="A vehicle's service history, newest first",
    responses=error_responses(401, 403, 404, 422, 503),
)
def get_visits(conn: Conn, caller: CenterScope, center_id: Id, vin: Vin) -> VisitHistory:
    """Return the vehicle's visits at every center (dealer system and Carecast), newest first; 404 for a vehicle
    this center has not served and whose owner does not prefer it."""
    scope = None if caller.role == "admin" else center_id
    with conn.cursor(row_factory=dict_row) as cur:
        vehicle = cur.execute(query(VISIT_VEHICLE), {"vin": vin, "center_id": scope}).fetchone()
        if vehicle is None:
            raise ApiError(404, "not_found", "vehicle not found")
        rows: list[dict[str, Any]] = cur.execute(
            query(VISIT_HISTORY), {"vehicle_id": vehicle["id"], "limit": HISTORY_LIMIT}
        ).fetchall()
    return VisitHistory.model_validate({"vin": vehicle["vin"], "visits": rows})

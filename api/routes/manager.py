"""Manager routes (admin keys): rule precision and lead time from workshop outcomes, center response times and
satisfaction from after-visit surveys."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminCaller, Conn
from api.schemas.common import error_responses
from api.schemas.manager import ManagerReport
from api.store import feedback_loop, repository
from api.views.feedback_loop import metrics_out
from core.outcomes import rule_outcomes

router = APIRouter(prefix="/v1/manager", tags=["managers"])


@router.get(
    "/report",
    response_model=ManagerReport,
    summary="Rule precision, lead time and center response times",
    responses=error_responses(401, 403, 422, 503),
)
def report(
    conn: Conn,
    _admin: AdminCaller,
    days: Annotated[int, Query(ge=1, le=730, description="Look back this many days")] = 90,
) -> ManagerReport:
    """Return per-rule outcomes (precision, lead days), per-center response times, satisfaction and the feedback
    loop's numbers (alert response times, recovery, NPS, repeat visits, per advisor); admin keys only."""
    since = datetime.now(UTC) - timedelta(days=days)
    rules = [{**asdict(r), "precision": r.precision} for r in rule_outcomes(conn, since=since)]
    scores = repository.satisfaction(conn, since=since)
    loops = feedback_loop.center_loops(conn, since=since)
    centers = [
        {
            **c,
            "satisfaction": scores.get(c["center_id"], {"answered": 0, "mean_score": None, "low_scores": 0}),
            "feedback": metrics_out(loops.get(c["center_id"])),
        }
        for c in repository.center_response(conn, since=since)
    ]
    return ManagerReport.model_validate({"since": since, "rules": rules, "centers": centers})

"""The closed feedback loop for center keys (JSON): negative-feedback alerts and their steps, goodwill, outreach
outcomes and the loop's numbers. The advisor page (api/routes/advisor_feedback.py) does the same through forms;
both go through core/feedback.py and write an audit row per action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import CenterId, Conn, ExistingCenterScope
from api.errors import ApiError
from api.schemas.common import ErrorResponse, error_responses
from api.schemas.feedback_loop import (
    AlertStep,
    AlertStepDone,
    CenterFeedbackMetrics,
    FeedbackAlert,
    FeedbackAlertPage,
    GoodwillGesture,
    OutreachClose,
    OutreachClosed,
    OutreachPage,
)
from api.sql import ADVISOR_OF_CENTER
from api.store import feedback_loop as store
from api.views.feedback_loop import alert_answers, metrics_out
from core import feedback as loop
from core.db import query

router = APIRouter(prefix="/v1/service-centers", tags=["feedback loop"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The step does not apply to the alert as it stands"}
}


def _advisor(conn: Conn, *, center_id: int, advisor_id: int | None) -> int | None:
    """Return the named advisor after checking they work at the center (422 otherwise)."""
    if advisor_id is None:
        return None
    params = {"advisor_id": advisor_id, "center_id": center_id}
    if conn.execute(query(ADVISOR_OF_CENTER), params).fetchone() is None:
        raise ApiError(422, "invalid_advisor", "body.advisor_id: no active advisor of this center")
    return advisor_id


@router.get(
    "/{center_id}/feedback-alerts",
    response_model=FeedbackAlertPage,
    summary="The center's negative-feedback alerts",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_alerts(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    status: Annotated[Literal["unresolved", "all"], Query()] = "unresolved",
    advisor_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Only this advisor's")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Any:
    """Return the alerts, newest first, with the survey's answers in words and each step's time and advisor."""
    rows = store.alerts(
        conn, center_id=center_id, advisor_id=advisor_id, include_resolved=status == "all", limit=limit
    )
    return {"items": [FeedbackAlert.model_validate({**r, "answers": alert_answers(r)}) for r in rows]}


@router.post(
    "/{center_id}/feedback-alerts/{alert_id}/steps",
    response_model=AlertStepDone,
    summary="Acknowledge, contact or resolve a negative-feedback alert",
    responses={**error_responses(401, 403, 404, 422, 503), **REFUSED},
)
def alert_step(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, alert_id: ItemId, body: AlertStep
) -> Any:
    """Move the alert one step (open → acknowledged → contacted → resolved); resolving needs a resolution and
    pushes `feedback.resolved` to the center's webhooks."""
    now = datetime.now(UTC)
    advisor_id = _advisor(conn, center_id=center_id, advisor_id=body.advisor_id)
    try:
        done = loop.step(
            conn,
            center_id=center_id,
            alert_id=alert_id,
            action=body.action,
            advisor_id=advisor_id,
            now=now,
            resolution=body.resolution,
            note=body.note,
            key_id=caller.key_id,
        )
    except loop.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except loop.Refused as exc:
        raise ApiError(409, "step_refused", str(exc)) from exc
    return AlertStepDone(id=done.alert_id, status=done.status, resolution=done.resolution)


@router.post(
    "/{center_id}/feedback-alerts/{alert_id}/goodwill",
    response_model=AlertStepDone,
    summary="Record a goodwill gesture (coupon or points) on an alert",
    responses={**error_responses(401, 403, 404, 422, 503), **REFUSED},
)
def alert_goodwill(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, alert_id: ItemId, body: GoodwillGesture
) -> Any:
    """Record the gesture once per alert (409 when one is recorded already)."""
    now = datetime.now(UTC)
    advisor_id = _advisor(conn, center_id=center_id, advisor_id=body.advisor_id)
    try:
        done = loop.record_goodwill(
            conn,
            center_id=center_id,
            alert_id=alert_id,
            kind=body.kind,
            amount=body.amount,
            note=body.note,
            advisor_id=advisor_id,
            now=now,
            key_id=caller.key_id,
        )
    except loop.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except loop.Refused as exc:
        raise ApiError(409, "goodwill_refused", str(exc)) from exc
    return AlertStepDone(id=done.alert_id, status=done.status, resolution=done.resolution)


@router.get(
    "/{center_id}/outreach",
    response_model=OutreachPage,
    summary="The center's open outreach tasks",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_outreach(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    advisor_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Only this advisor's")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Any:
    """Return the open tasks, oldest first."""
    return {"items": store.outreach(conn, center_id=center_id, advisor_id=advisor_id, limit=limit)}


@router.post(
    "/{center_id}/outreach/{task_id}/outcome",
    response_model=OutreachClosed,
    summary="Close an outreach task with its outcome",
    responses=error_responses(401, 403, 404, 422, 503),
)
def outreach_outcome(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, task_id: ItemId, body: OutreachClose
) -> Any:
    """Close the task (reached, booked, declined, unreachable) and push `outreach.outcome`."""
    now = datetime.now(UTC)
    advisor_id = _advisor(conn, center_id=center_id, advisor_id=body.advisor_id)
    try:
        row = loop.close_outreach(
            conn,
            center_id=center_id,
            item_id=task_id,
            outcome=body.outcome,
            note=body.note,
            advisor_id=advisor_id,
            now=now,
            key_id=caller.key_id,
        )
    except loop.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return OutreachClosed.model_validate(row)


@router.get(
    "/{center_id}/feedback-metrics",
    response_model=CenterFeedbackMetrics,
    summary="The center's feedback loop: response times, recovery, NPS, repeat visits, dimensions, advisors",
    responses=error_responses(401, 403, 404, 422, 503),
)
def feedback_metrics(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    days: Annotated[int, Query(ge=1, le=730, description="Look back this many days")] = 90,
) -> Any:
    """Return the numbers over the window (definitions in docs/feedback.md), per question and per advisor."""
    since = datetime.now(UTC) - timedelta(days=days)
    loops = store.center_loops(conn, since=since, center_id=center_id)
    metrics = metrics_out(loops.get(center_id))
    return CenterFeedbackMetrics(center_id=center_id, since=since, **metrics.model_dump())

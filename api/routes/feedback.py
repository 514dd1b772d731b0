"""After-visit surveys for owners, and the center's feed of low scores and outreach tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from api.deps import CenterScope, Conn, OwnerCaller
from api.errors import ApiError
from api.feed.cursor import encode_cursor
from api.feed.page import start_after
from api.policy import surveys
from api.routes.vehicles import Vin
from api.schemas.common import ErrorResponse, error_responses
from api.schemas.feedback import FeedPage, Survey, SurveyAnswers, SurveyList
from api.sql import CENTER_FEED, FEED_LOW_FEEDBACK, SURVEY_ANSWER, SURVEY_LIST, SURVEY_LOCK
from core import feedback as feedback_loop
from core.db import query
from domain.feedback import negative_answers

router = APIRouter(tags=["feedback"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get(
    "/v1/vehicles/{vin}/surveys",
    response_model=SurveyList,
    summary="Surveys about your car's workshop visits",
    responses=error_responses(401, 404, 422, 503),
)
def list_surveys(conn: Conn, owner: OwnerCaller, vin: Vin) -> Any:
    """Return the car's surveys, newest first (an empty list for a car that is not yours or unknown)."""
    params = {"vin": vin, "customer_id": owner.customer_id}
    rows = conn.cursor(row_factory=dict_row).execute(query(SURVEY_LIST), params).fetchall()
    return {"items": rows}


@router.post(
    "/v1/vehicles/{vin}/surveys/{survey_id}/answers",
    response_model=Survey,
    summary="Answer a survey",
    responses={
        **error_responses(401, 404, 422, 503),
        409: {"model": ErrorResponse, "description": "The survey was already answered"},
    },
)
def answer_survey(conn: Conn, owner: OwnerCaller, vin: Vin, survey_id: Id, body: SurveyAnswers) -> Any:
    """Store the answers; any score of 2 or less puts an alert with the case into the center's feed at once."""
    with conn.transaction():
        params = {"survey_id": survey_id, "vin": vin, "customer_id": owner.customer_id}
        survey = conn.cursor(row_factory=dict_row).execute(query(SURVEY_LOCK), params).fetchone()
        if survey is None:
            raise ApiError(404, "not_found", "survey not found")
        if survey["answered_at"] is not None:
            raise ApiError(409, "already_answered", "this survey was already answered")
        try:
            answers = surveys.validate(survey["questions"], body.answers)
        except surveys.InvalidAnswers as exc:
            raise ApiError(422, "invalid_answers", str(exc)) from exc
        stored = (
            conn.cursor(row_factory=dict_row)
            .execute(query(SURVEY_ANSWER), {"survey_id": survey_id, "answers": Jsonb(answers)})
            .fetchone()
        )
        negative = negative_answers(survey["questions"], answers)
        if negative:
            # Tracked, assigned to the customer's advisor, pushed (event and e-mail): core/feedback.py.
            feedback_loop.open_alert(conn, survey_id=survey_id, negative=negative, now=datetime.now(UTC))
        low = surveys.low_scores(survey["questions"], answers)
        if low:
            case = {
                "risk_id": survey["risk_id"],
                "kind": survey["kind"],
                "rule_id": survey["rule_id"],
                "booking_id": survey["booking_id"],
                "outcome": survey["outcome"],
                "parts_used": survey["parts_used"],
            }
            detail = {"low_scores": low, "answers": answers, "survey_id": survey_id, "case": case}
            conn.execute(
                query(FEED_LOW_FEEDBACK),
                {
                    "center_id": survey["center_id"],
                    "vehicle_id": survey["vehicle_id"],
                    "risk_id": survey["risk_id"],
                    "detail": Jsonb(detail),
                },
            )
    return stored


@router.get(
    "/v1/service-centers/{center_id}/feed",
    response_model=FeedPage,
    summary="The center's open feed: low feedback scores and outreach tasks",
    responses=error_responses(400, 401, 403, 422, 503),
)
def center_feed(
    conn: Conn,
    caller: CenterScope,
    center_id: Id,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> Any:
    """Return one page of open items in id order."""
    after_id = start_after(cursor)
    params = {"center_id": center_id, "after_id": after_id, "limit": limit + 1}
    rows = conn.cursor(row_factory=dict_row).execute(query(CENTER_FEED), params).fetchall()
    items = rows[:limit]
    return {"items": items, "next_cursor": encode_cursor(items[-1]["id"]) if len(rows) > limit else None}

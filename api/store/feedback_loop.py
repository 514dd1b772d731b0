"""Database reads of the feedback loop: a center's alerts and outreach tasks, and the facts its metrics are
computed from (domain/feedback.py computes them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from api.sql import FEEDBACK_ALERT_FACTS, FEEDBACK_ALERTS, FEEDBACK_SURVEYS, FEEDBACK_VISITS, OUTREACH_OPEN
from core.db import query
from domain.feedback import (
    RECOMMEND_QUESTION,
    AlertFacts,
    CenterLoop,
    SurveyFacts,
    Visit,
    dimension_scores,
    loop_figures,
    negative_answers,
    nps,
    per_advisor,
    question_scores,
    repeat_visit_rate,
)


def alerts(
    conn: psycopg.Connection,
    *,
    center_id: int,
    advisor_id: int | None,
    include_resolved: bool,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Return the center's alerts, newest first (unresolved only unless `include_resolved`)."""
    params = {"center_id": center_id, "advisor_id": advisor_id, "all": include_resolved, "limit": limit}
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query(FEEDBACK_ALERTS), params).fetchall()


def outreach(
    conn: psycopg.Connection, *, center_id: int, advisor_id: int | None, limit: int = 100
) -> list[dict[str, Any]]:
    """Return the center's open outreach tasks, oldest first."""
    params = {"center_id": center_id, "advisor_id": advisor_id, "limit": limit}
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query(OUTREACH_OPEN), params).fetchall()


def _answers(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, int]]:
    out = []
    for row in rows:
        kinds = {q["id"]: q["type"] for q in row["questions"]}
        for qid, value in (row["answers"] or {}).items():
            if kinds.get(qid) in ("score", "nps") and isinstance(value, int) and not isinstance(value, bool):
                out.append((qid, kinds[qid], value))
    return out


def center_loops(
    conn: psycopg.Connection, *, since: datetime, center_id: int | None = None
) -> dict[int, CenterLoop]:
    """Return the loop's numbers per center (only `center_id` when given) for alerts, visits and surveys since
    `since`. Recovery looks at visits and surveys of the same window after each resolution."""
    params = {"since": since, "center_id": center_id}
    with conn.cursor(row_factory=dict_row) as cur:
        alert_rows = cur.execute(query(FEEDBACK_ALERT_FACTS), params).fetchall()
        visit_rows = cur.execute(query(FEEDBACK_VISITS), params).fetchall()
        survey_rows = cur.execute(query(FEEDBACK_SURVEYS), params).fetchall()
    by_center: dict[int, dict[str, list[Any]]] = defaultdict(
        lambda: {"alerts": [], "visits": [], "surveys": []}
    )
    for r in alert_rows:
        by_center[r["center_id"]]["alerts"].append(
            AlertFacts(
                r["id"],
                r["advisor_id"],
                r["customer_id"],
                r["created_at"],
                r["acknowledged_at"],
                r["contacted_at"],
                r["resolved_at"],
            )
        )
    for r in visit_rows:
        by_center[r["center_id"]]["visits"].append(Visit(r["customer_id"], r["at"]))
    for r in survey_rows:
        by_center[r["center_id"]]["surveys"].append(r)
    result = {}
    for cid, data in by_center.items():
        facts = [
            SurveyFacts(
                r["customer_id"],
                r["answered_at"],
                bool(negative_answers(r["questions"], r["answers"] or {})),
                (r["answers"] or {}).get(RECOMMEND_QUESTION),
            )
            for r in data["surveys"]
        ]
        answers = _answers(data["surveys"])
        recommend = [f.recommend for f in facts if isinstance(f.recommend, int)]
        result[cid] = CenterLoop(
            center_id=cid,
            loop=loop_figures(data["alerts"], visits=data["visits"], surveys=facts),
            nps=nps(recommend),
            recommend_answers=len(recommend),
            repeat_visit_rate=repeat_visit_rate(data["visits"]),
            dimensions=dimension_scores(answers),
            questions=question_scores(answers),
            advisors=per_advisor(data["alerts"], visits=data["visits"], surveys=facts),
        )
    return result

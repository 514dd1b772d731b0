"""Shapes of the feedback loop for the API and the advisor page (pure): an alert's answers in words, and a
center's numbers as response models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.schemas.feedback_loop import (
    AdvisorFigures,
    AlertAnswer,
    FeedbackMetrics,
    LoopFiguresOut,
    QuestionFigures,
)
from domain.feedback import DIMENSIONS, CenterLoop, Dimension, LoopFigures, is_negative


def alert_answers(row: Mapping[str, Any]) -> list[AlertAnswer]:
    """Return the survey's answered questions with their texts, marking the negative ones."""
    answers = row["answers"] or {}
    return [
        AlertAnswer(
            question_id=q["id"],
            dimension=DIMENSIONS.get(q["id"]),
            type=q["type"],
            en=q.get("en", q["id"]),
            zh_cn=q.get("zh-CN", q.get("en", q["id"])),
            value=answers[q["id"]],
            negative=is_negative(q["type"], answers[q["id"]]),
        )
        for q in row["questions"]
        if q["id"] in answers
    ]


def _figures(f: LoopFigures) -> dict[str, Any]:
    return {
        "alerts": f.alerts,
        "open": f.open,
        "resolved": f.resolved,
        "ack_hours_median": f.ack_hours_median,
        "contact_hours_median": f.contact_hours_median,
        "recovery_rate": f.recovery_rate,
    }


EMPTY = LoopFigures(0, 0, 0, None, None, None)


def metrics_out(loop: CenterLoop | None) -> FeedbackMetrics:
    """Return a center's numbers as the response model (all empty when it had nothing in the window)."""
    if loop is None:
        return FeedbackMetrics(
            loop=LoopFiguresOut(**_figures(EMPTY)),
            nps=None,
            recommend_answers=0,
            repeat_visit_rate=None,
            dimensions=dict.fromkeys(Dimension),
            questions=[],
            advisors=[],
        )
    advisors = sorted(loop.advisors.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    return FeedbackMetrics(
        loop=LoopFiguresOut(**_figures(loop.loop)),
        nps=loop.nps,
        recommend_answers=loop.recommend_answers,
        repeat_visit_rate=loop.repeat_visit_rate,
        dimensions=loop.dimensions,
        questions=[
            QuestionFigures(
                question_id=q.question_id,
                dimension=q.dimension,
                answered=q.answered,
                mean=q.mean,
                negative=q.negative,
            )
            for q in loop.questions
        ],
        advisors=[AdvisorFigures(advisor_id=a, **_figures(f)) for a, f in advisors],
    )

"""Feedback rules (pure): which answers a survey accepts, and which scores alert the center at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.errors import CarecastError

ALERT_AT_OR_BELOW = 2
MAX_TEXT = 2000


class InvalidAnswers(CarecastError, ValueError):
    """The answers do not fit the survey's questions."""


def validate(questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers checked against the questions: every score 1-5, recommend 0-10 and text optional,
    nothing unknown."""
    kinds = {q["id"]: q["type"] for q in questions}
    unknown = sorted(set(answers) - set(kinds))
    if unknown:
        raise InvalidAnswers(f"unknown question ids: {', '.join(unknown)}")
    clean: dict[str, Any] = {}
    for qid, kind in kinds.items():
        value = answers.get(qid)
        if kind == "score":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise InvalidAnswers(f"{qid} needs a score from 1 to 5")
            clean[qid] = value
        elif kind == "nps":
            # The 0-10 recommend question may be skipped; answered, it is a whole number 0-10.
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise InvalidAnswers(f"{qid} needs a whole number from 0 to 10")
            clean[qid] = value
        elif value is not None:
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise InvalidAnswers(f"{qid} needs text of at most {MAX_TEXT} characters")
            clean[qid] = value.strip()
    return clean


def low_scores(questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> dict[str, int]:
    """Return the scores at or below the alert level, by question id."""
    return {
        q["id"]: answers[q["id"]]
        for q in questions
        if q["type"] == "score" and answers.get(q["id"], 5) <= ALERT_AT_OR_BELOW
    }

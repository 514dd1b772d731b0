"""The feedback loop (pure): which survey answers are negative, the dimension of each question, the life of a
negative-feedback alert, outreach outcomes, and the numbers a manager steers by.

Definitions (docs/feedback.md repeats them):

- **Negative answer**: a 1-5 score of 2 or less, or a 0-10 recommend (NPS) answer of 6 or less (a detractor).
- **Response time**: from an alert's creation to its acknowledgement, and to the customer being contacted; the
  median in hours over the alerts that reached that step.
- **Recovery rate**: of the alerts resolved, the share whose customer came back afterwards: a workshop visit after
  the resolution, or a survey answered after the resolution with no negative answer. None without resolved alerts.
- **NPS**: per cent promoters (9-10) minus per cent detractors (0-6) over the recommend answers; None without any.
- **Repeat-visit rate**: of the customers with a visit in the window, the share with two or more visits in it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import CarecastError

NEGATIVE_SCORE_AT_OR_BELOW = 2  # of 1-5
NPS_DETRACTOR_AT_OR_BELOW = 6  # of 0-10
NPS_PROMOTER_AT_OR_ABOVE = 9
RECOMMEND_QUESTION = "q_recommend"


class Dimension(StrEnum):
    """What a survey question measures."""

    EFFICIENCY = "efficiency"  # time, booking, being ready when promised
    EXPERTISE = "expertise"  # the diagnosis, the explanation, the work
    EXPERIENCE = "experience"  # the people, the price, the whole visit


# Every question of the bank (notify/survey.py) with its dimension; tests/domain/test_feedback.py checks the bank.
DIMENSIONS: Mapping[str, Dimension] = {
    "q_explained": Dimension.EXPERTISE,
    "q_on_time": Dimension.EFFICIENCY,
    "q_booking": Dimension.EFFICIENCY,
    "q_advisor": Dimension.EXPERIENCE,
    "q_price": Dimension.EXPERIENCE,
    "q_recommend": Dimension.EXPERIENCE,
    "q_comment": Dimension.EXPERIENCE,
    "q_improve": Dimension.EXPERIENCE,
}


class AlertStatus(StrEnum):
    """Where a negative-feedback alert stands (feedback_alert.status)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    RESOLVED = "resolved"


class AlertAction(StrEnum):
    """What an advisor does to an alert."""

    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    RESOLVE = "resolve"


class Resolution(StrEnum):
    """How an alert was resolved (feedback_alert.resolution)."""

    APOLOGY = "apology"
    GOODWILL = "goodwill"
    REWORK_BOOKED = "rework_booked"


class GoodwillKind(StrEnum):
    """A center-side gesture (feedback_alert.goodwill_kind)."""

    COUPON = "coupon"
    POINTS = "points"


class OutreachOutcome(StrEnum):
    """How an outreach call ended (center_feed_item.outcome); every outcome closes the task."""

    REACHED = "reached"
    BOOKED = "booked"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"


class TransitionRefused(CarecastError, ValueError):
    """The action does not apply to the alert in its current status."""


_STEPS: Mapping[AlertAction, tuple[AlertStatus, AlertStatus]] = {
    AlertAction.ACKNOWLEDGE: (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
    AlertAction.CONTACT: (AlertStatus.ACKNOWLEDGED, AlertStatus.CONTACTED),
    AlertAction.RESOLVE: (AlertStatus.CONTACTED, AlertStatus.RESOLVED),
}


def next_status(current: AlertStatus, action: AlertAction) -> AlertStatus:
    """Return the status `action` leads to; raise TransitionRefused when the alert is not at the step before."""
    before, after = _STEPS[action]
    if current is not before:
        raise TransitionRefused(f"cannot {action} an alert that is {current}")
    return after


def next_action(current: AlertStatus) -> AlertAction | None:
    """Return the one action that moves an alert on from `current` (None once resolved)."""
    return next((a for a, (before, _) in _STEPS.items() if before is current), None)


def is_negative(question_type: str, value: Any) -> bool:
    """Return True when one answer is negative: a score of 2 or less of 5, a recommend answer of 6 or less of 10."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if question_type == "score":
        return value <= NEGATIVE_SCORE_AT_OR_BELOW
    if question_type == "nps":
        return value <= NPS_DETRACTOR_AT_OR_BELOW
    return False


def negative_answers(questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> dict[str, int]:
    """Return the negative answers of one survey by question id (empty when none is)."""
    return {q["id"]: answers[q["id"]] for q in questions if is_negative(q["type"], answers.get(q["id"]))}


# --- metrics -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """The stamps of one alert the metrics read."""

    id: int
    advisor_id: int | None
    customer_id: int
    created_at: datetime
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    """One answered survey: whose, when, whether any answer was negative, and the recommend answer if asked."""

    customer_id: int
    answered_at: datetime
    negative: bool
    recommend: int | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """One workshop visit of a customer."""

    customer_id: int
    at: datetime


def _median_hours(deltas: Iterable[float]) -> float | None:
    values = list(deltas)
    return round(statistics.median(values), 2) if values else None


def median_hours_to_acknowledge(alerts: Iterable[AlertFacts]) -> float | None:
    """Return the median hours from creation to acknowledgement over the acknowledged alerts (None if none)."""
    return _median_hours(
        (a.acknowledged_at - a.created_at).total_seconds() / 3600 for a in alerts if a.acknowledged_at
    )


def median_hours_to_contact(alerts: Iterable[AlertFacts]) -> float | None:
    """Return the median hours from creation to the customer contacted over the contacted alerts (None if none)."""
    return _median_hours(
        (a.contacted_at - a.created_at).total_seconds() / 3600 for a in alerts if a.contacted_at
    )


def recovered(alert: AlertFacts, *, visits: Iterable[Visit], surveys: Iterable[SurveyFacts]) -> bool:
    """Return True when the alert is resolved and its customer came back after: a visit, or a survey answered
    with no negative answer."""
    if alert.resolved_at is None:
        return False
    at = alert.resolved_at
    return any(v.customer_id == alert.customer_id and v.at > at for v in visits) or any(
        s.customer_id == alert.customer_id and s.answered_at > at and not s.negative for s in surveys
    )


def recovery_rate(
    alerts: Iterable[AlertFacts], *, visits: Sequence[Visit], surveys: Sequence[SurveyFacts]
) -> float | None:
    """Return recovered / resolved alerts (None without resolved alerts)."""
    resolved = [a for a in alerts if a.resolved_at is not None]
    if not resolved:
        return None
    back = sum(recovered(a, visits=visits, surveys=surveys) for a in resolved)
    return round(back / len(resolved), 4)


def nps(recommend: Iterable[int]) -> float | None:
    """Return the Net Promoter Score (-100..100) of 0-10 answers: % promoters minus % detractors (None if none)."""
    values = list(recommend)
    if not values:
        return None
    promoters = sum(v >= NPS_PROMOTER_AT_OR_ABOVE for v in values)
    detractors = sum(v <= NPS_DETRACTOR_AT_OR_BELOW for v in values)
    return round(100 * (promoters - detractors) / len(values), 1)


def repeat_visit_rate(visits: Iterable[Visit]) -> float | None:
    """Return the share of customers with two or more of `visits` among those with any (None without visits)."""
    per_customer: dict[int, int] = defaultdict(int)
    for v in visits:
        per_customer[v.customer_id] += 1
    if not per_customer:
        return None
    return round(sum(n >= 2 for n in per_customer.values()) / len(per_customer), 4)


@dataclass(frozen=True, slots=True)
class LoopFigures:
    """The loop's numbers for a center or one advisor."""

    alerts: int
    open: int
    resolved: int
    ack_hours_median: float | None
    contact_hours_median: float | None
    recovery_rate: float | None


def loop_figures(
    alerts: Sequence[AlertFacts], *, visits: Sequence[Visit], surveys: Sequence[SurveyFacts]
) -> LoopFigures:
    """Return the counts, response times and recovery rate of `alerts`."""
    return LoopFigures(
        alerts=len(alerts),
        open=sum(a.resolved_at is None for a in alerts),
        resolved=sum(a.resolved_at is not None for a in alerts),
        ack_hours_median=median_hours_to_acknowledge(alerts),
        contact_hours_median=median_hours_to_contact(alerts),
        recovery_rate=recovery_rate(alerts, visits=visits, surveys=surveys),
    )


def per_advisor(
    alerts: Sequence[AlertFacts], *, visits: Sequence[Visit], surveys: Sequence[SurveyFacts]
) -> dict[int | None, LoopFigures]:
    """Return the loop's figures per assigned advisor (None: alerts of customers without an advisor)."""
    groups: dict[int | None, list[AlertFacts]] = defaultdict(list)
    for a in alerts:
        groups[a.advisor_id].append(a)
    return {k: loop_figures(v, visits=visits, surveys=surveys) for k, v in groups.items()}


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """The answers one question got: how many, their mean and how many were negative."""

    question_id: str
    dimension: Dimension | None
    answered: int
    mean: float | None
    negative: int


def question_scores(answers: Iterable[tuple[str, str, int]]) -> list[QuestionScore]:
    """Return per-question figures of (question id, type, value) answers, in question id order."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for qid, qtype, value in answers:
        groups[(qid, qtype)].append(value)
    return [
        QuestionScore(
            question_id=qid,
            dimension=DIMENSIONS.get(qid),
            answered=len(values),
            mean=round(statistics.fmean(values), 2),
            negative=sum(is_negative(qtype, v) for v in values),
        )
        for (qid, qtype), values in sorted(groups.items())
    ]


def dimension_scores(answers: Iterable[tuple[str, str, int]]) -> dict[Dimension, float | None]:
    """Return the mean 1-5 score per dimension (recommend answers, on 0-10, are left out; None when unanswered)."""
    groups: dict[Dimension, list[int]] = {d: [] for d in Dimension}
    for qid, qtype, value in answers:
        dimension = DIMENSIONS.get(qid)
        if qtype == "score" and dimension is not None:
            groups[dimension].append(value)
    return {d: round(statistics.fmean(v), 2) if v else None for d, v in groups.items()}


@dataclass(frozen=True, slots=True)
class CenterLoop:
    """One center's feedback-loop numbers over a window."""

    center_id: int
    loop: LoopFigures
    nps: float | None
    recommend_answers: int
    repeat_visit_rate: float | None
    dimensions: dict[Dimension, float | None]
    questions: list[QuestionScore]
    advisors: dict[int | None, LoopFigures]

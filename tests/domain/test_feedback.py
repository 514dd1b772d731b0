"""The feedback loop's rules and numbers against hand-computed fixtures (domain/feedback.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from domain.feedback import (
    DIMENSIONS,
    AlertAction,
    AlertFacts,
    AlertStatus,
    Dimension,
    GoodwillKind,
    OutreachOutcome,
    Resolution,
    SurveyFacts,
    TransitionRefused,
    Visit,
    dimension_scores,
    loop_figures,
    median_hours_to_acknowledge,
    median_hours_to_contact,
    negative_answers,
    next_action,
    next_status,
    nps,
    per_advisor,
    question_scores,
    recovery_rate,
    repeat_visit_rate,
)
from notify.survey import RECOMMEND, SCORES, TEXTS

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_every_question_of_the_bank_has_a_dimension() -> None:
    bank = {q.id for q in (*SCORES, *TEXTS, RECOMMEND)}
    assert bank == set(DIMENSIONS)
    assert {DIMENSIONS[q] for q in bank} == set(Dimension)


@pytest.mark.parametrize(
    ("qtype", "value", "negative"),
    [
        ("score", 1, True),
        ("score", 2, True),
        ("score", 3, False),
        ("score", 5, False),
        ("nps", 0, True),
        ("nps", 6, True),
        ("nps", 7, False),
        ("nps", 10, False),
        ("text", "terrible", False),
        ("score", True, False),  # a bool is not a score
    ],
)
def test_negative_answers(qtype: str, value: object, negative: bool) -> None:
    questions = [{"id": "q", "type": qtype}]
    assert bool(negative_answers(questions, {"q": value})) is negative


def test_negative_answers_keeps_only_the_negative_ones() -> None:
    questions = [{"id": "a", "type": "score"}, {"id": "b", "type": "score"}, {"id": "c", "type": "nps"}]
    assert negative_answers(questions, {"a": 2, "b": 4, "c": 5}) == {"a": 2, "c": 5}


def test_alert_moves_one_step_at_a_time() -> None:
    assert next_status(AlertStatus.OPEN, AlertAction.ACKNOWLEDGE) is AlertStatus.ACKNOWLEDGED
    assert next_status(AlertStatus.ACKNOWLEDGED, AlertAction.CONTACT) is AlertStatus.CONTACTED
    assert next_status(AlertStatus.CONTACTED, AlertAction.RESOLVE) is AlertStatus.RESOLVED
    for status, action in [
        (AlertStatus.OPEN, AlertAction.RESOLVE),
        (AlertStatus.OPEN, AlertAction.CONTACT),
        (AlertStatus.RESOLVED, AlertAction.ACKNOWLEDGE),
        (AlertStatus.CONTACTED, AlertAction.CONTACT),
    ]:
        with pytest.raises(TransitionRefused):
            next_status(status, action)
    assert [next_action(s) for s in AlertStatus] == [
        AlertAction.ACKNOWLEDGE,
        AlertAction.CONTACT,
        AlertAction.RESOLVE,
        None,
    ]


# Four alerts of two advisors (7 and 8) and one without an advisor:
#   1: advisor 7, customer 100, acknowledged after 1 h, contacted after 3 h, resolved at 10 h
#   2: advisor 7, customer 101, acknowledged after 2 h, contacted after 5 h, resolved at 20 h
#   3: advisor 8, customer 102, acknowledged after 6 h, never contacted
#   4: no advisor, customer 103, untouched
ALERTS = [
    AlertFacts(1, 7, 100, h(0), h(1), h(3), h(10)),
    AlertFacts(2, 7, 101, h(0), h(2), h(5), h(20)),
    AlertFacts(3, 8, 102, h(0), h(6)),
    AlertFacts(4, None, 103, h(0)),
]
# Customer 100 came back for a visit after the resolution; 101 visited only before it and answered a later survey
# negatively again (not recovered); 102 is not resolved, whatever it did.
VISITS = [Visit(100, h(48)), Visit(101, h(15)), Visit(102, h(30)), Visit(100, h(-100)), Visit(104, h(5))]
SURVEYS = [
    SurveyFacts(101, h(72), negative=True, recommend=3),
    SurveyFacts(102, h(72), negative=False, recommend=10),
    SurveyFacts(104, h(12), negative=False, recommend=9),
    SurveyFacts(105, h(12), negative=False, recommend=7),
]


def test_response_times_are_medians_over_the_alerts_that_reached_the_step() -> None:
    assert median_hours_to_acknowledge(ALERTS) == 2.0  # median of 1, 2, 6
    assert median_hours_to_contact(ALERTS) == 4.0  # median of 3, 5
    assert median_hours_to_acknowledge([ALERTS[3]]) is None


def test_recovery_rate_counts_resolved_alerts_whose_customer_came_back() -> None:
    assert recovery_rate(ALERTS, visits=VISITS, surveys=SURVEYS) == 0.5  # 1 of the 2 resolved
    # A later survey without a negative answer recovers customer 101 too.
    better = [*SURVEYS, SurveyFacts(101, h(80), negative=False)]
    assert recovery_rate(ALERTS, visits=VISITS, surveys=better) == 1.0
    assert recovery_rate(ALERTS[2:], visits=VISITS, surveys=SURVEYS) is None


def test_nps_is_promoters_minus_detractors_in_per_cent() -> None:
    assert nps([3, 10, 9, 7]) == 25.0  # (2 promoters - 1 detractor) / 4
    assert nps([10, 10, 0]) == 33.3
    assert nps([]) is None


def test_repeat_visit_rate_is_the_share_of_customers_with_two_or_more_visits() -> None:
    assert repeat_visit_rate(VISITS) == 0.25  # customers 100, 101, 102, 104: only 100 twice
    assert repeat_visit_rate([]) is None


def test_loop_figures_per_center_and_per_advisor() -> None:
    center = loop_figures(ALERTS, visits=VISITS, surveys=SURVEYS)
    assert (center.alerts, center.open, center.resolved) == (4, 2, 2)
    assert (center.ack_hours_median, center.contact_hours_median, center.recovery_rate) == (2.0, 4.0, 0.5)
    advisors = per_advisor(ALERTS, visits=VISITS, surveys=SURVEYS)
    assert set(advisors) == {7, 8, None}
    assert (advisors[7].ack_hours_median, advisors[7].contact_hours_median, advisors[7].recovery_rate) == (
        1.5,
        4.0,
        0.5,
    )
    assert (advisors[8].open, advisors[8].ack_hours_median, advisors[8].recovery_rate) == (1, 6.0, None)
    assert advisors[None].alerts == 1


def test_scores_per_question_and_dimension() -> None:
    answers = [
        ("q_on_time", "score", 2),
        ("q_on_time", "score", 4),
        ("q_booking", "score", 5),
        ("q_explained", "score", 3),
        ("q_recommend", "nps", 6),
        ("q_recommend", "nps", 10),
    ]
    by_id = {q.question_id: q for q in question_scores(answers)}
    assert (by_id["q_on_time"].answered, by_id["q_on_time"].mean, by_id["q_on_time"].negative) == (2, 3.0, 1)
    assert by_id["q_on_time"].dimension is Dimension.EFFICIENCY
    assert (by_id["q_recommend"].mean, by_id["q_recommend"].negative) == (8.0, 1)
    # efficiency: (2 + 4 + 5) / 3; the 0-10 answers stay out of the 1-5 means
    assert dimension_scores(answers) == {
        Dimension.EFFICIENCY: 3.67,
        Dimension.EXPERTISE: 3.0,
        Dimension.EXPERIENCE: None,
    }


@pytest.mark.parametrize(
    ("constraint", "enum"),
    [
        ("feedback_alert_status_check", AlertStatus),
        ("feedback_alert_resolution_check", Resolution),
        ("feedback_alert_goodwill_kind_check", GoodwillKind),
        ("center_feed_item_outcome_check", OutreachOutcome),
    ],
)
def test_the_database_allows_exactly_the_enums_values(conn, constraint, enum) -> None:
    (definition,) = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", (constraint,)
    ).fetchone()
    assert set(re.findall(r"'([^']*)'::text", definition)) == {e.value for e in enum}

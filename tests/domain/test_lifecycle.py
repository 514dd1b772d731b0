"""The case lifecycle (domain/lifecycle.py): every transition, its repeat and its refusal, table-driven."""

from __future__ import annotations

import pytest

from domain import lifecycle
from domain.lifecycle import BookingState, LifecycleError
from domain.vocabulary import CaseStage, CloseReason


def judged(rule, current, expected) -> None:
    """`expected` is the verdict, or the LifecycleError code the rule must raise."""
    if isinstance(expected, str):
        with pytest.raises(LifecycleError) as err:
            rule(current)
        assert err.value.code == expected
    else:
        assert rule(current) == expected


def state(status="suggested", risk="open", stage="notified", mine=False, started=False) -> BookingState:
    return BookingState(
        status=status, risk_status=risk, stage=stage, is_case_booking=mine, work_started=started
    )


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (state(), True),
        (state(status="accepted", stage="booked", mine=True), False),  # a repeat answers the current state
        (state(status="declined"), "offer_unavailable"),
        (state(status="expired"), "offer_unavailable"),
        (state(risk="resolved"), "offer_unavailable"),
        (state(stage="booked"), "already_booked"),
    ],
)
def test_accept(current, expected):
    judged(lifecycle.accept, current, expected)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (state(status="accepted", stage="booked", mine=True), True),
        (state(status="accepted", stage="checked_in", mine=True), False),
        (state(status="accepted", stage="booked", mine=False), "not_booked"),
        (state(status="suggested"), "not_booked"),
    ],
)
def test_check_in(current, expected):
    judged(lifecycle.check_in, current, expected)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (state(status="accepted", stage="checked_in", mine=True), True),
        (state(status="accepted", stage="checked_in", mine=True, started=True), False),  # a repeat
        (state(status="accepted", stage="serviced", mine=True), False),  # the visit is past it
        (state(status="accepted", stage="booked", mine=True), "not_checked_in"),
        (state(status="accepted", stage="checked_in", mine=False), "not_booked"),
        (state(status="suggested"), "not_booked"),
    ],
)
def test_start_work(current, expected):
    judged(lifecycle.start_work, current, expected)


@pytest.mark.parametrize(
    ("current", "outcome", "expected"),
    [
        (
            state(status="accepted", stage="checked_in", mine=True),
            "fault_confirmed",
            (CaseStage.SERVICED, None),
        ),
        (
            state(status="accepted", stage="checked_in", mine=True),
            "no_fault_found",
            (CaseStage.CLOSED, CloseReason.NO_FAULT_FOUND),
        ),
        (state(status="accepted", stage="serviced", mine=True), "fault_confirmed", None),
        (state(status="accepted", stage="booked", mine=True), "fault_confirmed", "not_checked_in"),
        (state(status="accepted", stage="checked_in", mine=True), "fixed", "invalid_outcome"),
        (state(status="suggested"), "fault_confirmed", "not_booked"),
    ],
)
def test_complete(current, outcome, expected):
    judged(lambda s: lifecycle.complete(s, outcome=outcome), current, expected)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (state(), True),
        (state(status="declined"), False),
        (state(status="expired"), "offer_unavailable"),
        (state(status="accepted", stage="booked", mine=True), True),
        (state(status="accepted", stage="checked_in", mine=True), "already_checked_in"),
    ],
)
def test_decline(current, expected):
    judged(lifecycle.decline, current, expected)


@pytest.mark.parametrize("stage", list(CaseStage))
def test_notify_side_transitions(stage):
    booked_or_further = stage in {"booked", "checked_in", "serviced", "verified", "closed"}
    assert lifecycle.after_notice(stage) == (None if booked_or_further else CaseStage.NOTIFIED)
    ending = lifecycle.when_risk_ends(stage)
    assert ending == (None if booked_or_further else (CaseStage.CLOSED, CloseReason.RESOLVED_BY_ITSELF))

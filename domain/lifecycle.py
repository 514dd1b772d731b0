"""The case lifecycle (pure): which booking and case transitions are allowed, and what a repeat means.

detected -> notified -> booked -> checked_in -> serviced -> verified -> closed. The workshop's steps (accept,
check in, complete, decline) are taken through the API, the conversation's (notified, closed because the risk went
away, verified by telemetry) by notify; both ask this module and write through core/cases.py. Repeating a step that
already happened is not an error (the answer is the current state), so every center action is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import CarecastError
from domain.vocabulary import CASE_ORDER, BookingStatus, CaseStage, CloseReason, Outcome, RiskStatus

OUTCOMES = tuple(Outcome)


class LifecycleError(CarecastError):
    """A transition the case's state does not allow; `code` is the API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class BookingState:
    """The facts a transition depends on."""

    status: str  # a BookingStatus
    risk_status: str  # a RiskStatus
    stage: str  # a CaseStage
    is_case_booking: bool  # this suggestion is the one the case is booked on
    work_started: bool = False  # the "work started" step is stamped


def _at_least(stage: str, target: CaseStage) -> bool:
    return CASE_ORDER.index(CaseStage(stage)) >= CASE_ORDER.index(target)


def accept(state: BookingState) -> bool:
    """Return True to accept now, False when already accepted (a repeat); raise when it can no longer be."""
    if state.status == BookingStatus.ACCEPTED:
        return False
    if state.status != BookingStatus.SUGGESTED:
        raise LifecycleError("offer_unavailable", f"this booking option is {state.status}")
    if state.risk_status != RiskStatus.OPEN:
        raise LifecycleError("offer_unavailable", "the issue is no longer open")
    if _at_least(state.stage, CaseStage.BOOKED):
        raise LifecycleError("already_booked", "another option of this issue is already booked")
    return True


def check_in(state: BookingState) -> bool:
    """Return True to record the check-in now, False when it already happened."""
    if state.status != BookingStatus.ACCEPTED or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be checked in")
    return state.stage == CaseStage.BOOKED


def start_work(state: BookingState) -> bool:
    """Return True to record that work on the car started, False when already recorded (or the visit is past it)."""
    if state.status != BookingStatus.ACCEPTED or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be started")
    if state.stage == CaseStage.BOOKED:
        raise LifecycleError("not_checked_in", "check the car in before starting work")
    return state.stage == CaseStage.CHECKED_IN and not state.work_started


def complete(state: BookingState, *, outcome: str) -> tuple[CaseStage, CloseReason | None] | None:
    """Return the new (stage, close_reason) for a recorded service outcome, None when already recorded."""
    if outcome not in OUTCOMES:
        raise LifecycleError("invalid_outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if state.status != BookingStatus.ACCEPTED or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be completed")
    if _at_least(state.stage, CaseStage.SERVICED):
        return None
    if state.stage != CaseStage.CHECKED_IN:
        raise LifecycleError("not_checked_in", "check the car in before recording the outcome")
    # No fault found: nothing to verify by telemetry, the case ends at the workshop.
    if outcome == Outcome.NO_FAULT_FOUND:
        return CaseStage.CLOSED, CloseReason.NO_FAULT_FOUND
    return CaseStage.SERVICED, None


def decline(state: BookingState) -> bool:
    """Return True to decline now, False when already declined; serviced cases can no longer be declined."""
    if state.status == BookingStatus.DECLINED:
        return False
    if state.status == BookingStatus.EXPIRED:
        raise LifecycleError("offer_unavailable", "this booking option has expired")
    if state.is_case_booking and _at_least(state.stage, CaseStage.CHECKED_IN):
        raise LifecycleError("already_checked_in", "the car is already at the workshop")
    return True


def reschedule(state: BookingState) -> bool:
    """Return True when a booked visit may move to another slot: accepted, the case's booking, car not yet in."""
    if state.status != BookingStatus.ACCEPTED or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be moved")
    if _at_least(state.stage, CaseStage.CHECKED_IN):
        raise LifecycleError("already_checked_in", "the car is already at the workshop")
    return True


def after_notice(stage: str) -> CaseStage | None:
    """Return the stage a case is in once the owner is told (notified); None when it is booked or further, where
    a message never moves it back."""
    return None if _at_least(stage, CaseStage.BOOKED) else CaseStage.NOTIFIED


def when_risk_ends(stage: str) -> tuple[CaseStage, CloseReason] | None:
    """Return how a case closes when its risk is no longer open (the car recovered before anyone booked), None
    when it is already booked: a booked case ends through the workshop and the telemetry check, not here."""
    if _at_least(stage, CaseStage.BOOKED):
        return None
    return CaseStage.CLOSED, CloseReason.RESOLVED_BY_ITSELF


def serviced_elsewhere(stage: str | None) -> bool:
    """Return True when a visit recorded outside a booking's own steps (the dealer system) that replaced the part
    moves the case (None: no case yet) to serviced, where telemetry verifies the fix as after a booking; False
    once it is serviced or further (the visit is already known, or the case is over)."""
    return stage is None or not _at_least(stage, CaseStage.SERVICED)

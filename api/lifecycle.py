"""Case lifecycle rules (pure): which booking and case transitions are allowed, and what a repeat means.

detected -> notified -> booked -> checked_in -> serviced -> verified -> closed. Repeating a step that already
happened is not an error (the answer is the current state), so every center action is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

ORDER = ("detected", "notified", "booked", "checked_in", "serviced", "verified", "closed")
OUTCOMES = ("fault_confirmed", "no_fault_found")


class LifecycleError(Exception):
    """A transition the case's state does not allow; `code` is the API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class BookingState:
    """The facts a transition depends on."""

    status: str  # suggested | accepted | declined | expired
    risk_status: str  # open | resolved | closed
    stage: str
    is_case_booking: bool  # this suggestion is the one the case is booked on


def _at_least(stage: str, target: str) -> bool:
    return ORDER.index(stage) >= ORDER.index(target)


def accept(state: BookingState) -> bool:
    """Return True to accept now, False when already accepted (a repeat); raise when it can no longer be."""
    if state.status == "accepted":
        return False
    if state.status != "suggested":
        raise LifecycleError("offer_unavailable", f"this booking option is {state.status}")
    if state.risk_status != "open":
        raise LifecycleError("offer_unavailable", "the issue is no longer open")
    if _at_least(state.stage, "booked"):
        raise LifecycleError("already_booked", "another option of this issue is already booked")
    return True


def check_in(state: BookingState) -> bool:
    """Return True to record the check-in now, False when it already happened."""
    if state.status != "accepted" or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be checked in")
    return state.stage == "booked"


def complete(state: BookingState, *, outcome: str) -> tuple[str, str | None] | None:
    """Return the new (stage, close_reason) for a recorded service outcome, None when already recorded."""
    if outcome not in OUTCOMES:
        raise LifecycleError("invalid_outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if state.status != "accepted" or not state.is_case_booking:
        raise LifecycleError("not_booked", "only an accepted booking can be completed")
    if _at_least(state.stage, "serviced"):
        return None
    if state.stage != "checked_in":
        raise LifecycleError("not_checked_in", "check the car in before recording the outcome")
    # No fault found: nothing to verify by telemetry, the case ends at the workshop.
    return ("closed", "no_fault_found") if outcome == "no_fault_found" else ("serviced", None)


def decline(state: BookingState) -> bool:
    """Return True to decline now, False when already declined; serviced cases can no longer be declined."""
    if state.status == "declined":
        return False
    if state.status == "expired":
        raise LifecycleError("offer_unavailable", "this booking option has expired")
    if state.is_case_booking and _at_least(state.stage, "checked_in"):
        raise LifecycleError("already_checked_in", "the car is already at the workshop")
    return True

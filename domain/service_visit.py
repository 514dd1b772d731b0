"""A workshop visit, from a Carecast booking or from the dealer system (DMS), and the work codes it may carry.

The contract between whoever reads visits (`carecast import visits`, the admin API) and the one writer of the
service history (core/service_history.py). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.vin import is_valid_vin
from domain.vocabulary import Outcome, RiskKind


class VisitSource(StrEnum):
    """Where a visit was recorded (service_visit.source)."""

    CARECAST = "carecast"
    DMS = "dms"


class WorkCode(StrEnum):
    """What was done at a visit, as the DMS reports it (service_visit.work)."""

    MAINTENANCE = "maintenance"  # the periodic service: oil, filters, inspection; resets the countdown
    BATTERY_12V = "battery_12v"  # 12 V battery replaced
    HV_BATTERY = "hv_battery"  # traction battery repaired or replaced
    BRAKE_PADS = "brake_pads"
    BRAKE_FLUID = "brake_fluid"
    TYRES = "tyres"  # tyres replaced or pressures corrected
    WIPERS = "wipers"
    WINTER_CHECK = "winter_check"
    SUMMER_CHECK = "summer_check"
    TRIP_CHECK = "trip_check"
    INSPECTION = "inspection"  # looked at, nothing replaced
    OTHER = "other"


# The risk a piece of work fixes: an open risk of that kind goes to verification after the visit.
FIXES: dict[WorkCode, RiskKind] = {
    WorkCode.MAINTENANCE: RiskKind.MAINTENANCE_DUE,
    WorkCode.BATTERY_12V: RiskKind.BATTERY_12V,
    WorkCode.HV_BATTERY: RiskKind.EV_BATTERY_SOH,
    WorkCode.BRAKE_PADS: RiskKind.BRAKE_PADS,
    WorkCode.TYRES: RiskKind.TYRE_PRESSURE,
    WorkCode.WIPERS: RiskKind.WIPERS,
    WorkCode.WINTER_CHECK: RiskKind.WINTER_PREP,
    WorkCode.SUMMER_CHECK: RiskKind.SUMMER_CARE,
    WorkCode.TRIP_CHECK: RiskKind.HOLIDAY_TRIP,
}


@dataclass(frozen=True, slots=True)
class ServiceVisit:
    """One visit as reported: the vehicle by VIN, the center by code, the technician by employee number."""

    vin: str
    center_code: str
    external_ref: str  # the DMS work-order number, unique per center
    visited_at: datetime  # aware
    work: tuple[WorkCode, ...]
    odometer_km: int | None = None
    parts: tuple[str, ...] = ()  # SKUs
    technician_employee_no: str | None = None
    source: VisitSource = VisitSource.DMS

    def fixes(self) -> frozenset[RiskKind]:
        """Return the risk kinds this visit's work fixes."""
        return frozenset(FIXES[w] for w in self.work if w in FIXES)


# The work a Carecast booking's visit did, for its service_visit row: the fix of the risk it was booked for.
_WORK_FOR: dict[RiskKind, WorkCode] = {kind: work for work, kind in FIXES.items()}


def booking_work(kind: str, *, outcome: str | None) -> tuple[WorkCode, ...]:
    """Return the work codes of a Carecast booking's visit: the risk's fix, or an inspection when no fault was
    found."""
    if outcome == Outcome.NO_FAULT_FOUND:
        return (WorkCode.INSPECTION,)
    return (_WORK_FOR.get(RiskKind(kind), WorkCode.OTHER),)


class VisitProblemCode(StrEnum):
    """Why one visit of a batch was not recorded (the others still are)."""

    INVALID_VIN = "invalid_vin"
    NAIVE_TIME = "naive_time"
    FUTURE_VISIT = "future_visit"
    INVALID_VISIT = "invalid_visit"
    UNKNOWN_VEHICLE = "unknown_vehicle"
    UNKNOWN_CENTER = "unknown_center"
    UNKNOWN_TECHNICIAN = "unknown_technician"
    REF_CONFLICT = "ref_conflict"
    FAILED = "failed"  # the database refused it (e.g. a deadlock with a concurrent writer): send it again


_CODES = frozenset(WorkCode)
# A dealer system's clock may run a little ahead of ours; a visit further ahead than this is a typo, not a visit.
CLOCK_SKEW = timedelta(minutes=10)


def invalid(visit: ServiceVisit, *, now: datetime) -> tuple[VisitProblemCode, str] | None:
    """Return why the visit cannot be recorded whatever the database holds, or None when it can be tried."""
    if not is_valid_vin(visit.vin):
        return (
            VisitProblemCode.INVALID_VIN,
            "VIN must be 17 characters: digits and capital letters except I, O, Q",
        )
    if visit.visited_at.tzinfo is None or visit.visited_at.utcoffset() is None:
        return VisitProblemCode.NAIVE_TIME, "visited_at needs a time zone offset"
    if visit.visited_at > now + CLOCK_SKEW:
        return VisitProblemCode.FUTURE_VISIT, "visited_at is in the future"
    if not visit.center_code or not visit.external_ref:
        return VisitProblemCode.INVALID_VISIT, "center_code and external_ref are required"
    if visit.odometer_km is not None and visit.odometer_km < 0:
        return VisitProblemCode.INVALID_VISIT, "odometer_km must not be negative"
    unknown = [w for w in visit.work if w not in _CODES]
    if unknown:
        return VisitProblemCode.INVALID_VISIT, f"unknown work code {unknown[0]!r}"
    return None

"""A workshop visit, from a Carecast booking or from the dealer system (DMS), and the work codes it may carry.

The contract between whoever reads visits (`carecast import visits`, the admin API) and the one writer of the
service history (core/service_history.py). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.vocabulary import RiskKind


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

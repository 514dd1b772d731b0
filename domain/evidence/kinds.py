"""The evidence of each risk kind: the common fields plus what that kind's rule adds (its "extras").

Every field is optional: a rule writes the keys its version knows, and an older row lacks the keys added since.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from domain.evidence.common import Comparison, Evidence, Number, Reading, Shape
from domain.vocabulary import RequestCategory, RiskKind


def _kind(kind: RiskKind) -> ConfigDict:
    return ConfigDict(json_schema_extra={"x-risk-kind": kind.value})


class Holiday(StrEnum):
    """The travel peaks the pre-holiday check prepares for."""

    SPRING_FESTIVAL = "spring_festival"
    NATIONAL_DAY = "national_day"


class TripItem(StrEnum):
    """What the pre-holiday check looks at."""

    BRAKE_PADS = "brake_pads"
    WIPERS = "wipers"
    TYRE_PRESSURE = "tyre_pressure"
    COOLANT = "coolant"


class ColdOutlook(Shape):
    """Is a cold snap coming: the car's daily minimum temperature trend carried a few days ahead."""

    projected_min_c: Number | None = None
    recent_mean_min_c: Number | None = None
    cold_snap_coming: bool | None = None
    method: str | None = None


class Battery12vCheck(Shape):
    """One 12 V voltage check: the cranking dip (corrected to 20 °C) or the resting voltage."""

    diagnosis: str | None = None
    """high_internal_resistance (cranking dip) or low_state_of_charge (resting voltage)."""
    readings: list[Reading] = []
    recent_median: Number | None = None
    threshold: Number | None = None
    failure_at: Number | None = None
    """Voltage at which the battery is expected to fail."""
    trend_per_day: Number | None = None
    """V/day, Theil–Sen over the trend window (None: not fitted)."""
    days_to_failure: Number | None = None
    window_days: int | None = None


class Battery12vEvidence(Evidence, Battery12vCheck):
    """battery_12v: the more urgent check, the other tripped check under `also`, the cold outlook."""

    model_config = _kind(RiskKind.BATTERY_12V)

    temp_coeff_v_per_c: Number | None = None
    also: list[Battery12vCheck] | None = None
    cold_outlook: ColdOutlook | None = None


class LevelShift(Shape):
    """A persistent step in the reported SOH (a recalibration), undone before the fit."""

    day: date | None = None
    step_pct: Number | None = None


class EvBatterySohEvidence(Evidence):
    """ev_battery_soh: the SOH level, its fitted fade and the projection to the threshold (percent)."""

    model_config = _kind(RiskKind.EV_BATTERY_SOH)

    level_pct: Number | None = None
    trend_per_day: Number | None = None
    trend_per_year: Number | None = None
    """Percentage points a year (negative: fading)."""
    trend_interval_per_day: list[Number | None] | None = None
    confidence_level: Number | None = None
    residual_sigma: Number | None = None
    days_to_threshold: Number | None = None
    window_days: int | None = None
    days_of_data: int | None = None
    first_day: date | None = None
    method: str | None = None
    weeks_fitted: int | None = None
    level_shifts: list[LevelShift] | None = None


class BrakeFluidCheck(Shape):
    """The brake fluid level: recent median, trend and the days to the MIN mark (percent of the reservoir)."""

    readings: list[Reading] = []
    level_pct: Number | None = None
    warn_pct: Number | None = None
    min_pct: Number | None = None
    trend_per_day: Number | None = None
    days_to_min: Number | None = None
    window_days: int | None = None


class BrakeFluidEvidence(Evidence, BrakeFluidCheck):
    """brake_pads, diagnosis low_brake_fluid: the fluid check alone (the pads were fine)."""

    model_config = _kind(RiskKind.BRAKE_PADS)


class BrakePadsEvidence(Evidence):
    """brake_pads: wear of the most worn wheel, its rate, the projection to the limit; a tripped fluid check
    under `also`."""

    model_config = _kind(RiskKind.BRAKE_PADS)

    current_wear_pct: Number | None = None
    wear_per_1000km: Number | None = None
    trend_per_day: Number | None = None
    km_per_day: Number | None = None
    remaining_km: Number | None = None
    days_to_limit: Number | None = None
    window_days: int | None = None
    days_of_data: int | None = None
    replaced_on: date | None = None
    method: str | None = None
    also: list[BrakeFluidCheck] | None = None


class WinterPrepEvidence(Evidence):
    """winter_prep: the car's own 7-day mean outside temperature against the winter threshold (°C)."""

    model_config = _kind(RiskKind.WINTER_PREP)

    op: Comparison | None = Comparison.LT
    mean_c: Number | None = None
    window_days: int | None = None
    days_used: int | None = None
    weak_12v: list[str] | None = None
    """The 12 V checks that tripped too (their diagnoses)."""
    basis: Literal["this_week", "earlier_week", "forecast"] | None = None
    forecast_mean_c: Number | None = None
    forecast_days: int | None = None


class WipersEvidence(Evidence):
    """wipers: blade wear (percent), its rate since the last blade change and the days to the limit."""

    model_config = _kind(RiskKind.WIPERS)

    wear_pct: Number | None = None
    wear_per_day: Number | None = None
    days_to_limit: Number | None = None
    rate_window_days: int | None = None


class TyrePressureEvidence(Evidence):
    """tyre_pressure: the lowest tyre (kPa), its temperature-corrected trend since the last fill."""

    model_config = _kind(RiskKind.TYRE_PRESSURE)

    pressure_kpa: Number | None = None
    corrected_trend_kpa_per_day: Number | None = None
    """Pressure corrected to 20 °C, kPa/day (negative: leaking)."""
    limit_kpa: Number | None = None
    temp_coeff_kpa_per_c: Number | None = None
    fill_kpa_at_20c: Number | None = None
    forecast_mean_c: Number | None = None
    """The forecast mean temperature of the first day cold enough to take the tyre under the threshold."""
    forecast_days: int | None = None


class SummerCareEvidence(Evidence):
    """summer_care: the car's own 7-day mean outside temperature against the summer threshold (°C)."""

    model_config = _kind(RiskKind.SUMMER_CARE)

    op: Comparison | None = Comparison.GE
    mean_c: Number | None = None
    window_days: int | None = None
    days_used: int | None = None
    max_c: Number | None = None
    """The week's hottest reading."""
    tyre_min_kpa: Number | None = None
    onset_days_ago: int | None = None
    forecast_mean_c: Number | None = None
    """The forecast mean of the first week at or over the threshold, when summer is flagged ahead."""
    forecast_days: int | None = None


class HolidayTripEvidence(Evidence):
    """holiday_trip: the items due before a travel peak, the peak, and the car's longest day."""

    model_config = _kind(RiskKind.HOLIDAY_TRIP)

    due_items: list[TripItem] | None = None
    holiday: Holiday | None = None
    holiday_start: date | None = None
    longest_day_km: Number | None = None
    long_trip_km: Number | None = None
    lead_days: int | None = None


class ScheduleBasis(StrEnum):
    """What a schedule-based maintenance due date counts from, best first."""

    MAINTENANCE_VISIT = "maintenance_visit"
    IN_SERVICE = (
        "in_service"  # no maintenance visit known: the registration date, else the day it came to Carecast
    )


class MaintenanceDueEvidence(Evidence):
    """maintenance_due: the car's own service countdown and its daily distance; `threshold` is in days. A car
    that reports no countdown is judged by the service schedule instead (the `schedule_*` keys are then set)."""

    model_config = _kind(RiskKind.MAINTENANCE_DUE)

    km_left: Number | None = None
    km_per_day: Number | None = None
    time_days_left: Number | None = None
    time_signal: str | None = None
    days_left: Number | None = None
    threshold_km: Number | None = None
    schedule_basis: ScheduleBasis | None = None
    """What the schedule counts from; absent for a countdown-based flag."""
    schedule_from: date | None = None
    """The day of that last maintenance visit, or the day the car entered service."""
    schedule_months: int | None = None
    """The service interval in months."""
    schedule_km: Number | None = None
    """The service interval in km."""
    km_since: Number | None = None
    """Distance driven since `schedule_from`, when the odometer then is known."""


# An owner's description of a concern may be this long (the API refuses longer ones).
MAX_REQUEST_TEXT = 2000


class OwnerRequestEvidence(Evidence):
    """owner_request: what the owner described (no readings; the workshop diagnoses it at the visit)."""

    model_config = _kind(RiskKind.OWNER_REQUEST)

    category: RequestCategory | None = None
    text: str | None = Field(default=None, max_length=MAX_REQUEST_TEXT)
    photo: bool = False
    """True when a photo is stored with the request (owner_request_photo)."""


class DtcCode(Shape):
    """One stored diagnostic trouble code and how the car reported it (catalogue: domain/dtc.py)."""

    code: str
    """SAE J2012 code, e.g. P0300."""
    confirmed: bool = False
    """The fault matured (ISO 14229-1 confirmedDTC); otherwise pending."""
    mil: bool = False
    """The car asked for its warning lamp (the check-engine light for engine codes)."""
    days_seen: int | None = None
    """Fleet days the code was in the car's list since it was last cleared (within the rule's window)."""
    first_seen: date | None = None
    last_seen: date | None = None


class DtcEvidence(Evidence):
    """dtc: the stored codes that make the risk (worst first), whether the MIL is on and whether to drive on."""

    model_config = _kind(RiskKind.DTC)

    codes: list[DtcCode] = []
    mil_on: bool | None = None
    drivable: bool | None = None
    """False when a code's catalogue entry says the car should not be driven (except to the workshop)."""
    skill: str | None = None
    """The technician skill the worst code needs."""

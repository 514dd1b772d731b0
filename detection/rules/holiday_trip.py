"""Pre-holiday trip check: before the Spring Festival and National Day travel peaks, cars with something due.

Hundreds of millions of trips crowd the expressways in the first days of these two breaks (``core.travel_peaks``,
from the `holidays` package: statutory days, substituted days off and make-up workdays). From `lead_days` before a
peak, the rule flags cars whose telemetry shows an item a long trip should not start with: brake pads at 60 % wear
or more, wiper blades at 80 % or more, the lowest tyre under 215 kPa, coolant reported LOW. Long-trip usage (a day
of 300 km or more in the last 60 days) raises the severity: such a car is likely to drive far over the break. A car
with nothing due is not flagged for its mileage alone (nothing to check that a message could name). Outside the
lead window every vehicle is evaluated, so an open risk closes once the break has begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from core.contracts import RiskKind, Severity
from core.travel_peaks import TravelPeak, next_peak
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import iso_day, num, today
from detection.groups import Car, cars

RULE_ID = "holiday_trip_due_items"
RULE_VERSION = 1
KIND = RiskKind.HOLIDAY_TRIP
COLUMNS = (
    "pad_wear_max",
    "wiper_wear_max",
    "tire_kpa_min",
    "coolant_min",
    "odometer_min_m",
    "odometer_max_m",
)
# item -> (rollup column, VSS signal, threshold, op)
ITEMS = {
    "brake_pads": ("pad_wear_max", "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear", 60.0, ">="),
    "wipers": ("wiper_wear_max", "Vehicle.Body.Windshield.Front.Wiping.WiperWear", 80.0, ">="),
    "tyre_pressure": ("tire_kpa_min", "Vehicle.Chassis.Axle.*.Wheel.*.Tire.Pressure", 215.0, "<"),
    "coolant": ("coolant_min", "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level", 2.0, "<"),
}


@dataclass(frozen=True, slots=True)
class Params:
    lead_days: int = 14
    recent_days: int = 7
    usage_window_days: int = 60
    long_trip_km: float = 300.0


def due_items(car: Car, *, params: Params) -> list[dict]:
    """Return the readings of the items due on this car (latest value within `recent_days` past its threshold)."""
    out = []
    for item, (column, signal, threshold, op) in ITEMS.items():
        values = car[column].astype("float64")
        keep = np.flatnonzero(np.isfinite(values) & (car.age < params.recent_days))
        if not len(keep):
            continue
        value = float(values[keep[-1]])
        if (value >= threshold) if op == ">=" else (value < threshold):
            day = iso_day(car.day[keep[-1]])
            out.append({"item": item, "signal": signal, "day": day, "value": num(value, 0),
                        "threshold": threshold, "op": op})  # fmt: skip
    return out


def longest_day_km(car: Car, *, params: Params) -> float | None:
    """Return the longest day's distance in km over the usage window (None without odometer readings)."""
    span = (car["odometer_max_m"].astype("float64") - car["odometer_min_m"].astype("float64")) / 1000.0
    keep = np.isfinite(span) & (car.age < params.usage_window_days)
    return float(span[keep].max()) if keep.any() else None


def _flag(car: Car, items: list[dict], peak: TravelPeak, longest: float | None, params: Params) -> RiskFlag:
    long_trips = longest is not None and longest >= params.long_trip_km
    evidence = {
        "readings": [{k: v for k, v in i.items() if k != "item"} for i in items if i["item"] != "coolant"],
        "threshold": items[0]["threshold"], "op": items[0]["op"],
        "due_items": [i["item"] for i in items], "holiday": str(peak.peak), "holiday_start": peak.start.isoformat(),
        "longest_day_km": num(longest, 0), "long_trip_km": params.long_trip_km, "lead_days": params.lead_days,
    }  # fmt: skip
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.MEDIUM if long_trips or len(items) > 1 else Severity.LOW,
        confidence=0.8, diagnosis=f"before_{peak.peak}", evidence=evidence, predicted_date=peak.start,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return pre-holiday flags for cars with a due item while a travel peak is at most `lead_days` away."""
    peak = next_peak(today(now), within_days=params.lead_days)
    # The peak's own first day is a travel day, not a day to book a check: the window ends the day before.
    if peak is not None and peak.start <= today(now):
        peak = None
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=COLUMNS):
        evaluated.append(car.vehicle_id)
        if peak is None:
            continue
        items = due_items(car, params=params)
        if items:
            flags.append(_flag(car, items, peak, longest_day_km(car, params=params), params))
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

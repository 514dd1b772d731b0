"""Pre-holiday trip check: before the Spring Festival and National Day travel peaks, cars with something due.

Hundreds of millions of trips crowd the expressways in the first days of these two breaks (``domain.travel_peaks``,
from the `holidays` package: statutory days, substituted days off and make-up workdays). From `lead_days` before a
peak, the rule flags cars whose telemetry shows an item a long trip should not start with: brake pads at 60 % wear
or more, wiper blades at 80 % or more, the lowest tyre under 215 kPa, coolant reported LOW. Long-trip usage (a day
of 300 km or more in the last 60 days) raises the severity: such a car is likely to drive far over the break. A car
with nothing due is not flagged for its mileage alone (nothing to check that a message could name). Outside the
lead window every vehicle is evaluated, so an open risk closes once the break has begun.

An item counts as due when the readings say so beyond their resolution and the weather of one day: wear is placed
on a line through the whole-percent readings since the last replacement, the tyres at this week's temperature from
what they hold since the last fill, and the item must be due as judged from yesterday's data too. A rule run day by
day otherwise opens and closes a risk (a new alert each time) on a rounding step or a cold morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import day_of, num, today
from detection.groups import Car, cars
from domain.evidence import Comparison, EvidenceSignal, Holiday, HolidayTripEvidence, Reading, TripItem
from domain.travel_peaks import TravelPeak, next_peak
from domain.vocabulary import RiskKind, Severity

RULE_ID = "holiday_trip_due_items"
RULE_VERSION = 2
KIND = RiskKind.HOLIDAY_TRIP
COLUMNS = (
    "air_temp_avg",
    "pad_wear_max",
    "wiper_wear_max",
    "tire_kpa_min",
    "coolant_min",
    "odometer_min_m",
    "odometer_max_m",
)
# item -> (rollup column, VSS signal, threshold, op)
ITEMS = {
    TripItem.BRAKE_PADS: ("pad_wear_max", EvidenceSignal.BRAKE_PAD_WEAR, 60.0, Comparison.GE),
    TripItem.WIPERS: ("wiper_wear_max", EvidenceSignal.WIPER_WEAR, 80.0, Comparison.GE),
    TripItem.TYRE_PRESSURE: ("tire_kpa_min", EvidenceSignal.TYRE_PRESSURE, 215.0, Comparison.LT),
    TripItem.COOLANT: ("coolant_min", EvidenceSignal.ENGINE_COOLANT_LEVEL, 2.0, Comparison.LT),
}


@dataclass(frozen=True, slots=True)
class Params:
    lead_days: int = 14
    recent_days: int = 7
    usage_window_days: int = 60
    long_trip_km: float = 300.0
    confirm_days: int = 1  # an item due today is flagged when the data up to this many days ago said so too
    # Wear (pads, blades) is reported in whole percent: a reading of 60 is anything from 59.5. A line through the
    # readings since the last replacement (a fall of `service_drop_pct` from one reading to the next) within
    # `wear_window_days` places today's wear to a tenth; with fewer than `min_wear_days` readings, the latest.
    wear_window_days: int = 60
    min_wear_days: int = 14
    service_drop_pct: float = 10.0
    wear_margin_pct: float = 2.0
    # Tyres: what the lowest tyre holds at 20 °C since the last fill (median of the latest readings, corrected
    # with the day's temperature), read at the colder of this week's and its last three days' mean temperature.
    temp_coeff_kpa_per_c: float = 1.2
    reference_temp_c: float = 20.0
    fill_jump_kpa: float = 8.0


def wear_now(car: Car, column: str, params: Params) -> float | None:
    """Return today's wear (%) on a line through the readings since the last replacement (None: no recent
    reading)."""
    values = car[column].astype("float64")
    keep = np.flatnonzero(np.isfinite(values) & (car.age < params.wear_window_days))
    if not len(keep) or car.age[keep[-1]] >= params.recent_days:
        return None
    v = values[keep]
    drops = np.flatnonzero(np.diff(v) <= -params.service_drop_pct)
    if len(drops):
        keep, v = keep[drops[-1] + 1 :], v[drops[-1] + 1 :]
    if len(v) < params.min_wear_days:
        return float(v[-1])
    x = car.x[keep]
    dx = x - x.mean()
    # Wear does not go back without a replacement: a falling line is rounding, not wear.
    slope = max(0.0, float(dx @ (v - v.mean())) / float(dx @ dx))
    return float(v.mean()) - slope * float(x.mean())


def tyre_now(car: Car, params: Params) -> float | None:
    """Return the lowest tyre's pressure (kPa) at this week's temperature from what it holds at 20 °C since the
    last fill (None: no recent reading with a temperature)."""
    p = car["tire_kpa_min"].astype("float64")
    air = car["air_temp_avg"].astype("float64")
    both = np.flatnonzero(np.isfinite(p) & np.isfinite(air) & (car.age < params.recent_days))
    if not len(both):
        return None
    corrected = p[both] - params.temp_coeff_kpa_per_c * (air[both] - params.reference_temp_c)
    fills = np.flatnonzero(np.diff(corrected) >= params.fill_jump_kpa)
    fill = float(np.median(corrected[fills[-1] + 1 :] if len(fills) else corrected))
    # The colder of the week and its last three days: a spell that has set in is what the trip starts in, one cold
    # morning is not.
    air_c = float(np.mean(air[both]))
    last = both[car.age[both] < 3]
    if len(last):
        air_c = min(air_c, float(np.mean(air[last])))
    return fill + params.temp_coeff_kpa_per_c * (air_c - params.reference_temp_c)


@dataclass(frozen=True, slots=True)
class Due:
    """An item due on the car and the reading that shows it."""

    item: TripItem
    reading: Reading


def due_items(car: Car, *, params: Params) -> list[Due]:
    """Return the items due on this car: wear and tyres as estimated above from the last `recent_days`, coolant as
    last reported."""
    out = []
    for item, (column, signal, threshold, op) in ITEMS.items():
        values = car[column].astype("float64")
        keep = np.flatnonzero(np.isfinite(values) & (car.age < params.recent_days))
        if not len(keep):
            continue
        value = float(values[keep[-1]])
        if item is TripItem.TYRE_PRESSURE:
            expected = tyre_now(car, params)
        elif op is Comparison.GE and abs(value - threshold) < params.wear_margin_pct:
            expected = wear_now(car, column, params)
        else:
            expected = value  # further from the limit than rounding and a line can move a reading
        expected = value if expected is None else expected
        if op.holds(expected, threshold):
            reading = Reading(signal=signal, day=day_of(car.day[keep[-1]]), value=num(value, 0),
                              estimate=num(expected, 1), threshold=threshold, op=op)  # fmt: skip
            out.append(Due(item, reading))
    return out


def longest_day_km(car: Car, *, params: Params) -> float | None:
    """Return the longest day's distance in km over the usage window (None without odometer readings)."""
    span = (car["odometer_max_m"].astype("float64") - car["odometer_min_m"].astype("float64")) / 1000.0
    keep = np.isfinite(span) & (car.age < params.usage_window_days)
    return float(span[keep].max()) if keep.any() else None


def _flag(car: Car, items: list[Due], peak: TravelPeak, longest: float | None, params: Params) -> RiskFlag:
    long_trips = longest is not None and longest >= params.long_trip_km
    evidence = HolidayTripEvidence(
        readings=[i.reading for i in items if i.item is not TripItem.COOLANT],
        threshold=items[0].reading.threshold, op=items[0].reading.op,
        due_items=[i.item for i in items], holiday=Holiday(peak.peak), holiday_start=peak.start,
        longest_day_km=num(longest, 0), long_trip_km=params.long_trip_km, lead_days=params.lead_days,
    )  # fmt: skip
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.MEDIUM if long_trips or len(items) > 1 else Severity.LOW,
        confidence=0.8, diagnosis=f"before_{peak.peak}", evidence=evidence, predicted_date=peak.start,
    )  # fmt: skip


def _until(car: Car, days: int) -> Car:
    """Return the car as a pass `days` earlier saw it (its rows up to then, ages and offsets from then)."""
    n = int(np.searchsorted(-car.age, -days + 1))  # rows at least `days` old (age is descending)
    return Car(car.vehicle_id, car.day[:n], car.age[:n] - days, car.x[:n] + days,
               {c: v[:n] for c, v in car.values.items()}, car.source, car.start, car.start + n)  # fmt: skip


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
        if items and params.confirm_days:
            # Due as judged from the data up to yesterday too: a one-day blip of a cold morning or a rounding step
            # is not worth a booking, and would open and close a risk from one pass to the next.
            before = set(i.item for i in due_items(_until(car, params.confirm_days), params=params))
            items = [i for i in items if i.item in before]
        if items:
            flags.append(_flag(car, items, peak, longest_day_km(car, params=params), params))
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

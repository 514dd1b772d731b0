"""Maintenance due: the car's own service countdown (``Vehicle.Service.*``) forecast with its average daily use.

Cars that report ``Vehicle.Service.DistanceToService`` (km) and/or ``TimeToService`` (s) carry the last reported
value per day in the frame (`service_km`, `service_s`). Following Fleetio's approach, the distance left becomes a
date with the car's own average daily distance (odometer over the last `usage_days`): due in
``min(service_km / km_per_day, service_s / 86400)`` days. "Due soon" when that is within `soon_days` (14) or the
distance left is within `soon_km` (500 km); overdue (<= 0) is high severity.

Hysteresis: a car is judged healthy (an open risk resolves, e.g. after the service reset the countdown) only when
it is at least `clear_days` away and `clear_km` away; in between it neither flags nor clears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num
from detection.groups import Car, cars
from domain.evidence import Comparison, EvidenceSignal, MaintenanceDueEvidence, Reading
from domain.vocabulary import RiskKind, Severity

RULE_ID = "service_countdown"
RULE_VERSION = 1
KIND = RiskKind.MAINTENANCE_DUE
DISTANCE = EvidenceSignal.SERVICE_DISTANCE
TIME = EvidenceSignal.SERVICE_TIME
_COLUMNS = ("service_km", "service_s", "odometer_max_m")


@dataclass(frozen=True, slots=True)
class Params:
    soon_days: float = 14.0
    soon_km: float = 500.0
    clear_days: float = 21.0
    clear_km: float = 750.0
    # the countdown must have been reported within this many days
    fresh_days: int = 7
    usage_days: int = 28
    min_usage_days: int = 5


@dataclass(frozen=True, slots=True)
class Countdown:
    """One car's service countdown: what it reported, its daily use and the days left by each measure."""

    day: pd.Timestamp
    km_left: float | None
    time_days_left: float | None
    km_per_day: float | None
    days_left: float | None


def km_per_day(car: Car, *, params: Params) -> float | None:
    """Return the car's average daily distance over the last `usage_days` (None with too few odometer days)."""
    odo = car["odometer_max_m"].astype("float64")
    keep = np.flatnonzero((car.age < params.usage_days) & np.isfinite(odo))
    if len(keep) < params.min_usage_days:
        return None
    first, last = keep[0], keep[-1]
    span_days = (car.day[last] - car.day[first]) / np.timedelta64(1, "D")
    travelled_km = (float(odo[last]) - float(odo[first])) / 1000.0
    if span_days <= 0 or travelled_km < 0:
        return None
    return travelled_km / span_days


def countdown(car: Car, *, params: Params) -> Countdown | None:
    """Return the latest service countdown of one vehicle, or None when it reported none within `fresh_days`."""
    km = car["service_km"].astype("float64")
    secs = car["service_s"].astype("float64")
    reported = np.flatnonzero((car.age < params.fresh_days) & (np.isfinite(km) | np.isfinite(secs)))
    if len(reported) == 0:
        return None
    i = reported[-1]
    km_left = None if np.isnan(km[i]) else float(km[i])
    time_left = None if np.isnan(secs[i]) else float(secs[i]) / 86400.0
    per_day = km_per_day(car, params=params)
    by_km = km_left / per_day if km_left is not None and per_day else None
    if km_left is not None and km_left <= 0:
        by_km = 0.0
    candidates = [d for d in (by_km, time_left) if d is not None]
    return Countdown(
        day=pd.Timestamp(car.day[i]), km_left=km_left, time_days_left=time_left, km_per_day=per_day,
        days_left=min(candidates) if candidates else None,
    )  # fmt: skip


def _due(c: Countdown, params: Params) -> bool:
    by_days = c.days_left is not None and c.days_left <= params.soon_days
    return by_days or (c.km_left is not None and c.km_left <= params.soon_km)


def _clear(c: Countdown, params: Params) -> bool:
    days_ok = c.days_left is None or c.days_left > params.clear_days
    km_ok = c.km_left is None or c.km_left > params.clear_km
    return days_ok and km_ok and (c.days_left is not None or c.km_left is not None)


def _flag(vehicle_id: int, c: Countdown, *, now: datetime, params: Params) -> RiskFlag:
    overdue = (c.days_left is not None and c.days_left <= 0) or (c.km_left is not None and c.km_left <= 0)
    readings = []
    if c.km_left is not None:
        readings.append(Reading(signal=DISTANCE, aggregate="last", day=day_of(c.day), value=num(c.km_left, 1),
                                threshold=params.soon_km, op=Comparison.LE))  # fmt: skip
    evidence = MaintenanceDueEvidence(
        readings=readings, km_left=num(c.km_left, 1), km_per_day=num(c.km_per_day, 1),
        time_days_left=num(c.time_days_left, 1), time_signal=TIME,
        days_left=num(c.days_left, 1), threshold=params.soon_days, op=Comparison.LE, threshold_km=params.soon_km,
    )  # fmt: skip
    days = max(0.0, c.days_left) if c.days_left is not None else None
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if overdue else Severity.MEDIUM, confidence=0.95 if overdue else 0.85,
        diagnosis="service_overdue" if overdue else "service_due_soon", evidence=evidence,
        predicted_date=date_in(now, days) if days is not None else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return maintenance-due flags for cars whose reported service countdown is due within the limits."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=_COLUMNS):
        c = countdown(car, params=params)
        if c is None:
            continue
        if _due(c, params):
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car.vehicle_id, c, now=now, params=params))
        elif _clear(c, params):
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

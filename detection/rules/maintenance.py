"""Maintenance due: the car's own service countdown (``Vehicle.Service.*``) forecast with its average daily use.

Cars that report ``Vehicle.Service.DistanceToService`` (km) and/or ``TimeToService`` (s) carry the last reported
value per day in the frame (`service_km`, `service_s`). Following Fleetio's approach, the distance left becomes a
date with the car's own average daily distance (odometer over the last `usage_days`): due in
``min(service_km / km_per_day, service_s / 86400)`` days. "Due soon" when that is within `soon_days` (14) or the
distance left is within `soon_km` (500 km); overdue (<= 0) is high severity.

Hysteresis: a car is judged healthy (an open risk resolves, e.g. after the service reset the countdown) only when
it is at least `clear_days` away and `clear_km` away; in between it neither flags nor clears.

The service history (core/service_history.py, per vehicle in the frame's ``SERVICE_HISTORY_COLUMNS``) adds two
things:

- A maintenance visit on or after the fleet day of the countdown's last report clears the car: the workshop reset
  the countdown but the car has not reported since (it may report days later). The next report decides again.
- A car that reports no countdown (driven on `min_driven_days` of the last `countdown_days` days without one) is
  judged by the service schedule: due `schedule_months` after the last maintenance visit (else the registration
  date, else the day it came to Carecast) or `schedule_km` after the odometer then, whichever comes first, the km
  turned into days with its daily distance as above; same thresholds and hysteresis. Defaults: 12 months or
  15,000 km, the upper end of the usual "6, 9 or 12 months, 5,000 to 15,000 km, whichever comes first" (NRMA, "Why
  sticking to your car's service schedule matters", 2024). A schedule that starts after `now` is not judged (the
  car was not known then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import SERVICE_HISTORY_COLUMNS, date_in, day_of, from_epoch_day, num, today, utc_naive
from detection.groups import Car, cars
from domain.evidence import Comparison, EvidenceSignal, MaintenanceDueEvidence, Reading, ScheduleBasis
from domain.vocabulary import RiskKind, Severity

RULE_ID = "service_countdown"
RULE_VERSION = 2  # 2: the service history (a maintenance visit clears; schedule for cars without a countdown)
KIND = RiskKind.MAINTENANCE_DUE
DISTANCE = EvidenceSignal.SERVICE_DISTANCE
TIME = EvidenceSignal.SERVICE_TIME
_COLUMNS = ("service_km", "service_s", "odometer_min_m", "odometer_max_m", *SERVICE_HISTORY_COLUMNS)


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
    # a car driven on this many of the last `countdown_days` days without a countdown report has none; at most the
    # days of countdown detection.repository.load_frame reads (`service_days`)
    countdown_days: int = 14
    min_driven_days: int = 3
    schedule_months: int = 12
    schedule_km: float = 15_000.0
    # the odometer at the schedule's start, when unknown, is the first reading at most this many days after it
    basis_odometer_days: int = 31


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


@dataclass(frozen=True, slots=True)
class Schedule:
    """What a car without a countdown is serviced by: the day the interval counts from, why, and the odometer then."""

    start: date
    basis: ScheduleBasis
    start_km: float | None
    months: int
    km: float


def _per_vehicle(car: Car, column: str) -> float | None:
    values = car[column]
    return float(values[-1]) if len(values) and np.isfinite(values[-1]) else None


def maintained_since_report(car: Car) -> bool:
    """Return True when a maintenance visit falls on or after the fleet day of the countdown's last report."""
    visit = _per_vehicle(car, "last_maintenance_day")
    if visit is None:
        return False
    reported = np.flatnonzero(np.isfinite(car["service_km"]) | np.isfinite(car["service_s"]))
    if len(reported) == 0:
        return False
    return from_epoch_day(visit) >= day_of(car.day[reported[-1]])


def without_countdown(car: Car, *, params: Params) -> bool:
    """Return True for a car driven on `min_driven_days` of the last `countdown_days` days that reported no
    countdown on any of them."""
    recent = car.age < params.countdown_days
    if np.any(recent & (np.isfinite(car["service_km"]) | np.isfinite(car["service_s"]))):
        return False
    driven = (car["odometer_max_m"] - car["odometer_min_m"]) > 0
    return int(np.count_nonzero(recent & driven)) >= params.min_driven_days


def schedule(car: Car, *, now: datetime, params: Params) -> Schedule | None:
    """Return the car's service schedule as known at `now`, None when nothing says where it starts."""
    today_ = today(now)
    visit = _per_vehicle(car, "last_maintenance_day")
    if visit is not None and from_epoch_day(visit) <= today_:
        start, basis = from_epoch_day(visit), ScheduleBasis.MAINTENANCE_VISIT
        start_km = _per_vehicle(car, "service_basis_km")
    else:
        in_service = _per_vehicle(car, "in_service_day")
        if in_service is None or from_epoch_day(in_service) > today_:
            return None
        start = from_epoch_day(in_service)
        basis = ScheduleBasis.IN_SERVICE
        start_km = _per_vehicle(car, "service_basis_km")
    if start_km is None:
        start_km = _odometer_on(car, start, params=params)
    return Schedule(start, basis, start_km, params.schedule_months, params.schedule_km)


def _odometer_on(car: Car, start: date, *, params: Params) -> float | None:
    """Return the odometer (km) of the first day on or after `start`, within `basis_odometer_days`."""
    odo = car["odometer_min_m"]
    days = car.day.astype("datetime64[D]")
    first = np.datetime64(start, "D")
    hit = np.flatnonzero((days >= first) & (days <= first + params.basis_odometer_days) & np.isfinite(odo))
    return float(odo[hit[0]]) / 1000.0 if len(hit) else None


def scheduled_countdown(car: Car, s: Schedule, *, now: datetime, params: Params) -> Countdown:
    """Return the schedule as a countdown: days until the interval's months are up, km left of its distance."""
    due = (pd.Timestamp(s.start) + pd.DateOffset(months=s.months)).to_pydatetime()
    time_left = (pd.Timestamp(due) - utc_naive(now)) / pd.Timedelta(days=1)
    odo = car["odometer_max_m"]
    seen = np.flatnonzero(np.isfinite(odo))
    km_since = float(odo[seen[-1]]) / 1000.0 - s.start_km if len(seen) and s.start_km is not None else None
    km_left = None if km_since is None else s.km - max(0.0, km_since)
    per_day = km_per_day(car, params=params)
    by_km = km_left / per_day if km_left is not None and per_day else None
    if km_left is not None and km_left <= 0:
        by_km = 0.0
    candidates = [d for d in (by_km, float(time_left)) if d is not None]
    return Countdown(
        day=pd.Timestamp(car.day[-1]), km_left=km_left, time_days_left=float(time_left), km_per_day=per_day,
        days_left=min(candidates),
    )  # fmt: skip


def _due(c: Countdown, params: Params) -> bool:
    by_days = c.days_left is not None and c.days_left <= params.soon_days
    return by_days or (c.km_left is not None and c.km_left <= params.soon_km)


def _clear(c: Countdown, params: Params) -> bool:
    days_ok = c.days_left is None or c.days_left > params.clear_days
    km_ok = c.km_left is None or c.km_left > params.clear_km
    return days_ok and km_ok and (c.days_left is not None or c.km_left is not None)


def _flag(
    vehicle_id: int, c: Countdown, *, now: datetime, params: Params, plan: Schedule | None = None
) -> RiskFlag:
    overdue = (c.days_left is not None and c.days_left <= 0) or (c.km_left is not None and c.km_left <= 0)
    readings = []
    if c.km_left is not None and plan is None:
        readings.append(Reading(signal=DISTANCE, aggregate="last", day=day_of(c.day), value=num(c.km_left, 1),
                                threshold=params.soon_km, op=Comparison.LE))  # fmt: skip
    by_schedule: dict[str, object] = {}
    if plan is not None:
        by_schedule = {"schedule_basis": plan.basis, "schedule_from": plan.start, "schedule_months": plan.months,
                       "schedule_km": num(plan.km, 1)}  # fmt: skip
        if c.km_left is not None:
            by_schedule["km_since"] = num(plan.km - c.km_left, 1)
    else:
        by_schedule = {"time_signal": TIME}
    evidence = MaintenanceDueEvidence(
        readings=readings, km_left=num(c.km_left, 1), km_per_day=num(c.km_per_day, 1),
        time_days_left=num(c.time_days_left, 1), days_left=num(c.days_left, 1), threshold=params.soon_days,
        op=Comparison.LE, threshold_km=params.soon_km, **by_schedule,  # type: ignore[arg-type]
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
        plan = None
        if maintained_since_report(car):
            evaluated.append(car.vehicle_id)  # serviced since the car last reported: cleared until it reports
            continue
        c = countdown(car, params=params)
        if c is None and without_countdown(car, params=params):
            plan = schedule(car, now=now, params=params)
            c = None if plan is None else scheduled_countdown(car, plan, now=now, params=params)
        if c is None:
            continue
        if _due(c, params):
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car.vehicle_id, c, now=now, params=params, plan=plan))
        elif _clear(c, params):
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

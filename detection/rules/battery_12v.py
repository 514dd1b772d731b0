"""12 V battery: ageing from the temperature-normalised cranking dip, low charge from the resting voltage.

Ageing (high internal resistance): each engine start pulls ~150 A and the voltage dips; a healthy battery dips to
~10.3 V at 20 °C and ~0.03 V/°C lower in the cold. The dip is normalised to 20 °C with the day's lowest ambient
temperature (the morning start is the coldest sample), ``v20 = lv_v_min + 0.03 * max(0, 20 - air_temp_min)``, so a
healthy battery at -20 °C is not flagged. Only cranking days count: the rollup has no current column, so a day is a
cranking day when the car has a combustion engine and its lowest voltage is below `crank_ceiling_v` (resting and
driving voltages stay above 12 V; only the starter load pulls a battery that low). EVs never crank.

Low state of charge (parasitic drain, short trips): the median resting voltage (|current| < 2 A, parked) is below
12.2 V. Failure dates come from a Theil–Sen trend of the same daily values reaching 9.0 V (dip) or 11.9 V (rest).
One vehicle gets at most one flag: the more urgent diagnosis, with the other one kept in the evidence.

Cold snaps: a weak battery fails on the first very cold morning. When the car's own temperature trend says a cold
snap is coming (``detection.coldsnap``), the severity goes up one step and the evidence says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.coldsnap import outlook
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, iso_day, num
from detection.groups import Car, cars
from detection.trend import median as median_of
from detection.trend import theil_sen
from domain.vocabulary import Powertrain, RiskKind, Severity

RULE_ID = "battery_12v_voltage"
RULE_VERSION = 2
KIND = RiskKind.BATTERY_12V
SIGNAL = "Vehicle.LowVoltageBattery.CurrentVoltage"


@dataclass(frozen=True, slots=True)
class Params:
    crank_weak_v: float = 9.6
    crank_fail_v: float = 9.0
    rest_low_v: float = 12.2
    rest_fail_v: float = 11.9
    temp_coeff_v_per_c: float = 0.03
    reference_temp_c: float = 20.0
    crank_ceiling_v: float = 11.5
    recent_days: int = 3  # median over the last N usable days decides
    recent_window_days: int = 7  # ... and those days must lie within this window
    trend_window_days: int = 30
    min_trend_days: int = 5
    critical_days: int = 7
    high_days: int = 21


@dataclass(frozen=True, slots=True)
class Check:
    """One voltage check on one vehicle: the recent median, whether it crossed, and the projected failure.

    The trend (and with it the days to failure) is fitted only for a check that tripped: nothing else reads it."""

    diagnosis: str
    aggregate: str
    threshold: float
    fail_at: float
    recent_day: np.ndarray  # the last `recent_days` usable days (datetime64)
    recent_value: np.ndarray
    recent_raw: np.ndarray | None  # the raw dip and the cranking temperature (dip check only)
    recent_air: np.ndarray | None
    median: float
    trend_per_day: float | None
    days_to_failure: float | None
    window_days: int

    @property
    def tripped(self) -> bool:
        """Return True when the recent median is below the threshold."""
        return self.median < self.threshold


def _crank_mask(car: Car, params: Params) -> np.ndarray:
    air = car["air_temp_min"].astype("float64")
    return (
        (car["powertrain"] != Powertrain.EV) & (car["lv_v_min"] < params.crank_ceiling_v) & np.isfinite(air)
    )


def _check(
    car: Car,
    mask: np.ndarray,
    value: np.ndarray,
    *,
    params: Params,
    diagnosis: str,
    aggregate: str,
    threshold: float,
    fail_at: float,
    raw: np.ndarray | None = None,
) -> Check | None:
    """Return the check over the days where `mask` holds, or None when the recent window holds too few days."""
    idx = np.flatnonzero(mask)
    recent = idx[car.age[idx] < params.recent_window_days][-params.recent_days :]
    if len(recent) < params.recent_days:
        return None
    median = median_of(value[recent])
    slope = days_left = None
    if median < threshold:
        window = idx[car.age[idx] < params.trend_window_days]
        fit = theil_sen(car.x[window], value[window]) if len(window) >= params.min_trend_days else None
        level = median if fit is None else min(median, fit.at(0.0))
        if level <= fail_at:
            days_left = 0.0
        elif fit is not None and fit.slope < 0:
            days_left = (level - fail_at) / -fit.slope
        if fit is not None:
            slope = fit.slope
    return Check(
        diagnosis, aggregate, threshold, fail_at, car.day[recent], value[recent],
        None if raw is None else raw[recent], None if raw is None else car["air_temp_min"][recent],
        median, slope, days_left, params.trend_window_days,
    )  # fmt: skip


COLUMNS = ("powertrain", "lv_v_min", "air_temp_min", "lv_v_rest_avg")


def car_checks(car: Car, *, params: Params) -> tuple[Check | None, Check | None]:
    """Return the (cranking, resting) checks of one vehicle; None where data is too thin."""
    crank_mask = _crank_mask(car, params)
    raw = car["lv_v_min"].astype("float64")
    cold = np.maximum(0.0, params.reference_temp_c - car["air_temp_min"].astype("float64"))
    crank = _check(
        car, crank_mask, raw + params.temp_coeff_v_per_c * cold, params=params,
        diagnosis="high_internal_resistance", aggregate="cranking_min_20c",
        threshold=params.crank_weak_v, fail_at=params.crank_fail_v, raw=raw,
    )  # fmt: skip
    rest_v = car["lv_v_rest_avg"].astype("float64")
    rest = _check(
        car, np.isfinite(rest_v), rest_v, params=params, diagnosis="low_state_of_charge",
        aggregate="resting_avg", threshold=params.rest_low_v, fail_at=params.rest_fail_v,
    )  # fmt: skip
    return crank, rest


def checks(rows: pd.DataFrame, *, now: datetime, params: Params) -> tuple[Check | None, Check | None]:
    """Return the (cranking, resting) checks of one vehicle's rows; None where data is too thin."""
    car = next(cars(rows, now=now, columns=COLUMNS), None)
    return (None, None) if car is None else car_checks(car, params=params)


def _severity(days_left: float | None, params: Params) -> Severity:
    if days_left is not None and days_left <= params.critical_days:
        return Severity.CRITICAL
    if days_left is not None and days_left <= params.high_days:
        return Severity.HIGH
    return Severity.MEDIUM


def _check_evidence(check: Check) -> dict:
    readings = []
    for i, day in enumerate(check.recent_day):
        reading = {
            "signal": SIGNAL,
            "aggregate": check.aggregate,
            "day": iso_day(day),
            "value": num(check.recent_value[i]),
            "threshold": check.threshold,
            "op": "<",
        }
        if check.recent_raw is not None and check.recent_air is not None:
            reading |= {"raw_value": num(check.recent_raw[i]), "air_temp_c": num(check.recent_air[i], 1)}
        readings.append(reading)
    return {
        "diagnosis": check.diagnosis,
        "readings": readings,
        "recent_median": num(check.median),
        "threshold": check.threshold,
        "failure_at": check.fail_at,
        "trend_per_day": num(check.trend_per_day, 4),
        "days_to_failure": num(check.days_to_failure, 1),
        "window_days": check.window_days,
    }


_UP = {Severity.MEDIUM: Severity.HIGH, Severity.HIGH: Severity.CRITICAL, Severity.CRITICAL: Severity.CRITICAL}


def _flag(
    vehicle_id: int, tripped: list[Check], *, rows: pd.DataFrame, now: datetime, params: Params
) -> RiskFlag:
    ranked = sorted(tripped, key=lambda c: (c.days_to_failure is None, c.days_to_failure or 0.0))
    main = ranked[0]
    evidence = _check_evidence(main) | {"temp_coeff_v_per_c": params.temp_coeff_v_per_c}
    if len(ranked) > 1:
        evidence["also"] = [_check_evidence(c) for c in ranked[1:]]
    below = float((main.recent_value < main.threshold).mean())
    confidence = below * (1.0 if main.trend_per_day is not None else 0.8)
    days_left = main.days_to_failure
    severity = _severity(days_left, params)
    cold = outlook(rows, now=now)
    if cold is not None:
        evidence["cold_outlook"] = cold.evidence()
        severity = _UP[severity] if cold.coming else severity
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=severity, confidence=round(confidence, 3), diagnosis=main.diagnosis,
        evidence=evidence, predicted_date=date_in(now, days_left) if days_left is not None else None,
    )  # fmt: skip


def _cranks(car: Car, *, params: Params) -> bool:
    """Return True when the crank check applies: a combustion car, or a hybrid that cranked lately."""
    if (car["powertrain"] == Powertrain.ICE).any():
        return True
    return bool((_crank_mask(car, params) & (car.age < params.trend_window_days)).any())


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return 12 V battery flags; a vehicle counts as evaluated when every check that applies to it had data.

    The crank check applies to combustion cars and to hybrids that cranked within the trend window (a hybrid may
    start on electric power for weeks); EVs only get the resting check."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=COLUMNS):
        crank, rest = car_checks(car, params=params)
        if rest is not None and (crank is not None or not _cranks(car, params=params)):
            evaluated.append(car.vehicle_id)
        tripped = [c for c in (crank, rest) if c is not None and c.tripped]
        if tripped:
            flags.append(_flag(car.vehicle_id, tripped, rows=car.rows(), now=now, params=params))
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

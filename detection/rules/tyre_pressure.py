"""Tyre pressure: the lowest of the four tyres (VSS ``Tire.Pressure``, kPa), judged cold-corrected for leaks.

Pressure falls about 1.2 kPa per °C as the air cools (ideal gas at ~240 kPa), so winter alone pulls a tyre filled
in autumn 20–40 kPa down, and a slow leak (a nail, a porous rim) pulls it down day by day whatever the weather. The
rule flags the lowest tyre once its recent median is under 210 kPa (~13 % under a typical 240 kPa placard; TPMS
warns at 25 % under), and earlier when the temperature-corrected pressure (normalised to 20 °C with the day's mean
ambient) falls fast enough to reach 200 kPa within 21 days: `slow_leak`. Under the limit with no such fall it is
`cold_underinflation` when the week was cold, else `low_pressure`. Clears at 220 kPa and above (hysteresis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from core.contracts import RiskKind, Severity
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, iso_day, num
from detection.groups import Car, cars
from detection.trend import theil_sen

RULE_ID = "tyre_pressure_min"
RULE_VERSION = 1
KIND = RiskKind.TYRE_PRESSURE
SIGNAL = "Vehicle.Chassis.Axle.*.Wheel.*.Tire.Pressure"


@dataclass(frozen=True, slots=True)
class Params:
    warn_kpa: float = 210.0
    limit_kpa: float = 200.0
    clear_kpa: float = 220.0
    temp_coeff_kpa_per_c: float = 1.2
    reference_temp_c: float = 20.0
    leak_kpa_per_day: float = 0.4  # corrected pressure falling faster than this is a leak, not noise
    horizon_days: int = 21
    trend_window_days: int = 21
    min_trend_days: int = 7
    recent_days: int = 3
    cold_c: float = 10.0


def _leak(car: Car, keep: np.ndarray, p: np.ndarray, air: np.ndarray, params: Params) -> float | None:
    """Return the temperature-corrected pressure trend in kPa/day over the trend window (None: too few days)."""
    window = keep[(car.age[keep] < params.trend_window_days) & np.isfinite(air[keep])]
    if len(window) < params.min_trend_days:
        return None
    corrected = p[window] - params.temp_coeff_kpa_per_c * (air[window] - params.reference_temp_c)
    fit = theil_sen(car.x[window], corrected)
    return None if fit is None else float(fit.slope)


def _flag(car: Car, keep: np.ndarray, level: float, slope: float | None, diagnosis: str, params: Params,
          now: datetime, days: float | None) -> RiskFlag:  # fmt: skip
    rows = car.rows().iloc[keep[-3:]]
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_min_over_tyres", "day": iso_day(r.day), "value": num(r.tire_kpa_min, 0),
         "threshold": params.warn_kpa, "op": "<"}
        for r in rows.itertuples(index=False)
    ]  # fmt: skip
    evidence = {
        "readings": readings, "threshold": params.warn_kpa, "op": "<", "pressure_kpa": num(level, 0),
        "corrected_trend_kpa_per_day": num(slope, 2), "limit_kpa": params.limit_kpa,
        "temp_coeff_kpa_per_c": params.temp_coeff_kpa_per_c,
    }  # fmt: skip
    below = level < params.limit_kpa
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if below and diagnosis == "slow_leak" else Severity.MEDIUM,
        confidence=0.9 if level < params.warn_kpa else 0.7, diagnosis=diagnosis, evidence=evidence,
        predicted_date=date_in(now, days) if days is not None and days > 0 else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return tyre-pressure flags: the lowest tyre under the warning level, or leaking towards the limit."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=("tire_kpa_min", "air_temp_avg")):
        p = car["tire_kpa_min"].astype("float64")
        air = car["air_temp_avg"].astype("float64")
        keep = np.flatnonzero(np.isfinite(p))
        recent = keep[car.age[keep] < params.recent_days]
        if not len(recent):
            continue
        level = float(np.median(p[recent]))
        slope = _leak(car, keep, p, air, params)
        leaking = slope is not None and slope <= -params.leak_kpa_per_day
        days = (level - params.limit_kpa) / -slope if leaking and slope else None
        if level < params.warn_kpa or (leaking and days is not None and days <= params.horizon_days):
            week = air[keep[car.age[keep] < 7]]
            cold = bool(len(week)) and float(np.nanmean(week)) < params.cold_c
            diagnosis = "slow_leak" if leaking else ("cold_underinflation" if cold else "low_pressure")
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car, keep, level, slope, diagnosis, params, now, days))
        elif level >= params.clear_kpa:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

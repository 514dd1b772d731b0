"""The 12 V battery's voltage checks: the cranking dip (corrected to 20 °C) and the resting voltage.

Shared by the battery_12v rule, which flags them, and the winter rule, which names a weak battery in its message;
the method is described in ``detection.rules.battery_12v``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.groups import Car, cars
from detection.trend import median as median_of
from detection.trend import theil_sen
from domain.vocabulary import Powertrain


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The voltage limits and windows of the two checks."""

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


def crank_mask(car: Car, params: Thresholds) -> np.ndarray:
    """Return the cranking days: a combustion engine and a voltage low enough that only the starter explains it."""
    air = car["air_temp_min"].astype("float64")
    return (
        (car["powertrain"] != Powertrain.EV) & (car["lv_v_min"] < params.crank_ceiling_v) & np.isfinite(air)
    )


def _check(
    car: Car,
    mask: np.ndarray,
    value: np.ndarray,
    *,
    params: Thresholds,
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


def car_checks(car: Car, *, params: Thresholds) -> tuple[Check | None, Check | None]:
    """Return the (cranking, resting) checks of one vehicle; None where data is too thin."""
    cranking = crank_mask(car, params)
    raw = car["lv_v_min"].astype("float64")
    cold = np.maximum(0.0, params.reference_temp_c - car["air_temp_min"].astype("float64"))
    crank = _check(
        car, cranking, raw + params.temp_coeff_v_per_c * cold, params=params,
        diagnosis="high_internal_resistance", aggregate="cranking_min_20c",
        threshold=params.crank_weak_v, fail_at=params.crank_fail_v, raw=raw,
    )  # fmt: skip
    rest_v = car["lv_v_rest_avg"].astype("float64")
    rest = _check(
        car, np.isfinite(rest_v), rest_v, params=params, diagnosis="low_state_of_charge",
        aggregate="resting_avg", threshold=params.rest_low_v, fail_at=params.rest_fail_v,
    )  # fmt: skip
    return crank, rest


def checks(rows: pd.DataFrame, *, now: datetime, params: Thresholds) -> tuple[Check | None, Check | None]:
    """Return the (cranking, resting) checks of one vehicle's rows; None where data is too thin."""
    car = next(cars(rows, now=now, columns=COLUMNS), None)
    return (None, None) if car is None else car_checks(car, params=params)

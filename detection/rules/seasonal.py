"""Winter preparation: the vehicle's own 7-day mean ambient temperature fell below 7 °C.

The car's own thermometer (``Vehicle.Exterior.AirTemperature``) says where winter has arrived, whatever the region.
Its daily mean is estimated by `day_mean`: the car samples at commute and parked hours and misses the warm
afternoon, so the plain average of its samples reads about 1 °C low (more where days are wide). A rollup row is
the car's own day: the fleet day runs from 05:00 to 05:00 China time (core/sql/refresh_daily.*.sql). Coolant,
washer fluid and the 12 V battery suffer first, so the severity is high when the 12 V battery also looks weak
(same checks as the battery_12v rule) and medium otherwise.

Hysteresis as the season is defined: winter starts when the week's mean falls below 7 °C and ends when it is back
above 11 °C. The rule replays that definition over the car's weekly means of the last `lookback_days` (`season`),
so a cold or mild spell that fell between two passes counts as surely as one a pass sees; while the weeks stay
between the two levels the last one outside them decides, so a car whose weather hovers around 7 °C keeps one
open risk. A cold snap that set in shortly before a pass is flagged ahead (`week_ahead`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import num
from detection.groups import Car, cars
from detection.rules import battery_12v
from domain.vocabulary import RiskKind, Severity

RULE_ID = "winter_ambient_7d"
RULE_VERSION = 3
KIND = RiskKind.WINTER_PREP
SIGNAL = "Vehicle.Exterior.AirTemperature"
AIR_COLUMNS = ("air_temp_avg", "air_temp_min", "air_temp_max")


@dataclass(frozen=True, slots=True)
class Params:
    threshold_c: float = 7.0
    window_days: int = 7
    min_days: int = 5
    clear_margin_c: float = 4.0
    # a week ends winter only this far past 11 °C: a winter closed on noise reopens as a second, false, onset. The
    # car's weekly estimate reads at most 0.11 °C high (99th percentile, fleet days, seeds 202/303/404); a wider
    # margin kept winter open through a true mild spell (11.5 °C) and swallowed the next onset (seed 505)
    noise_margin_c: float = 0.15
    # share of the car's own day range (max - min of its samples) by which its sample mean reads low
    range_share: float = 0.215
    # the week ending `ahead_days` from now, the days to come taken as the mean of the last `persist_days`; a
    # forecast flags only `ahead_margin_c` below the threshold
    ahead_days: int = 2
    persist_days: int = 3
    ahead_margin_c: float = 1.0
    lookback_days: int = 90
    battery: battery_12v.Params = field(default_factory=battery_12v.Params)


def day_mean(avg: np.ndarray, low: np.ndarray, high: np.ndarray, *, range_share: float) -> np.ndarray:
    """Return the day's mean ambient estimated from the car's samples: their mean plus a share of their range."""
    # The car reads the air at the morning start, on its drives and parked at midday and late evening, never in
    # the warm afternoon: its samples span about two thirds of the day's range and their mean reads low by 0.215
    # of the range they span (simulated fleets, seeds 202/303/404, fleet-day rollups: median error of a car's
    # week +0.01 °C, 99 % of weeks at most 0.11 °C high; cars idle on many days, which miss the evening drive,
    # read up to 0.9 °C low). (min + max) / 2 of the samples reads just as low: the car's max is not the day's.
    spread = high - low
    return np.where(np.isfinite(spread), avg + range_share * spread, avg)


def _start(car: Car, days: int) -> int:
    return len(car.age) - int(np.searchsorted(car.age[::-1], days))  # rows are sorted by day: ages fall


def recent_air(car: Car, *, days: int, range_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the age and the estimated mean ambient (`day_mean`) of the car's days younger than `days`."""
    start = _start(car, days)
    avg, low, high = (np.asarray(car[c][start:], dtype="float64") for c in AIR_COLUMNS)
    return car.age[start:], day_mean(avg, low, high, range_share=range_share)


def week_air(car: Car, *, days: int, range_share: float) -> tuple[int, list[int], list[float]]:
    """Return the first row, the ages and the estimated mean ambient of the car's last `days` days, as lists."""
    # The same estimate as `day_mean` in plain Python: for a week of numbers numpy's per-call overhead dominates.
    start = _start(car, days)
    avg, low, high = (car[c][start:].tolist() for c in AIR_COLUMNS)
    temps = [
        a + range_share * (h - lo) if h - lo == h - lo else a for a, lo, h in zip(avg, low, high, strict=True)
    ]
    return start, car.age[start:].tolist(), temps


def weekly_means(
    age: np.ndarray, air: np.ndarray, *, window_days: int, min_days: int, days: int
) -> np.ndarray:
    """Return the means of the windows of `window_days` ending 0 .. days - 1 days ago (NaN with under `min_days`)."""
    size = window_days + days - 1
    known = np.isfinite(air) & (age < size)
    total = np.bincount(age[known], weights=air[known], minlength=size)
    count = np.bincount(age[known], minlength=size).astype("float64")
    kernel = np.ones(window_days)
    sums, counts = np.convolve(total, kernel, mode="valid"), np.convolve(count, kernel, mode="valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts >= min_days, sums / counts, np.nan)


def season(inside: np.ndarray, outside: np.ndarray) -> tuple[bool | None, int | None]:
    """Replay a season's definition over weekly flags indexed by age (0 = the week ending today): return whether
    the season is on (None when no week was inside or outside it) and, if on, how many days ago it began."""
    # Between the two levels a week changes nothing, so the last week on either side decides, whenever it was.
    events = np.flatnonzero(inside | outside)
    if not len(events):
        return None, None
    if not inside[events[0]]:
        return False, None
    out = events[~inside[events]]
    return True, int(events[events < out[0]].max() if len(out) else events.max())


def week_ahead(
    age: Sequence[int], air: Sequence[float], *, window_days: int, ahead_days: int, persist_days: int
) -> float:
    """Return the mean of the week ending `ahead_days` from now: its known days plus a persistence forecast (the
    mean of the last `persist_days` known days, oldest first) for the days to come; NaN without known days."""
    # Weather comes in spells: a day or two ahead, the best forecast the car can make is that it stays as it is.
    # A cold snap that set in five days ago owns the whole week the day after tomorrow. (Plain Python: a week is
    # seven numbers, fewer than numpy's per-call overhead pays for.)
    days = [(a, t) for a, t in zip(age, air, strict=True) if t == t]
    if not days:
        return float("nan")
    latest = [t for _, t in days[-persist_days:]]
    kept = [t for a, t in days if a < window_days - ahead_days]
    return (sum(kept) + ahead_days * sum(latest) / len(latest)) / (len(kept) + ahead_days)


def weak_battery(rows: pd.DataFrame, *, now: datetime, params: Params) -> list[str]:
    """Return the 12 V diagnoses the battery checks currently trip for this vehicle (empty if none or no data)."""
    return [
        c.diagnosis
        for c in battery_12v.checks(rows, now=now, params=params.battery)
        if c is not None and c.tripped
    ]


def _flag(
    vehicle_id: int,
    day: np.ndarray,
    temp: np.ndarray,
    mean: float,
    weak: list[str],
    forecast: float | None,
    params: Params,
) -> RiskFlag:
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_avg", "day": d, "value": num(t, 1)}
        for d, t in zip(np.datetime_as_string(day, unit="D").tolist(), temp.tolist(), strict=True)
    ]
    evidence = {
        "readings": readings, "mean_c": num(mean, 2), "threshold": params.threshold_c, "op": "<",
        "window_days": params.window_days, "days_used": len(day), "weak_12v": weak,
        # what the flag rests on, for the message: this week, an earlier week of this winter, or the forecast
        "basis": "forecast" if forecast is not None else "this_week" if mean < params.threshold_c else "earlier_week",
        "forecast_mean_c": None if forecast is None else num(forecast, 1), "forecast_days": params.ahead_days,
    }  # fmt: skip
    below = max(0.0, params.threshold_c - mean)
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if weak else Severity.MEDIUM,
        confidence=round(min(1.0, 0.6 + 0.1 * below) * len(day) / params.window_days, 3),
        diagnosis="winter_onset", evidence=evidence,
    )  # fmt: skip


def in_winter(car: Car, *, mean: float, params: Params) -> bool | None:
    """Return whether winter is on for this car (None when its weeks never left the band between the levels)."""
    warm = params.threshold_c + params.clear_margin_c + params.noise_margin_c
    if mean < params.threshold_c or mean >= warm:  # this week decides: no need to replay the others
        return mean < params.threshold_c
    age, air = recent_air(car, days=params.window_days + params.lookback_days, range_share=params.range_share)
    means = weekly_means(age, air, window_days=params.window_days, min_days=params.min_days,
                         days=params.lookback_days)  # fmt: skip
    return season(means < params.threshold_c, means >= warm)[0]


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return winter-preparation flags; a vehicle with `min_days` of the last week is judged once its season is known."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=tuple(dict.fromkeys((*AIR_COLUMNS, *battery_12v.COLUMNS)))):
        start, ages, temps = week_air(car, days=params.window_days, range_share=params.range_share)
        known = [t for t in temps if t == t]
        if len(known) < params.min_days:
            continue
        mean = sum(known) / len(known)
        on, forecast = in_winter(car, mean=mean, params=params), None
        # the forecast is a mean of this week's days: it cannot fall below the coldest of them
        if not on and min(known) < params.threshold_c - params.ahead_margin_c:
            ahead = week_ahead(ages, temps, window_days=params.window_days, ahead_days=params.ahead_days,
                               persist_days=params.persist_days)  # fmt: skip
            if ahead < params.threshold_c - params.ahead_margin_c:
                on, forecast = True, ahead
        if on is None:
            continue
        evaluated.append(car.vehicle_id)
        if on:
            weak = [
                c.diagnosis
                for c in battery_12v.car_checks(car, params=params.battery)
                if c is not None and c.tripped
            ]
            seen = [i for i, t in enumerate(temps, start) if t == t]
            flags.append(
                _flag(car.vehicle_id, car.day[seen], np.asarray(known), mean, weak, forecast, params)
            )
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

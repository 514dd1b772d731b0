"""The car's own outside temperature as the seasonal rules read it: the day's mean estimated from the car's samples,
weekly means, and the replay of a season's definition over them.

Shared by winter preparation (``detection.rules.seasonal``) and summer care (``detection.rules.summer``). A rollup
row is the car's own day: the fleet day runs from 05:00 to 05:00 China time (core/sql/refresh_daily.*.sql).
"""

from __future__ import annotations

import numpy as np

from detection.groups import Car

AIR_COLUMNS = ("air_temp_avg", "air_temp_min", "air_temp_max")
# share of the car's own day range (max - min of its samples) by which its sample mean reads low (`day_mean`)
RANGE_SHARE = 0.215


def day_mean(avg: np.ndarray, low: np.ndarray, high: np.ndarray, *, range_share: float) -> np.ndarray:
    """Return the day's mean ambient estimated from the car's samples: their mean plus a share of their range."""
    # The car reads the air at the morning start, on its drives and parked at midday and late evening, never in
    # the warm afternoon: its samples span about two thirds of the day's range and their mean reads low by
    # `RANGE_SHARE` (0.215) of the range they span (simulated fleets, seeds 202/303/404, fleet-day rollups: median
    # error of a car's week +0.01 °C, 99 % of weeks at most 0.11 °C high; cars idle on many days, which miss the
    # evening drive, read up to 0.9 °C low). (min + max) / 2 of the samples reads just as low: the car's max is
    # not the day's.
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

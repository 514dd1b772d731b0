"""The weather forecast as the seasonal rules read it: columns of the daily frame, one per day ahead.

Each rollup row (vehicle, day) gets the forecast mean temperature (°C, ``domain.forecast.DayForecast.mean_c``) of
the days 1 .. `MAX_HORIZON_DAYS` after that day, as issued that day for the vehicle's region
(``core.forecasts``): a pass at 20:00 UTC reads the forecast issued on its fleet day, the day it knows, never a
later one, so a replay over a year sees what production saw each day. NaN where no forecast was stored: the rules
then judge from the car's thermometer alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from detection.ambient import day_mean
from detection.frame import today, utc_naive
from detection.groups import Car
from domain.forecast import MAX_HORIZON_DAYS, RegionForecast, week_errors

FORECAST_COLUMNS: tuple[str, ...] = tuple(f"forecast_c_{k}" for k in range(1, MAX_HORIZON_DAYS + 1))


def with_forecast(frame: pd.DataFrame, forecasts: Iterable[RegionForecast]) -> pd.DataFrame:
    """Return `frame` with the `FORECAST_COLUMNS` of each row's region and day (NaN without a forecast)."""
    rows = []
    for f in forecasts:
        means = [d.mean_c for d in f.days[:MAX_HORIZON_DAYS]]
        rows.append((f.region, pd.Timestamp(f.issued), *means, *[math.nan] * (MAX_HORIZON_DAYS - len(means))))
    out = frame.drop(columns=[c for c in FORECAST_COLUMNS if c in frame.columns])
    if not rows:
        for c in FORECAST_COLUMNS:
            out[c] = np.nan
        return out
    table = pd.DataFrame(rows, columns=["region", "day", *FORECAST_COLUMNS])
    table[list(FORECAST_COLUMNS)] = table[list(FORECAST_COLUMNS)].astype("float32")
    table["day"] = table["day"].astype(out["day"].dtype)
    region = out["region"]
    out["region"] = region.astype(str)
    merged = out.merge(table, on=["region", "day"], how="left", sort=False)
    merged["region"] = merged["region"].astype(region.dtype)
    merged.index = out.index
    return merged


def forecast_ahead(car: Car, *, max_age: int = 1, back: int = 0) -> list[float]:
    """Return the forecast means of the days after today from the car's latest row (`back`: the row that many rows
    before it, yesterday's forecast), or [] when there is no forecast for tomorrow (none stored, or the row is older
    than `max_age` + `back` days)."""
    if FORECAST_COLUMNS[0] not in car.values or len(car.age) <= back:
        return []
    age = int(car.age[-1 - back])
    if age > max_age + back:
        return []
    # a row of `age` days ago was forecast from that day on: its first `age` days are no longer ahead
    values = [float(car[c][-1 - back]) for c in FORECAST_COLUMNS[age:]]
    return values if values and not math.isnan(values[0]) else []


def forecast_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return the `FORECAST_COLUMNS` when `frame` carries them, else () (a frame loaded without forecasts)."""
    return FORECAST_COLUMNS if FORECAST_COLUMNS[0] in frame.columns else ()


def by_age(ages: list[int], temps: list[float], *, days: int) -> list[float]:
    """Return the values of the last `days` days, oldest first, today last (NaN: no row that day)."""
    out = [math.nan] * days
    for a, t in zip(ages, temps, strict=True):
        if 0 <= a < days:
            out[days - 1 - a] = t
    return out


def verification(
    frame: pd.DataFrame,
    *,
    now: datetime,
    window_days: int,
    range_share: float,
    lookback_days: int,
    min_issues: int,
) -> dict[str, list[float]]:
    """Return per region the root-mean-square error (°C) of the forecast mean of the week ending 1, 2, … days ahead,
    as the forecasts issued in the last `lookback_days` verify against the region's cars (the median of their daily
    means, ``detection.ambient.day_mean``); a region without enough verified weeks gets [] (its forecast unused).

    How far a forecast errs depends on the region's weather (a calibrated forecast errs at most by the climate's own
    day-to-day spread, wider in Harbin than in Guangzhou) and on the provider: measured, not assumed."""
    if FORECAST_COLUMNS[0] not in frame.columns or not frame[FORECAST_COLUMNS[0]].notna().any():
        return {}  # no forecast stored (the usual case without a provider): nothing to verify
    first = pd.Timestamp(today(now)) - pd.Timedelta(days=lookback_days + window_days)
    n_days = lookback_days + window_days
    day = frame["day"].to_numpy()
    at = np.flatnonzero((day > first.to_datetime64()) & (day <= np.datetime64(utc_naive(now))))
    if not at.size:
        return {}
    # one key per (region, day): day 0 is the day after `first`, the last is today (the medians in one grouping of
    # the fleet's rows, the forecasts read once per key: a region's forecast is the same on all its cars' rows)
    region = pd.Categorical(frame["region"].to_numpy()[at].astype(str))
    offset = ((day[at] - (first + pd.Timedelta(days=1)).to_datetime64()) // np.timedelta64(1, "D")).astype(
        np.int64
    )
    key = region.codes.astype(np.int64) * n_days + offset
    air = day_mean(*(frame[c].to_numpy(dtype="float64")[at] for c in ("air_temp_avg", "air_temp_min", "air_temp_max")),
                   range_share=range_share)  # fmt: skip
    medians = pd.Series(air).groupby(key).median()
    keys, first_row = np.unique(key, return_index=True)
    issued_at = frame[list(FORECAST_COLUMNS)].iloc[at[first_row]].to_numpy(dtype="float64")
    out = {}
    for code, name in enumerate(region.categories):
        mine = (keys // n_days) == code
        observed = np.full(n_days, np.nan)
        observed[keys[mine] % n_days] = medians.reindex(keys[mine]).to_numpy()
        issued: list[list[float]] = [[] for _ in range(n_days)]
        for k, f in zip((keys[mine] % n_days).tolist(), issued_at[mine].tolist(), strict=True):
            issued[k] = [v for v in f if v == v] if f[0] == f[0] else []
        out[str(name)] = week_errors(
            observed.tolist(), issued, window_days=window_days, min_issues=min_issues
        )
    return out


def car_region(car: Car) -> str:
    """Return the car's region code (its rows' `region`)."""
    return str(car.source["region"].iloc[car.start])

"""The daily rollup frame the rules read: its columns, and small pure helpers for slicing it by vehicle and time.

One row per (vehicle_id, day); `day` is the fleet day, 05:00 to 05:00 China Standard Time (21:00 UTC the day before
to 21:00 UTC), labelled with its date as a tz-naive ``datetime64`` (midnight): one row holds a Chinese car's whole
driving day, morning start to late evening, where a UTC day (08:00 to 08:00 in China) held its evening and the next
morning (core/sql/refresh_daily.postgres.sql). The date helpers below compare these labels with the UTC date of
`now`, so a fleet day is read from 00:00 UTC (08:00 in China) on and a pass at 20:00 UTC sees it whole. The
numeric columns are those of ``telemetry_daily`` plus `service_km`/`service_s` (the day's last reported service
countdown, read from raw telemetry for recent days only) and the per-vehicle `SERVICE_HISTORY_COLUMNS`; `powertrain`
and `region` come from ``vehicle``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

# Per vehicle, the same on each of its rows (NaN when unknown), from the service history and the vehicle
# (detection/sql/load_service_history.sql): the fleet day (`epoch_day`) of the last maintenance visit, the day the car
# entered service (registration, else the day it came to Carecast), and the odometer in km at the last maintenance
# visit (at registration when there is none).
SERVICE_HISTORY_COLUMNS: tuple[str, ...] = ("last_maintenance_day", "in_service_day", "service_basis_km")
NUMERIC_COLUMNS: tuple[str, ...] = (
    "samples", "lv_v_min", "lv_v_rest_avg", "lv_v_rest_n", "hv_soh_avg", "hv_soh_min", "hv_soh_max",
    "pad_wear_max", "brake_fluid_min", "odometer_min_m", "odometer_max_m", "air_temp_avg", "air_temp_min",
    "lat_avg", "lon_avg", "air_temp_max", "wiper_wear_max", "tire_kpa_min", "coolant_min", "service_km", "service_s",
    *SERVICE_HISTORY_COLUMNS,
)  # fmt: skip
# `dtc_codes`: the day's last reported DTC list (domain.dtc entries joined by spaces, "" when the car reported none),
# None/NaN when the car sent no list that day; read from raw telemetry for the DTC rule's recent window only.
DTC_COLUMN = "dtc_codes"
FRAME_COLUMNS: tuple[str, ...] = ("vehicle_id", "day", *NUMERIC_COLUMNS, "powertrain", "region", DTC_COLUMN)


def empty_frame() -> pd.DataFrame:
    """Return a frame with every column and no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in FRAME_COLUMNS})
    frame["vehicle_id"] = frame["vehicle_id"].astype("int64")
    frame["day"] = frame["day"].astype("datetime64[ns]")
    return frame


def utc_naive(now: datetime) -> pd.Timestamp:
    """Return `now` as a tz-naive UTC timestamp (naive input is taken as UTC)."""
    ts = pd.Timestamp(now)
    return ts.tz_convert(UTC).tz_localize(None) if ts.tzinfo is not None else ts


def today(now: datetime) -> date:
    """Return the UTC calendar day of `now` (the label of the latest fleet day a pass at `now` reads)."""
    return utc_naive(now).date()


def known_until(frame: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Return the rows whose day label is not after `now` (rules judge on event time, never the future)."""
    return frame[frame["day"] <= utc_naive(now)]


def by_vehicle(frame: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield (vehicle_id, rows sorted by day) for every vehicle in the frame."""
    # One sort of the fleet, then positional slices (views): a groupby plus a sort per car copied every column of
    # every car, a large share of a 10,000-car pass.
    if frame.empty:
        return
    ordered = frame.sort_values(["vehicle_id", "day"], kind="stable")
    ids = ordered["vehicle_id"].to_numpy()
    bounds = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    for a, b in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(ids)].tolist(), strict=True):
        yield int(ids[a]), ordered.iloc[a:b]


def days_before(days: pd.Series, now: datetime) -> np.ndarray:
    """Return how many days before `now` each day bucket's midpoint lies (negative = in the past)."""
    # A day's aggregate describes the whole day, so place it at noon.
    midpoint = days + pd.Timedelta(hours=12)
    return ((midpoint - utc_naive(now)) / pd.Timedelta(days=1)).to_numpy(dtype="float64")


def last_days(rows: pd.DataFrame, now: datetime, n: int) -> pd.DataFrame:
    """Return the rows of the `n` days (labels) ending with the UTC date of `now`."""
    start = pd.Timestamp(today(now) - timedelta(days=n - 1))
    day = rows["day"]
    if day.is_monotonic_increasing:  # rows from by_vehicle: a positional slice, no copy of every column
        return rows.iloc[int(day.searchsorted(start, side="left")) :]
    return rows[day >= start]


def date_in(now: datetime, days: float) -> date:
    """Return the UTC date `days` after `now`."""
    return (utc_naive(now) + pd.Timedelta(days=days)).date()


def day_of(day: pd.Timestamp | np.datetime64) -> date:
    """Return a day bucket's label as a date."""
    return pd.Timestamp(day).date()


def num(value: float | None, digits: int = 3) -> float | None:
    """Return a JSON-friendly rounded float (None for missing or non-finite values)."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def epoch_day(day: date) -> int:
    """Return a day label as whole days since 1970-01-01 (the form of the frame's day-valued numeric columns)."""
    return (day - date(1970, 1, 1)).days


def from_epoch_day(value: float) -> date:
    """Return the day label of a day-valued numeric column (see `epoch_day`)."""
    return date(1970, 1, 1) + timedelta(days=int(value))

"""Data-quality guards over the daily rollup: implausible readings are flagged and excluded from the trends.

- ``odometer_backwards``: a day whose odometer reads more than 1 km below what the car already reported (a cluster
  glitch or a swapped unit); that day's odometer values are dropped, so distance-based wear rates ignore it.
- ``soh_jump``: a daily state of health more than `soh_jump_pct` away from the median of the previous days; a
  traction battery cannot lose or gain that much overnight. Persistent smaller steps (a firmware recalibration)
  are kept and handled by the EV rule's level-shift removal.
- ``stale_signal``: the state of health repeating the exact same value for `stale_days` days or more (a frozen
  sensor value; real readings carry noise); those days are dropped.
- ``went_silent``: a car that reported on most days of the month before its last report and has been quiet for
  `silent_days` days. Flagged only: its open risks stay as they are, nothing new is concluded from missing data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.frame import utc_naive

ISSUE_COLUMNS = ("vehicle_id", "day", "issue", "detail")
_SOH = ["hv_soh_avg", "hv_soh_min", "hv_soh_max"]


@dataclass(frozen=True, slots=True)
class Params:
    odometer_slack_m: float = 1000.0
    soh_jump_pct: float = 3.0
    soh_reference_days: int = 7
    stale_days: int = 14
    silent_days: int = 3
    regular_share: float = 0.66


def _odometer(frame: pd.DataFrame, params: Params) -> pd.Series:
    # Grouped cython kernels, not a Python function per vehicle: the guard runs over the whole fleet every pass.
    by_car = frame["vehicle_id"]
    prior = frame.groupby(by_car)["odometer_max_m"].cummax().groupby(by_car).shift(1)
    low = frame["odometer_min_m"].fillna(frame["odometer_max_m"])
    return (low < prior - params.odometer_slack_m).fillna(False)


def _soh_jump(frame: pd.DataFrame, params: Params) -> pd.Series:
    ref = _previous_median(frame["hv_soh_avg"].to_numpy(dtype="float64"), frame["vehicle_id"].to_numpy(),
                           window=params.soh_reference_days, min_periods=3)  # fmt: skip
    return ((frame["hv_soh_avg"] - ref).abs() > params.soh_jump_pct).fillna(False)


def _previous_median(values: np.ndarray, groups: np.ndarray, *, window: int, min_periods: int) -> np.ndarray:
    """Return, per row, the median of the up to `window` previous non-missing values of the same group (rows sorted
    by group), NaN with fewer than `min_periods`: a grouped rolling median shifted by one, as one 2-D numpy step
    (pandas' grouped rolling computes window bounds per group in Python, seconds for a 10,000-car fleet)."""
    n = len(values)
    lagged = np.full((n, window), np.nan)
    for k in range(1, window + 1):
        same = np.zeros(n, dtype=bool)
        same[k:] = groups[k:] == groups[:-k]
        lagged[k:, k - 1] = values[:-k]
        lagged[~same, k - 1] = np.nan
    counts = np.count_nonzero(~np.isnan(lagged), axis=1)
    # Only rows with a value of their own are compared (most cars report no SOH at all).
    rows = np.flatnonzero((counts >= min_periods) & ~np.isnan(values))
    out = np.full(n, np.nan)
    if rows.size:
        ordered = np.sort(lagged[rows], axis=1)  # NaN sort last
        c = counts[rows]
        low = np.take_along_axis(ordered, ((c - 1) // 2)[:, None], axis=1)[:, 0]
        high = np.take_along_axis(ordered, (c // 2)[:, None], axis=1)[:, 0]
        out[rows] = (low + high) / 2
    return out


def _stale(frame: pd.DataFrame, params: Params) -> pd.Series:
    soh = frame["hv_soh_avg"]
    change = (soh != frame.groupby("vehicle_id")["hv_soh_avg"].shift(1)) | (
        frame["vehicle_id"] != frame["vehicle_id"].shift(1)
    )
    run = change.cumsum()
    length = run.map(run.value_counts())
    return (soh.notna() & (length >= params.stale_days)).fillna(False)


def _silent(frame: pd.DataFrame, now: datetime, params: Params) -> pd.DataFrame:
    today = utc_naive(now).normalize()
    last = frame.groupby("vehicle_id")["day"].transform("max")
    # Rows in the 30 days up to each car's last report, counted per car.
    recent = frame.loc[frame["day"] > last - pd.Timedelta(days=30), "vehicle_id"].value_counts()
    per_car = frame.assign(last=last).groupby("vehicle_id")["last"].first()
    quiet = per_car[per_car <= today - pd.Timedelta(days=params.silent_days)]
    regular = quiet[recent.reindex(quiet.index, fill_value=0) >= params.regular_share * 30]
    rows = [
        (int(vid), day, "went_silent", {"last_day": day.date().isoformat()}) for vid, day in regular.items()
    ]
    return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))


def guard(
    frame: pd.DataFrame, *, now: datetime, params: Params | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (the frame with implausible values blanked, the issues found: vehicle_id, day, issue, detail)."""
    params = params or Params()
    if frame.empty:
        return frame, pd.DataFrame(columns=list(ISSUE_COLUMNS))
    frame = frame.sort_values(["vehicle_id", "day"], kind="stable").reset_index(drop=True)
    odo, jump, stale = _odometer(frame, params), _soh_jump(frame, params), _stale(frame, params)
    issues = [_silent(frame, now, params)]
    for mask, issue, columns in (
        (odo, "odometer_backwards", ["odometer_min_m", "odometer_max_m"]),
        (jump, "soh_jump", _SOH),
        (stale, "stale_signal", _SOH),
    ):
        hit = frame.loc[mask.to_numpy(dtype=bool)]
        if not hit.empty:
            values = hit[columns[0]].to_numpy()
            issues.append(pd.DataFrame({
                "vehicle_id": hit["vehicle_id"].to_numpy(), "day": hit["day"].to_numpy(), "issue": issue,
                "detail": [{"column": columns[0], "value": None if np.isnan(v) else round(float(v), 2)} for v in values],
            }))  # fmt: skip
    clean = frame  # already a private copy (sorted above); copy-on-write keeps the caller's frame untouched
    clean.loc[odo.to_numpy(dtype=bool), ["odometer_min_m", "odometer_max_m"]] = np.nan
    clean.loc[(jump | stale).to_numpy(dtype=bool), _SOH] = np.nan
    found = (
        pd.concat([i for i in issues if not i.empty], ignore_index=True)
        if any(not i.empty for i in issues)
        else pd.DataFrame(columns=list(ISSUE_COLUMNS))
    )
    return clean, found

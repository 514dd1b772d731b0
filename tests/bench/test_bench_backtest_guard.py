"""The replay guards the year once and cuts it per pass: the same rows as guarding each pass's rows afresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from bench.backtest import Guarded
from detection.frame import FRAME_COLUMNS, NUMERIC_COLUMNS


def _car(vehicle_id: int, soh: np.ndarray, odometer: np.ndarray) -> pd.DataFrame:
    days = len(soh)
    data = {c: np.full(days, np.nan) for c in NUMERIC_COLUMNS}
    data |= {"hv_soh_avg": soh, "hv_soh_min": soh, "hv_soh_max": soh, "odometer_max_m": odometer,
             "odometer_min_m": odometer}  # fmt: skip
    data |= {"vehicle_id": np.full(days, vehicle_id, dtype="int64"), "powertrain": ["EV"] * days,
             "region": ["beijing"] * days, "dtc_codes": [None] * days,
             "day": pd.date_range("2025-06-01", periods=days, freq="D").astype("datetime64[ns]")}  # fmt: skip
    return pd.DataFrame(data)[list(FRAME_COLUMNS)]


def test_the_cut_equals_a_fresh_guard_at_every_pass():
    rng = np.random.default_rng(11)
    days = 120
    soh = np.round(90 - 0.01 * np.arange(days) + rng.normal(0, 0.15, days), 2)
    jumpy = soh.copy()
    jumpy[[30, 75]] = 60.0  # implausible single-day jumps
    stale = soh.copy()
    stale[50:80] = 88.0  # a frozen value: stale only once the run is 14 days long
    odo = 1e7 + 40_000.0 * np.arange(days)
    glitch = odo.copy()
    glitch[60] -= 5e7  # the odometer went backwards for a day
    frame = pd.concat([_car(1, soh, odo), _car(2, jumpy, glitch), _car(3, stale, odo)], ignore_index=True)
    last = datetime(2025, 6, 1, 20, tzinfo=UTC) + timedelta(days=days - 1)
    guarded = Guarded(frame, now=last)
    assert not guarded.again.empty  # vehicle 3 is guarded per pass
    for offset in range(20, days, 4):  # passes before, inside and after the stale run
        now = datetime(2025, 6, 1, 20, tzinfo=UTC) + timedelta(days=offset)
        guarded.at(now, check=True)  # raises when the cut differs from a fresh guard

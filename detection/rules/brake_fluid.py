"""Brake fluid level, judged inside the brake rule (same risk kind, so one open brake risk per vehicle).

``Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel`` is percent of the reservoir; the rollup keeps the daily
minimum. Worn pads draw the level down slowly (a few percent over a pad's life); a leak draws it down by a percent
or more a day. The check flags when the recent median is below `warn_pct`, or when a Theil–Sen trend over the last
`trend_days` reaches the MIN mark (`min_pct`) within `horizon_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from detection.frame import days_before, iso_day, last_days, num
from detection.trend import theil_sen

SIGNAL = "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel"


@dataclass(frozen=True, slots=True)
class FluidCheck:
    """The recent fluid level, its trend and the projected days to the MIN mark (None when not falling)."""

    level: float
    trend_per_day: float | None
    days_to_min: float | None
    tripped: bool
    evidence: dict


def check(
    rows: pd.DataFrame, *, now: datetime, warn_pct: float, min_pct: float, trend_days: int, horizon_days: int
) -> FluidCheck | None:
    """Return the fluid check of one vehicle's rows, or None when the last week has fewer than 3 readings."""
    series = rows[rows["brake_fluid_min"].notna()]
    recent = last_days(series, now, 7).tail(3)
    if len(recent) < 3:
        return None
    level = float(recent["brake_fluid_min"].median())
    window = last_days(series, now, trend_days)
    slope = days = None
    if len(window) >= 7:
        fit = theil_sen(days_before(window["day"], now), window["brake_fluid_min"].to_numpy())
        if fit is not None:
            slope = fit.slope
            if level <= min_pct:
                days = 0.0
            elif fit.slope < 0:
                days = (level - min_pct) / -fit.slope
    tripped = level < warn_pct or (
        days is not None and days <= horizon_days and slope is not None and slope < -0.2
    )
    evidence = {
        "readings": [
            {"signal": SIGNAL, "aggregate": "daily_min", "day": iso_day(r.day), "value": num(r.brake_fluid_min, 1),
             "threshold": warn_pct, "op": "<"}
            for r in recent.itertuples(index=False)
        ],
        "level_pct": num(level, 1), "warn_pct": warn_pct, "min_pct": min_pct,
        "trend_per_day": num(slope, 3), "days_to_min": num(days, 1), "window_days": trend_days,
    }  # fmt: skip
    return FluidCheck(level, slope, days, tripped, evidence)

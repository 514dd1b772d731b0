"""Brake fluid level, judged inside the brake rule (same risk kind, so one open brake risk per vehicle): a check the
rule calls, not a rule of its own.

``Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel`` is percent of the reservoir; the rollup keeps the daily
minimum. Worn pads draw the level down slowly (a few percent over a pad's life); a leak draws it down by a percent
or more a day. The check flags when the recent median is below `warn_pct`, or when a Theil–Sen trend over the last
`trend_days` reaches the MIN mark (`min_pct`) within `horizon_days`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detection.frame import day_of, num
from detection.groups import Car
from detection.trend import median, theil_sen
from domain.evidence import BrakeFluidEvidence, Comparison, EvidenceSignal, Reading

SIGNAL = EvidenceSignal.BRAKE_FLUID_LEVEL


@dataclass(frozen=True, slots=True)
class FluidCheck:
    """The recent fluid level, its trend and the projected days to the MIN mark (None when not falling); the evidence
    is built for a tripped check only (None otherwise)."""

    level: float
    trend_per_day: float | None
    days_to_min: float | None
    tripped: bool
    evidence: BrakeFluidEvidence | None


def check(
    car: Car, *, warn_pct: float, min_pct: float, trend_days: int, horizon_days: int
) -> FluidCheck | None:
    """Return the fluid check of one vehicle, or None when the last week has fewer than 3 readings."""
    fluid = car["brake_fluid_min"].astype("float64")
    idx = np.flatnonzero(np.isfinite(fluid))
    recent = idx[car.age[idx] < 7][-3:]
    if len(recent) < 3:
        return None
    level = median(fluid[recent])
    window = idx[car.age[idx] < trend_days]
    slope = days = None
    # A pairwise slope below -0.2/day needs a drop of more than 0.2 between two days: a flat window cannot trend
    # down that fast, so a level above the warning needs no fit (nothing reads the trend of an untripped check).
    flat = level >= warn_pct and np.ptp(fluid[window]) <= 0.2 if len(window) else True
    if len(window) >= 7 and not flat:
        fit = theil_sen(car.x[window], fluid[window])
        if fit is not None:
            slope = fit.slope
            if level <= min_pct:
                days = 0.0
            elif fit.slope < 0:
                days = (level - min_pct) / -fit.slope
    tripped = level < warn_pct or (
        days is not None and days <= horizon_days and slope is not None and slope < -0.2
    )
    # Nothing shows an untripped check: no evidence for the thousands of healthy cars of a pass.
    if not tripped:
        return FluidCheck(level, slope, days, tripped, None)
    evidence = BrakeFluidEvidence(
        readings=[
            Reading(signal=SIGNAL, aggregate="daily_min", day=day_of(car.day[i]), value=num(fluid[i], 1),
                    threshold=warn_pct, op=Comparison.LT)
            for i in recent
        ],
        level_pct=num(level, 1), warn_pct=warn_pct, min_pct=min_pct,
        trend_per_day=num(slope, 3), days_to_min=num(days, 1), window_days=trend_days,
    )  # fmt: skip
    return FluidCheck(level, slope, days, tripped, evidence)

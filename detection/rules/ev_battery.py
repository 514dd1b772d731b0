"""EV traction battery: state-of-health fade projected to a threshold (default 80 %) with an uncertainty band.

Method. Daily ``hv_soh_avg`` over the last `history_days` (at least `min_days` days of data) is reduced to weekly
medians (`bin_days`, bins with at least `min_bin_readings` readings) and fitted with Theil–Sen, the median of all
pairwise slopes. Being medians, they ignore a short dip and the upward "recovery" bump after a rest or a BMS
recalibration instead of reading them as a collapse, and daily ±0.3 % noise averages out. Weekly rather than daily
points because daily readings are not independent (a rest bump lasts days): Sen's interval assumes independent
points and would be too narrow over days. The projection starts from the current level, the median of the last
`level_days` readings (what the car reports now), and runs at the fitted slope until the threshold:
``days = (level - threshold) / -slope``.

Uncertainty. The band combines the two error sources at `confidence_level` (default 90 %): the slope's
interval from Sen's rank method (order statistics of the pairwise slopes, Kendall variance) and the level's
standard error, the spread of the weekly medians around the trend (sigma = 1.4826 * MAD of the fit residuals; the
level is itself a week's median). `predicted_low` uses the steep slope and the low level, `predicted_high` the
shallow slope and the high level; when even the shallow end of the slope interval is not falling, `predicted_high`
is None (the crossing may never come).

Level shifts. A firmware update can recalibrate the reported SOH by a persistent step of a percent or two. Such
steps are found first (``detection.levelshift``: medians of the week before and after) and undone, aligning the
history to the level the car reports now, so a downward recalibration is not read as a collapse nor an upward one
as a recovery. Which calibration is right, the old or the new, the data cannot tell (no pack loses or gains two
points overnight: the step is the estimate changing, not the cells), so the band spans both levels (the late end
starts from the level before a downward step, the early end from the level before an upward one). With the default
"sure within the horizon", a downward step alone therefore never raises an alert, and a pack that reads below
the threshold only because of one is not yet "below". Implausible single-day jumps never get here: the data-quality
guard drops them.

A vehicle is flagged when its level is already below the threshold, or when the projection reaches the threshold
within `horizon_days`, the decline is significant (the whole slope interval is negative) and, by default, even the
late end of the band lies within the horizon: an alert says "this pack crosses 80 % within a year", and a crossing
that is only probably within a year is not yet worth a customer's attention. A crossing date is projected only from
at least `min_projection_days` of history: a few summer weeks (heat speeds the fade) say little about a year,
unless even the shallow end of the slope interval is steeper than `steep_fade_pct_per_year` (8 %/year: more than
heat and fast charging explain; fleet studies see 1.8-3.0 %/year), which is a failing pack whatever the season.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, iso_day, num, today
from detection.groups import cars
from detection.levelshift import find_steps, remove_steps
from detection.trend import LinearFit, theil_sen
from domain.vocabulary import RiskKind, Severity

RULE_ID = "ev_soh_trend"
RULE_VERSION = 3  # 3: the band spans the levels before and after a recalibration step
KIND = RiskKind.EV_BATTERY_SOH
SIGNAL = "Vehicle.Powertrain.TractionBattery.StateOfHealth"
# Standard error of a median relative to that of a mean, for normal noise (sqrt(pi / 2)).
_MEDIAN_SE = 1.2533


@dataclass(frozen=True, slots=True)
class Params:
    threshold_pct: float = 80.0
    horizon_days: int = 365
    history_days: int = 365
    min_days: int = 14
    level_days: int = 7
    confidence_level: float = 0.9
    high_within_days: int = 90
    require_significant_decline: bool = True
    remove_level_shifts: bool = True
    min_step_pct: float = 0.8
    bin_days: int = 7  # the trend is fitted to weekly medians
    min_bin_readings: int = 3
    min_projection_days: int = 90  # history span needed before a crossing date is projected...
    steep_fade_pct_per_year: float = 8.0  # ...unless even the shallow end of the fade is this steep
    sure_within_horizon: bool = True  # flag only when the late end of the band is within the horizon too


@dataclass(frozen=True, slots=True)
class Projection:
    """When the fitted fade reaches the threshold, in days from now (None = not falling)."""

    days: float | None
    days_low: float | None
    days_high: float | None


def project(
    level: float,
    level_se: float,
    fit: LinearFit,
    params: Params,
    *,
    age_days: float = 0.0,
    recalibrated: tuple[float, float] = (0.0, 0.0),
) -> Projection:
    """Return the days from now until the threshold at the fitted slope, with the low/high ends of the band.

    `level` was observed `age_days` ago (a car that went quiet keeps ageing), so that much is taken off.
    `recalibrated` = (points up, points down) of the level shifts undone: the level under the other calibration
    lies that much lower / higher, and the band's early / late end starts from there.
    """
    if fit.slope >= 0:
        return Projection(None, None, None)
    z = NormalDist().inv_cdf(0.5 + params.confidence_level / 2)
    margin = level - params.threshold_pct
    up, down = recalibrated
    days = max(0.0, margin / -fit.slope - age_days)
    days_low = max(0.0, max(0.0, margin - z * level_se - up) / -fit.slope_low - age_days)
    late_margin = margin + z * level_se + down
    days_high = max(0.0, late_margin / -fit.slope_high - age_days) if fit.slope_high < 0 else None
    return Projection(days, min(days_low, days), max(days_high, days) if days_high is not None else None)


def _evidence(
    day: np.ndarray,
    observed: np.ndarray,
    *,
    level: float,
    fit: LinearFit,
    proj: Projection,
    params: Params,
) -> dict:
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_avg", "day": iso_day(d), "value": num(v, 2),
         "threshold": params.threshold_pct, "op": "<"}
        for d, v in zip(day[-params.level_days :], observed[-params.level_days :], strict=True)
    ]  # fmt: skip
    return {
        "readings": readings, "threshold": params.threshold_pct, "level_pct": num(level, 2),
        "trend_per_day": num(fit.slope, 5), "trend_per_year": num(fit.slope * 365, 2),
        "trend_interval_per_day": [num(fit.slope_low, 5), num(fit.slope_high, 5)],
        "confidence_level": params.confidence_level, "residual_sigma": num(fit.residual_sigma, 3),
        "days_to_threshold": num(proj.days, 1), "window_days": params.history_days, "days_of_data": len(day),
        "first_day": iso_day(day[0]), "method": "theil_sen_weekly_medians+sen_slope_interval",
        "weeks_fitted": fit.n,
    }  # fmt: skip


def bin_medians(
    age: np.ndarray, x: np.ndarray, y: np.ndarray, *, width: int, min_n: int
) -> tuple[np.ndarray, ...]:
    """Return (x, y) medians of consecutive `width`-day bins counted back from today (bins with >= `min_n`)."""
    b = age // width
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    counts = np.diff(np.r_[starts, len(b)])
    rows = np.repeat(np.arange(len(starts)), counts)
    cols = np.arange(len(b)) - np.repeat(starts, counts)
    keep = np.flatnonzero(counts >= min_n)
    lo, hi = (counts[keep] - 1) // 2, counts[keep] // 2
    out = []
    for v in (x, y):
        grid = np.full((len(starts), max(width, int(counts.max()))), np.inf)
        grid[rows, cols] = v
        grid = np.sort(grid[keep], axis=1)  # the padding sorts last
        out.append(0.5 * (grid[np.arange(len(keep)), lo] + grid[np.arange(len(keep)), hi]))
    return tuple(out)


def _judge(
    vehicle_id: int,
    day: np.ndarray,
    age: np.ndarray,
    x: np.ndarray,
    raw: np.ndarray,
    *,
    now: datetime,
    params: Params,
) -> RiskFlag | None:
    steps = find_steps(raw, min_step=params.min_step_pct) if params.remove_level_shifts else []
    soh = remove_steps(raw, steps)
    recent = soh[-params.level_days :]
    level = float(np.median(recent))
    # How far the level would lie below / above under the calibration before the steps (see the module doc).
    recalibrated = (sum(d for _, d in steps if d > 0), -sum(d for _, d in steps if d < 0))
    below = level + recalibrated[1] < params.threshold_pct  # below under either calibration
    span = float(x[-1] - x[0])
    # Weekly medians: the daily readings are not independent (a rest bump lasts days), weekly ones nearly are,
    # so Sen's interval over them is honest; they also ignore the bump itself.
    xb, yb = bin_medians(age, x, soh, width=params.bin_days, min_n=params.min_bin_readings)
    fit = theil_sen(xb, yb, confidence=params.confidence_level)
    if fit is None:
        return None
    steep = fit.slope_high * 365.25 <= -params.steep_fade_pct_per_year
    if not below and span < params.min_projection_days and not steep:
        return None  # too short a history to project a year ahead, and no fade that heat could not explain
    # The level is a week's median, so its error is the spread of weekly medians around the trend.
    level_se = fit.residual_sigma
    age_days = max(0.0, -float(np.median(x[-len(recent) :])))
    proj = project(level, level_se, fit, params, age_days=age_days, recalibrated=recalibrated)
    if not below and (proj.days is None or proj.days > params.horizon_days):
        return None
    if not below and params.require_significant_decline and fit.slope_high >= 0:
        return None
    unsure = proj.days_high is None or proj.days_high > params.horizon_days
    if not below and params.sure_within_horizon and unsure:
        return None
    # The readings shown are what the car reported; the fit and the level use the step-corrected series.
    evidence = _evidence(day, raw, level=level, fit=fit, proj=proj, params=params)
    evidence["level_shifts"] = [{"day": iso_day(day[i]), "step_pct": num(d, 2)} for i, d in steps]
    common: dict[str, Any] = {
        "vehicle_id": vehicle_id,
        "kind": KIND,
        "rule_id": RULE_ID,
        "rule_version": RULE_VERSION,
    }
    coverage = min(1.0, len(day) / 90)
    if below:
        share = float((recent < params.threshold_pct).mean())
        return RiskFlag(
            **common,
            severity=Severity.HIGH,
            confidence=round(0.5 + 0.5 * share, 3),
            diagnosis="soh_below_threshold",
            evidence=evidence,
            predicted_date=today(now),
        )
    days = proj.days or 0.0  # a date exists here: the checks above return when the fade never crosses
    width = math.inf
    if proj.days_high is not None and proj.days_low is not None:
        width = proj.days_high - proj.days_low
    tightness = 1.0 / (1.0 + width / max(days, 30.0))
    return RiskFlag(
        **common,
        severity=Severity.HIGH if days <= params.high_within_days else Severity.MEDIUM,
        confidence=round(0.3 + 0.7 * coverage * tightness, 3), diagnosis="soh_below_threshold_soon",
        evidence=evidence, predicted_date=date_in(now, days),
        predicted_low=date_in(now, proj.days_low) if proj.days_low is not None else None,
        predicted_high=date_in(now, proj.days_high) if proj.days_high is not None else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return SOH flags; every vehicle with at least `min_days` daily SOH values in the window is evaluated."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=("hv_soh_avg",)):
        soh = car["hv_soh_avg"].astype("float64")
        keep = (car.age < params.history_days) & np.isfinite(soh)
        if keep.sum() < params.min_days:
            continue
        evaluated.append(car.vehicle_id)
        flag = _judge(
            car.vehicle_id, car.day[keep], car.age[keep], car.x[keep], soh[keep], now=now, params=params
        )
        if flag is not None:
            flags.append(flag)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

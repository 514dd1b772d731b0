"""EV traction battery: state-of-health fade projected to a threshold (default 80 %) with an uncertainty band.

The trend and its projection are ``domain.soh_trend``, the one forecaster: the owner's SOH chart draws it and
``carecast evaluate-battery`` scores it on real cells (docs/detection.md); the threshold is the shared setting
``CARECAST_SOH__THRESHOLD_PCT``. This module adds what only the alert needs: level shifts, the
history checks and when a crossing is worth a flag.

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
is None (the crossing may never come). A pack that recovered by more than 2 points in a day (a cell's regeneration
after a rest, never the rest bump nor an undone recalibration) gets the wider band of ``domain.soh_trend``: the late
end starts as high as the largest recovery, the early end also takes the fall between recoveries. The predicted date
is the crossing of the domain's combined forecast (the trend and an exponential fade, their mean), and the interval
shown (`predicted_low` / `predicted_high`) also takes the domain's horizon spread, calibrated on real cells; the
decision and the flag's confidence use the data's band without that spread: on the simulated fleet the spread only
delays alerts (docs/detection.md, "EV end of life on real cells").

Level shifts. A firmware update can recalibrate the reported SOH by a persistent step of a percent or two. Such
steps are found first (``domain.levelshift``: medians of the week before and after) and undone, aligning the
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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num, today
from detection.groups import cars
from domain.evidence import Comparison, EvBatterySohEvidence, EvidenceSignal, LevelShift, Reading
from domain.levelshift import MIN_STEP_PCT, find_steps, remove_steps
from domain.soh_trend import (
    BIN_DAYS,
    CONFIDENCE,
    DEFAULT_THRESHOLD_PCT,
    LEVEL_DAYS,
    MIN_BIN_READINGS,
    Projection,
    fit_trend,
    project,
)
from domain.trend import LinearFit
from domain.vocabulary import RiskKind, Severity

RULE_ID = "ev_soh_trend"
RULE_VERSION = (
    5  # 5: the trend combined with an exponential fade; the interval shown takes the horizon spread
)
KIND = RiskKind.EV_BATTERY_SOH
SIGNAL = EvidenceSignal.TRACTION_BATTERY_SOH


@dataclass(frozen=True, slots=True)
class Params:
    # The detection process sets it from the shared CARECAST_SOH__THRESHOLD_PCT (detection/settings.py).
    threshold_pct: float = DEFAULT_THRESHOLD_PCT
    horizon_days: int = 365
    history_days: int = 365
    min_days: int = 14
    level_days: int = LEVEL_DAYS
    confidence_level: float = CONFIDENCE
    high_within_days: int = 90
    require_significant_decline: bool = True
    remove_level_shifts: bool = True
    min_step_pct: float = MIN_STEP_PCT
    bin_days: int = BIN_DAYS  # the trend is fitted to weekly medians
    min_bin_readings: int = MIN_BIN_READINGS
    min_projection_days: int = 90  # history span needed before a crossing date is projected...
    steep_fade_pct_per_year: float = 8.0  # ...unless even the shallow end of the fade is this steep
    sure_within_horizon: bool = True  # flag only when the late end of the band is within the horizon too


def _evidence(
    day: np.ndarray,
    observed: np.ndarray,
    *,
    level: float,
    fit: LinearFit,
    proj: Projection,
    steps: list[tuple[int, float]],
    params: Params,
) -> EvBatterySohEvidence:
    readings = [
        Reading(signal=SIGNAL, aggregate="daily_avg", day=day_of(d), value=num(v, 2),
                threshold=params.threshold_pct, op=Comparison.LT)
        for d, v in zip(day[-params.level_days :], observed[-params.level_days :], strict=True)
    ]  # fmt: skip
    return EvBatterySohEvidence(
        readings=readings, threshold=params.threshold_pct, level_pct=num(level, 2),
        trend_per_day=num(fit.slope, 5), trend_per_year=num(fit.slope * 365, 2),
        trend_interval_per_day=[num(fit.slope_low, 5), num(fit.slope_high, 5)],
        confidence_level=params.confidence_level, residual_sigma=num(fit.residual_sigma, 3),
        days_to_threshold=num(proj.days, 1), window_days=params.history_days, days_of_data=len(day),
        first_day=day_of(day[0]), method="mean(theil_sen_weekly_medians,exp_fade)+sen_slope_interval",
        weeks_fitted=fit.n,
        level_shifts=[LevelShift(day=day_of(day[i]), step_pct=num(d, 2)) for i, d in steps],
    )  # fmt: skip


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
    # The trend the owner's chart draws too (domain.soh_trend): weekly medians, Theil–Sen, projected from the level.
    trend = fit_trend(
        age,
        x,
        soh,
        level_days=params.level_days,
        bin_days=params.bin_days,
        min_bin_readings=params.min_bin_readings,
        confidence=params.confidence_level,
        steps_at=[i for i, _ in steps],
    )
    if trend is None:
        return None
    level, fit = trend.level, trend.fit
    # How far the level would lie below / above under the calibration before the steps (see the module doc).
    recalibrated = (sum(d for _, d in steps if d > 0), -sum(d for _, d in steps if d < 0))
    below = level + recalibrated[1] < params.threshold_pct  # below under either calibration
    span = float(x[-1] - x[0])
    steep = fit.slope_high * 365.25 <= -params.steep_fade_pct_per_year
    if not below and span < params.min_projection_days and not steep:
        return None  # too short a history to project a year ahead, and no fade that heat could not explain
    proj = project(trend, threshold=params.threshold_pct, recalibrated=recalibrated)
    # The data's own band (the module doc, "Uncertainty"): what the alert decides on, and its confidence.
    data_band = project(replace(trend, spread=0.0), threshold=params.threshold_pct, recalibrated=recalibrated)
    if not below and (proj.days is None or proj.days > params.horizon_days):
        return None
    if not below and params.require_significant_decline and fit.slope_high >= 0:
        return None
    unsure = data_band.days_high is None or data_band.days_high > params.horizon_days
    if not below and params.sure_within_horizon and unsure:
        return None
    # The readings shown are what the car reported; the fit and the level use the step-corrected series.
    evidence = _evidence(day, raw, level=level, fit=fit, proj=proj, steps=steps, params=params)
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
    if data_band.days_high is not None and data_band.days_low is not None:
        width = data_band.days_high - data_band.days_low
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

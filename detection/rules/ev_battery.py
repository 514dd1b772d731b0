"""EV traction battery: state-of-health fade projected to a threshold (default 80 %) with an uncertainty band.

Method. Daily ``hv_soh_avg`` over the last `history_days` (at least `min_days` days of data) is fitted with
Theil–Sen, the median of all pairwise day-to-day slopes. Being a median, it ignores a short dip and the upward
"recovery" jump after a BMS recalibration or firmware update instead of reading them as a collapse, and daily
±0.3 % noise averages out. The projection starts from the current level, the median of the last `level_days`
readings (what the car reports now), and runs at the fitted slope until the threshold:
``days = (level - threshold) / -slope``.

Uncertainty. The band combines the two error sources at `confidence_level` (default 90 %): the slope's
interval from Sen's rank method (order statistics of the pairwise slopes, Kendall variance) and the level's
standard error ``1.2533 * sigma / sqrt(k)`` (median of k readings, sigma = 1.4826 * MAD of the fit residuals).
`predicted_low` uses the steep slope and the low level, `predicted_high` the shallow slope and the high level; when
even the shallow end of the slope interval is not falling, `predicted_high` is None (the crossing may never come).

Level shifts. A firmware update can recalibrate the reported SOH by a persistent step of a percent or two. Such
steps are found first (``detection.levelshift``: medians of the week before and after) and undone, aligning the
history to the level the car reports now, so a downward recalibration is not read as a collapse nor an upward one
as a recovery. Implausible single-day jumps never get here: the data-quality guard drops them.

A vehicle is flagged when its level is already below the threshold, or when the projection reaches the threshold
within `horizon_days` and (by default) the decline is significant, i.e. the whole slope interval is negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from core.contracts import RiskKind, Severity
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import by_vehicle, date_in, days_before, iso_day, known_until, last_days, num, today
from detection.levelshift import find_steps, remove_steps
from detection.trend import LinearFit, theil_sen

RULE_ID = "ev_soh_trend"
RULE_VERSION = 2
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


@dataclass(frozen=True, slots=True)
class Projection:
    """When the fitted fade reaches the threshold, in days from now (None = not falling)."""

    days: float | None
    days_low: float | None
    days_high: float | None


def project(
    level: float, level_se: float, fit: LinearFit, params: Params, *, age_days: float = 0.0
) -> Projection:
    """Return the days from now until the threshold at the fitted slope, with the low/high ends of the band.

    `level` was observed `age_days` ago (a car that went quiet keeps ageing), so that much is taken off.
    """
    if fit.slope >= 0:
        return Projection(None, None, None)
    z = NormalDist().inv_cdf(0.5 + params.confidence_level / 2)
    margin = level - params.threshold_pct
    days = max(0.0, margin / -fit.slope - age_days)
    days_low = max(0.0, max(0.0, margin - z * level_se) / -fit.slope_low - age_days)
    days_high = max(0.0, (margin + z * level_se) / -fit.slope_high - age_days) if fit.slope_high < 0 else None
    return Projection(days, min(days_low, days), max(days_high, days) if days_high is not None else None)


def _evidence(
    series: pd.DataFrame,
    recent: pd.DataFrame,
    *,
    level: float,
    fit: LinearFit,
    proj: Projection,
    params: Params,
) -> dict:
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_avg", "day": iso_day(r.day), "value": num(r.hv_soh_avg, 2),
         "threshold": params.threshold_pct, "op": "<"}
        for r in recent.itertuples(index=False)
    ]  # fmt: skip
    return {
        "readings": readings, "threshold": params.threshold_pct, "level_pct": num(level, 2),
        "trend_per_day": num(fit.slope, 5), "trend_per_year": num(fit.slope * 365, 2),
        "trend_interval_per_day": [num(fit.slope_low, 5), num(fit.slope_high, 5)],
        "confidence_level": params.confidence_level, "residual_sigma": num(fit.residual_sigma, 3),
        "days_to_threshold": num(proj.days, 1), "window_days": params.history_days, "days_of_data": len(series),
        "first_day": iso_day(series["day"].iloc[0]), "method": "theil_sen+sen_slope_interval",
    }  # fmt: skip


def _judge(vehicle_id: int, series: pd.DataFrame, *, now: datetime, params: Params) -> RiskFlag | None:
    x = days_before(series["day"], now)
    raw = series["hv_soh_avg"].to_numpy(dtype="float64")
    steps = find_steps(raw, min_step=params.min_step_pct) if params.remove_level_shifts else []
    observed, series = series, series.assign(hv_soh_avg=remove_steps(raw, steps))
    fit = theil_sen(x, series["hv_soh_avg"].to_numpy(), confidence=params.confidence_level)
    if fit is None:
        return None
    recent = series.tail(params.level_days)
    level = float(recent["hv_soh_avg"].median())
    level_se = _MEDIAN_SE * fit.residual_sigma / math.sqrt(len(recent))
    age = max(0.0, -float(np.median(x[-len(recent) :])))
    proj = project(level, level_se, fit, params, age_days=age)
    # The readings shown are what the car reported; the fit and the level use the step-corrected series.
    evidence = _evidence(
        observed, observed.tail(params.level_days), level=level, fit=fit, proj=proj, params=params
    )
    evidence["level_shifts"] = [
        {"day": iso_day(series["day"].iloc[i]), "step_pct": num(d, 2)} for i, d in steps
    ]
    common: dict[str, Any] = {
        "vehicle_id": vehicle_id,
        "kind": KIND,
        "rule_id": RULE_ID,
        "rule_version": RULE_VERSION,
    }
    coverage = min(1.0, len(series) / 90)
    if level < params.threshold_pct:
        below = float((recent["hv_soh_avg"] < params.threshold_pct).mean())
        return RiskFlag(
            **common,
            severity=Severity.HIGH,
            confidence=round(0.5 + 0.5 * below, 3),
            diagnosis="soh_below_threshold",
            evidence=evidence,
            predicted_date=today(now),
        )
    if proj.days is None or proj.days > params.horizon_days:
        return None
    if params.require_significant_decline and fit.slope_high >= 0:
        return None
    width = math.inf
    if proj.days_high is not None and proj.days_low is not None:
        width = proj.days_high - proj.days_low
    tightness = 1.0 / (1.0 + width / max(proj.days, 30.0))
    return RiskFlag(
        **common,
        severity=Severity.HIGH if proj.days <= params.high_within_days else Severity.MEDIUM,
        confidence=round(0.3 + 0.7 * coverage * tightness, 3), diagnosis="soh_below_threshold_soon",
        evidence=evidence, predicted_date=date_in(now, proj.days),
        predicted_low=date_in(now, proj.days_low) if proj.days_low is not None else None,
        predicted_high=date_in(now, proj.days_high) if proj.days_high is not None else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return SOH flags; every vehicle with at least `min_days` daily SOH values in the window is evaluated."""
    flags, evaluated = [], []
    for vehicle_id, rows in by_vehicle(known_until(frame, now)):
        series = last_days(rows, now, params.history_days)
        series = series[series["hv_soh_avg"].notna()]
        if len(series) < params.min_days:
            continue
        evaluated.append(vehicle_id)
        flag = _judge(vehicle_id, series, now=now, params=params)
        if flag is not None:
            flags.append(flag)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

"""Tyre pressure: the lowest of the four tyres (VSS ``Tire.Pressure``, kPa), judged cold-corrected for leaks.

Pressure falls about 1.2 kPa per °C as the air cools (ideal gas at ~240 kPa), so winter alone pulls a tyre filled
in autumn 20–40 kPa down, and a slow leak (a nail, a porous rim) pulls it down day by day whatever the weather. The
rule flags the lowest tyre once one of its two latest daily readings is under 210 kPa (~13 % under a typical
240 kPa placard; TPMS warns at 25 % under), or one this week while it still reads under 215 kPa: a cold snap can
pull a marginal tyre under for a day or two, and the tyre stays at the limit until it is filled or the weather
warms. It flags earlier when the temperature-corrected pressure (normalised to 20 °C with the day's mean ambient)
since the last fill falls fast enough to reach 200 kPa within 21 days: `slow_leak`. Under the limit with no such
fall it is `cold_underinflation` when the week was cold, else `low_pressure`. Clears at 215 kPa and above
(hysteresis: a tyre back within ~10 % of placard needs nothing).

Looking ahead: the corrected pressure since the last fill is what the tyre holds, and the car's own temperature
trend (six weeks, least squares) carried a few days forward says how cold it gets; a fill that reads under 210 kPa
at that temperature is flagged `cold_underinflation` before the reading gets there, with the date the trend
reaches that cold. Only a few days: the cold that takes marginal tyres under comes in snaps the trend cannot see
coming, and a longer outlook flags cars weeks before anything happens (measured in docs/detection.md).

With a weather forecast for the car's region (``detection.outlook``) and `forecast_days` set (off by default: it
cost more precision than it gained lead, docs/detection.md) the forecast replaces the trend: the first
day within `forecast_days` whose forecast mean would take the fill under the warning level (less
`forecast_margin_kpa` and a share of that day's forecast error as measured for the region,
``detection.outlook.verification``), as yesterday's
forecast saw it too, is the day the cold comes, and the evidence carries its forecast temperature. A weather
forecast sees the snaps the trend cannot, up to a week ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.ambient import RANGE_SHARE
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num
from detection.groups import Car, cars
from detection.outlook import car_region, forecast_ahead, forecast_columns, verification
from detection.trend import theil_sen
from domain.evidence import Comparison, EvidenceSignal, Reading, TyrePressureEvidence
from domain.vocabulary import RiskKind, Severity

RULE_ID = "tyre_pressure_min"
RULE_VERSION = 5
KIND = RiskKind.TYRE_PRESSURE
SIGNAL = EvidenceSignal.TYRE_PRESSURE


@dataclass(frozen=True, slots=True)
class Params:
    warn_kpa: float = 210.0
    limit_kpa: float = 200.0
    clear_kpa: float = 215.0
    temp_coeff_kpa_per_c: float = 1.2
    reference_temp_c: float = 20.0
    leak_kpa_per_day: float = 0.4  # corrected pressure falling faster than this is a leak, not noise
    horizon_days: int = 21
    trend_window_days: int = 21
    min_trend_days: int = 7
    recent_days: int = 3  # readings older than this do not describe the tyre now
    recent_readings: int = 2  # the level is the lowest of the latest readings (one a day, the morning drive)
    latch_days: int = 7  # a low reading this week counts while the latest is still under the clear level
    cold_c: float = 10.0
    # The corrected pressure jumping up this much from one reading to the next is a fill: older days are stale.
    fill_jump_kpa: float = 8.0
    outlook_days: int = 3
    outlook_window_days: int = 42  # long enough that one spell of weather does not tilt the trend
    # A fill this far above the warning level at this week's temperature would need the week to cool by 10 °C
    # within the outlook: the temperature trend is not fitted for it.
    outlook_gate_kpa: float = 12.0
    # the weather forecast, off by default (0 days: the trend above): days looked ahead, and how far under the
    # warning level a forecast day must take the fill: `forecast_margin_kpa` plus `forecast_spread_z` × that day's
    # forecast error in kPa (1.2 kPa/°C × the day's error as measured for the region over the last
    # `forecast_verify_days`, ``detection.outlook.verification``), seen by yesterday's forecast too
    # (`forecast_confirm`). It gained no lead at the precision the rule needs (docs/detection.md "Ahead of the
    # season"); `CARECAST_DETECTION__RULES__TYRE_PRESSURE__FORECAST_DAYS=5` turns it on
    forecast_days: int = 0
    forecast_margin_kpa: float = 4.0
    forecast_confirm: bool = True
    forecast_spread_z: float = 0.5
    forecast_verify_days: int = 60
    forecast_min_issues: int = 20
    # the day's mean the forecast is verified against (``detection.ambient.day_mean``)
    range_share: float = RANGE_SHARE


def _fill(
    car: Car, keep: np.ndarray, p: np.ndarray, air: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Return the days since the last fill within the trend window and their pressures corrected to 20 °C."""
    window = keep[(car.age[keep] < params.trend_window_days) & np.isfinite(air[keep])]
    corrected = p[window] - params.temp_coeff_kpa_per_c * (air[window] - params.reference_temp_c)
    fills = np.flatnonzero(np.diff(corrected) >= params.fill_jump_kpa)
    if len(fills):
        start = int(fills[-1]) + 1
        window, corrected = window[start:], corrected[start:]
    return window, corrected


def _leak(car: Car, window: np.ndarray, corrected: np.ndarray, params: Params) -> float | None:
    """Return the temperature-corrected pressure trend in kPa/day since the last fill (None: too few days, or the
    pressure did not fall)."""
    if len(window) < params.min_trend_days:
        return None
    half = len(corrected) // 2
    if corrected[half:].mean() >= corrected[:half].mean():
        return None  # the later days do not sit lower: no fall to fit (the fit is the rule's main cost)
    fit = theil_sen(car.x[window], corrected)
    return None if fit is None else float(fit.slope)


def days_to_cold(car: Car, air: np.ndarray, fill_kpa: float, params: Params) -> float | None:
    """Return the days until the car's temperature trend makes a tyre holding `fill_kpa` at 20 °C read under the
    warning level (0 = already that cold), or None when it does not within the outlook."""
    days = np.flatnonzero((car.age < params.outlook_window_days) & np.isfinite(air))
    if len(days) < params.min_trend_days:
        return None
    # Least squares, not Theil–Sen: air temperatures have no outliers to resist, and this runs for many cars.
    x, t = car.x[days], air[days]
    dx = x - x.mean()
    spread = float(dx @ dx)
    if spread <= 0.0:
        return None
    slope = float(dx @ (t - t.mean())) / spread
    start = float(t.mean()) - slope * float(x.mean())  # the trend's temperature now (x = 0)
    warn_c = params.reference_temp_c + (params.warn_kpa - fill_kpa) / params.temp_coeff_kpa_per_c
    if start < warn_c:
        return 0.0
    if slope >= 0 or start + slope * params.outlook_days >= warn_c:
        return None
    return (warn_c - start) / slope


def cold_day(
    fill_kpa: float, forecast: list[float], day_sd: Sequence[float], params: Params
) -> tuple[int, float] | None:
    """Return (days ahead, forecast mean °C) of the first forecast day cold enough to take a tyre holding `fill_kpa`
    at 20 °C `forecast_margin_kpa` plus `forecast_spread_z` × its error (`day_sd`, °C, per day ahead) under the
    warning level, or None when none within `forecast_days` (and `day_sd`) is."""
    limit = params.warn_kpa - params.forecast_margin_kpa
    for k, t in enumerate(forecast[: min(params.forecast_days, len(day_sd))], start=1):
        spread = params.forecast_spread_z * params.temp_coeff_kpa_per_c * day_sd[k - 1]
        if fill_kpa + params.temp_coeff_kpa_per_c * (t - params.reference_temp_c) < limit - spread:
            return k, t
    return None


def _flag(car: Car, keep: np.ndarray, level: float, slope: float | None, diagnosis: str, params: Params,
          now: datetime, days: float | None, fill: float | None,
          forecast: tuple[int, float] | None = None) -> RiskFlag:  # fmt: skip
    rows = car.rows().iloc[keep[-3:]]
    readings = [
        Reading(signal=SIGNAL, aggregate="daily_min_over_tyres", day=day_of(r.day), value=num(r.tire_kpa_min, 0),
                threshold=params.warn_kpa, op=Comparison.LT)
        for r in rows.itertuples(index=False)
    ]  # fmt: skip
    evidence = TyrePressureEvidence(
        readings=readings, threshold=params.warn_kpa, op=Comparison.LT, pressure_kpa=num(level, 0),
        corrected_trend_kpa_per_day=num(slope, 2), limit_kpa=params.limit_kpa,
        temp_coeff_kpa_per_c=params.temp_coeff_kpa_per_c, fill_kpa_at_20c=num(fill, 0),
        forecast_mean_c=None if forecast is None else num(forecast[1], 1),
        forecast_days=None if forecast is None else forecast[0],
    )  # fmt: skip
    below = level < params.limit_kpa
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if below and diagnosis == "slow_leak" else Severity.MEDIUM,
        confidence=0.9 if level < params.warn_kpa else 0.7, diagnosis=diagnosis, evidence=evidence,
        predicted_date=date_in(now, days) if days is not None and days > 0 else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return tyre-pressure flags: the lowest tyre under the warning level, leaking, or about to read low in the
    cold."""
    flags, evaluated = [], []
    verified = (
        verification(frame, now=now, window_days=1, range_share=params.range_share,
                     lookback_days=params.forecast_verify_days, min_issues=params.forecast_min_issues)
        if params.forecast_days and forecast_columns(frame) else {}
    )  # fmt: skip
    for car in cars(frame, now=now, columns=("tire_kpa_min", "air_temp_avg", *forecast_columns(frame))):
        p = car["tire_kpa_min"].astype("float64")
        air = car["air_temp_avg"].astype("float64")
        keep = np.flatnonzero(np.isfinite(p))
        recent = keep[car.age[keep] < params.recent_days][-params.recent_readings :]
        if not len(recent):
            continue
        level = float(np.min(p[recent]))
        week_low = float(np.min(p[keep[car.age[keep] < max(params.latch_days, params.recent_days)]]))
        if week_low < params.warn_kpa and float(p[recent[-1]]) < params.clear_kpa:
            level = week_low  # under the limit this week and not back at the clear level since: still low
        window, corrected = _fill(car, keep, p, air, params)
        slope = _leak(car, window, corrected, params)
        leaking = slope is not None and slope <= -params.leak_kpa_per_day
        days = (level - params.limit_kpa) / -slope if leaking and slope else None
        fill = float(np.median(corrected[-params.recent_days :])) if len(corrected) else None
        week = air[car.age < 7]
        week_c = float(np.mean(week[np.isfinite(week)])) if np.isfinite(week).any() else None
        cold_in, coming, forecast = None, forecast_ahead(car) if params.forecast_days else [], None
        if level >= params.warn_kpa and not leaking and fill is not None and coming:
            day_sd = verified.get(car_region(car), [])
            forecast = cold_day(fill, coming, day_sd, params)
            if forecast is not None and params.forecast_confirm:  # yesterday's forecast saw the cold too
                forecast = forecast if cold_day(fill, forecast_ahead(car, back=1), day_sd, params) else None
            cold_in = None if forecast is None else float(forecast[0])
        elif level >= params.warn_kpa and not leaking and fill is not None and week_c is not None:
            now_kpa = fill + params.temp_coeff_kpa_per_c * (week_c - params.reference_temp_c)
            if now_kpa - params.outlook_gate_kpa < params.warn_kpa:
                cold_in = days_to_cold(car, air, fill, params)
        if (
            level < params.warn_kpa
            or (leaking and days is not None and days <= params.horizon_days)
            or cold_in is not None
        ):
            if leaking:
                diagnosis = "slow_leak"
            elif cold_in is not None or (week_c is not None and week_c < params.cold_c):
                diagnosis, days = "cold_underinflation", cold_in
            else:
                diagnosis = "low_pressure"
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car, keep, level, slope, diagnosis, params, now, days, fill, forecast))
        elif level >= params.clear_kpa:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

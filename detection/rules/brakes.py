"""Brake pads: wear rate from the car's own history, projected to the replacement limit (default 80 %).

PadWear is percent with 0 = new and 100 = worn; the rollup keeps the worst wheel per day (``pad_wear_max``) and the
odometer (``Vehicle.TraveledDistance``, metres). Pads wear with distance, not time, so the rate is a Theil–Sen fit
of wear against odometer kilometres (robust to the integer steps of the signal), and the usage is the car's mean
km/day over the same days: ``remaining_km = (limit - wear) / rate``, ``days = remaining_km / km_per_day``. Without
odometer data the rate falls back to wear per day. A car that does not move does not wear its pads: zero distance
gives no projection. History before a pad replacement (wear dropping by `replacement_drop_pct` or more) is ignored.

The brake fluid level is judged here too (``detection.brake_fluid.check``): a leak is a brake risk as urgent as worn
pads, and one open brake risk per vehicle keeps the lifecycle simple. When both trip, the pads lead and the fluid
finding is kept in the evidence under ``also``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from detection import brake_fluid
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num, today
from detection.groups import cars
from detection.trend import median, theil_sen, theil_sen_slope
from domain.evidence import BrakePadsEvidence, Comparison, EvidenceSignal, Reading
from domain.vocabulary import RiskKind, Severity

RULE_ID = "brake_pad_wear"
RULE_VERSION = 2
KIND = RiskKind.BRAKE_PADS
SIGNAL = EvidenceSignal.BRAKE_PAD_WEAR
COLUMNS = ("pad_wear_max", "odometer_max_m", "brake_fluid_min")


@dataclass(frozen=True, slots=True)
class Params:
    limit_pct: float = 80.0
    critical_pct: float = 90.0
    horizon_days: int = 45
    high_within_days: int = 7
    history_days: int = 90
    min_days: int = 14  # days with wear data needed to judge a vehicle at all
    min_fit_days: int = 7  # days since the last replacement needed for a rate
    level_days: int = 3
    replacement_drop_pct: float = 10.0
    fluid_warn_pct: float = 80.0
    fluid_min_pct: float = 70.0
    fluid_trend_days: int = 21


@dataclass(frozen=True, slots=True)
class Wear:
    """Current wear and the projection to the limit of one vehicle."""

    current: float
    per_km: float | None
    per_day: float | None
    km_per_day: float | None
    remaining_km: float | None
    days: float | None
    days_low: float | None
    days_high: float | None
    replaced_on: np.datetime64 | None


@dataclass(frozen=True, slots=True)
class Series:
    """One vehicle's pad wear days in the history window, as arrays (oldest first)."""

    day: np.ndarray
    x: np.ndarray
    wear: np.ndarray
    odometer_m: np.ndarray

    def tail(self, start: int) -> Series:
        """Return the days from position `start` on."""
        return Series(self.day[start:], self.x[start:], self.wear[start:], self.odometer_m[start:])


def since_replacement(series: Series, params: Params) -> tuple[Series, np.datetime64 | None]:
    """Return the days after the last pad replacement in `series` and the day it happened (None if none)."""
    drops = np.flatnonzero(np.diff(series.wear) <= -params.replacement_drop_pct) + 1
    if len(drops) == 0:
        return series, None
    segment = series.tail(int(drops[-1]))
    return segment, segment.day[0]


def wear(series: Series, *, params: Params, within_days: float | None = None) -> Wear:
    """Return the wear state of one vehicle's series.

    With `within_days`, the slope's confidence interval (`days_low`, `days_high`) is computed only when the projection
    lands within that many days: a pass judges every car, and only the few near the limit get a flag that shows it.
    """
    segment, replaced_on = since_replacement(series, params)
    current = median(segment.wear[-params.level_days :])
    margin = max(0.0, params.limit_pct - current)
    per_km = per_day = km_per_day = remaining_km = days = None
    # What the rate was fitted on (km or days, and wear), for the interval below.
    fitted: tuple[np.ndarray, np.ndarray] | None = None
    driven = np.flatnonzero(np.isfinite(segment.odometer_m))
    if len(segment.day) >= params.min_fit_days and len(driven) >= 2:
        km = segment.odometer_m[driven] / 1000.0
        span_days = (segment.day[driven[-1]] - segment.day[driven[0]]) / np.timedelta64(1, "D")
        km_per_day = float((km.max() - km.min()) / span_days)
        slope = theil_sen_slope(km, segment.wear[driven]) if km_per_day > 0 else None
        if slope is not None and slope > 0:
            fitted = km, segment.wear[driven]
            per_km = slope
            remaining_km = margin / per_km
            days = remaining_km / km_per_day
    elif len(segment.day) >= params.min_fit_days:
        slope = theil_sen_slope(segment.x, segment.wear)
        if slope is not None and slope > 0:
            fitted = segment.x, segment.wear
            per_day = slope
            days = margin / per_day
    # The projection runs from the last reading; a car that went quiet has used some of that time already.
    age = max(0.0, -float(segment.x[-1]))
    days_low = days_high = None
    if (
        fitted is not None
        and days is not None
        and (within_days is None or max(0.0, days - age) <= within_days)
    ):
        # The full fit has the same slope (trend.theil_sen_slope); it adds the slope's interval.
        fit = theil_sen(*fitted)
        rate = per_km if per_km is not None else per_day
        if fit is not None and rate is not None:
            scale = km_per_day if per_km is not None and km_per_day is not None else 1.0
            days_low = margin / (max(fit.slope_high, rate) * scale)
            days_high = margin / (fit.slope_low * scale) if fit.slope_low > 0 else None
    if per_km is not None and km_per_day is not None:
        per_day = per_km * km_per_day
    days, days_low, days_high = (
        None if d is None else max(0.0, d - age) for d in (days, days_low, days_high)
    )
    return Wear(current, per_km, per_day, km_per_day, remaining_km, days, days_low, days_high, replaced_on)


def _evidence(series: Series, state: Wear, params: Params) -> BrakePadsEvidence:
    readings = [
        Reading(signal=SIGNAL, aggregate="max_over_wheels", day=day_of(d), value=num(v, 1),
                threshold=params.limit_pct, op=Comparison.GE)
        for d, v in zip(series.day[-params.level_days :], series.wear[-params.level_days :], strict=True)
    ]  # fmt: skip
    return BrakePadsEvidence(
        readings=readings, threshold=params.limit_pct, current_wear_pct=num(state.current, 1),
        wear_per_1000km=num(state.per_km * 1000, 3) if state.per_km is not None else None,
        trend_per_day=num(state.per_day, 4), km_per_day=num(state.km_per_day, 1),
        remaining_km=num(state.remaining_km, 0), days_to_limit=num(state.days, 1),
        window_days=params.history_days, days_of_data=len(series.day),
        replaced_on=day_of(state.replaced_on) if state.replaced_on is not None else None,
        method=_method(state),
    )  # fmt: skip


def _method(state: Wear) -> str | None:
    if state.per_km is not None:
        return "theil_sen_per_km"
    return "theil_sen_per_day" if state.per_day is not None else None


def _judge(vehicle_id: int, series: Series, *, now: datetime, params: Params) -> RiskFlag | None:
    state = wear(series, params=params, within_days=params.horizon_days)
    worn = state.current >= params.limit_pct
    if not worn and (state.days is None or state.days > params.horizon_days):
        return None
    common: dict[str, Any] = {
        "vehicle_id": vehicle_id,
        "kind": KIND,
        "rule_id": RULE_ID,
        "rule_version": RULE_VERSION,
        "evidence": _evidence(series, state, params),
    }
    if worn:
        severity = Severity.CRITICAL if state.current >= params.critical_pct else Severity.HIGH
        return RiskFlag(
            **common, severity=severity, confidence=0.95, diagnosis="pads_worn", predicted_date=today(now)
        )
    if state.days is None or state.days > params.horizon_days:
        return None
    fitted_days = len(since_replacement(series, params)[0].day)
    confidence = 0.4 + 0.4 * min(1.0, fitted_days / 60) + (0.15 if state.per_km is not None else 0.0)
    return RiskFlag(
        **common,
        severity=Severity.HIGH if state.days <= params.high_within_days else Severity.MEDIUM,
        confidence=round(confidence, 3), diagnosis="pads_near_limit", predicted_date=date_in(now, state.days),
        predicted_low=date_in(now, state.days_low) if state.days_low is not None else None,
        predicted_high=date_in(now, state.days_high) if state.days_high is not None else None,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return brake pad flags; vehicles with at least `min_days` days of pad wear in the window are evaluated."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=COLUMNS):
        pads = car["pad_wear_max"].astype("float64")
        keep = (car.age < params.history_days) & np.isfinite(pads)
        if keep.sum() < params.min_days:
            continue
        evaluated.append(car.vehicle_id)
        series = Series(car.day[keep], car.x[keep], pads[keep], car["odometer_max_m"].astype("float64")[keep])
        flag = _judge(car.vehicle_id, series, now=now, params=params)
        fluid = brake_fluid.check(
            car, warn_pct=params.fluid_warn_pct, min_pct=params.fluid_min_pct,
            trend_days=params.fluid_trend_days, horizon_days=params.horizon_days,
        )  # fmt: skip
        if fluid is not None and fluid.tripped:
            flag = _with_fluid(flag, car.vehicle_id, fluid, now=now)
        if flag is not None:
            flags.append(flag)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)


def _with_fluid(
    flag: RiskFlag | None, vehicle_id: int, fluid: brake_fluid.FluidCheck, *, now: datetime
) -> RiskFlag:
    """Return the pad flag with the fluid finding added, or a low-fluid flag when the pads are fine."""
    evidence = fluid.evidence
    assert evidence is not None  # a tripped check carries its evidence
    if flag is not None:
        return dataclasses.replace(flag, evidence=flag.evidence.model_copy(update={"also": [evidence]}))
    days = fluid.days_to_min
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.CRITICAL if evidence.min_pct is not None and fluid.level <= evidence.min_pct
        else Severity.HIGH,
        confidence=0.9 if fluid.trend_per_day is not None else 0.7, diagnosis="low_brake_fluid",
        evidence=evidence, predicted_date=date_in(now, days) if days is not None else today(now),
    )  # fmt: skip

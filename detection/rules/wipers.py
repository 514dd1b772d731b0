"""Wiper blades: the car's own wiper wear (VSS ``WiperWear``, 0 = new, 100 = worn) and how fast it grows.

Blades wear with use, and use follows the rain: the wear rate is the car's own since the last blade change, over
the last 60 days (two months, so that one wet spell does not set it). A blade past 90 % smears the windscreen. The
rule flags blades already past the limit (`wipers_worn`) or heading there within 14 days at the car's rate
(`wipers_near_limit`, with the predicted date). Only 14 days: rain comes in seasons, and from the rainy to the dry
season a car's wear rate falls to a third, so a 30-day projection made in a wet September reached 90 % two months
later, not one; a 14-day one is still reached within ~45 days when the rain stops.

Hysteresis: a risk clears only when the wear falls below 60 % (new blades read ~0 %); in between, a car that is not
flagged keeps what it has, so a rate that wobbles with the weather does not open and close the same risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num
from detection.groups import Car, cars
from domain.evidence import Comparison, EvidenceSignal, Reading, WipersEvidence
from domain.vocabulary import RiskKind, Severity

RULE_ID = "wiper_wear"
RULE_VERSION = 2
KIND = RiskKind.WIPERS
SIGNAL = EvidenceSignal.WIPER_WEAR


@dataclass(frozen=True, slots=True)
class Params:
    limit_pct: float = 90.0
    clear_pct: float = 60.0
    horizon_days: int = 14
    rate_window_days: int = 60
    min_rate_days: int = 10
    recent_days: int = 7
    reset_drop_pct: float = 20.0  # a fall this large between two days is a blade change
    # A blade below this would need over 1 %/day (five times the rainiest month's wear) to reach the limit within
    # the horizon: its rate is not fitted.
    fit_from_pct: float = 75.0


def wear_rate(age: np.ndarray, wear: np.ndarray, *, params: Params) -> float | None:
    """Return the wear growth in % per day since the last blade change (None when the span is too short)."""
    drops = np.flatnonzero(np.diff(wear) <= -params.reset_drop_pct)
    first = int(drops[-1]) + 1 if len(drops) else 0
    age, wear = age[first:], wear[first:]
    if len(wear) < 2 or age[0] - age[-1] < params.min_rate_days:
        return None
    return float(np.polyfit(-age.astype("float64"), wear, 1)[0])


def _flag(car: Car, keep: np.ndarray, level: float, rate: float | None, days: float | None, params: Params,
          now: datetime) -> RiskFlag:  # fmt: skip
    rows = car.rows().iloc[keep[-5:]]
    readings = [
        Reading(signal=SIGNAL, aggregate="daily_max", day=day_of(r.day), value=num(r.wiper_wear_max, 0),
                threshold=params.limit_pct, op=Comparison.GE)
        for r in rows.itertuples(index=False)
    ]  # fmt: skip
    worn = level >= params.limit_pct
    evidence = WipersEvidence(
        readings=readings, threshold=params.limit_pct, op=Comparison.GE, wear_pct=num(level, 0),
        wear_per_day=num(rate, 3), days_to_limit=None if worn else num(days, 0),
        rate_window_days=params.rate_window_days,
    )  # fmt: skip
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.MEDIUM if worn else Severity.LOW,
        confidence=0.9 if worn else round(min(0.85, 0.5 + 0.01 * (params.horizon_days - (days or 0))), 3),
        diagnosis="wipers_worn" if worn else "wipers_near_limit", evidence=evidence,
        predicted_date=None if worn or days is None else date_in(now, days),
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return wiper flags: worn past the limit, or reaching it within `horizon_days` at the car's own rate."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=("wiper_wear_max",)):
        wear = car["wiper_wear_max"].astype("float64")
        keep = np.flatnonzero((car.age < params.rate_window_days) & np.isfinite(wear))
        if not len(keep) or car.age[keep[-1]] >= params.recent_days:
            continue
        level = float(wear[keep[-1]])
        rate = wear_rate(car.age[keep], wear[keep], params=params) if level >= params.fit_from_pct else None
        days = (params.limit_pct - level) / rate if rate and rate > 0 else None
        if level >= params.limit_pct or (days is not None and days <= params.horizon_days):
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car, keep, level, rate, days, params, now))
        elif level < params.clear_pct:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

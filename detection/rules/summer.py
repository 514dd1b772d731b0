"""Summer care: the vehicle's own 7-day mean ambient temperature rose to 26 °C or more (hot season arrived).

Heat is when the A/C is needed and fails, when engine cooling and EV battery cooling work hardest and when tyres run
hot. The rule mirrors winter preparation (`seasonal`): the car's own thermometer decides, and a mean between
``threshold - clear_margin_c`` (20 °C) and the threshold neither flags nor clears (hysteresis), so a cooler
spell in mid-summer does not close the risk and open a new one. The evidence carries the
week's hottest reading and the lowest tyre pressure, which the check at the workshop covers too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from core.contracts import RiskKind, Severity
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import iso_day, num
from detection.groups import Car, cars

RULE_ID = "summer_ambient_7d"
RULE_VERSION = 1
KIND = RiskKind.SUMMER_CARE
SIGNAL = "Vehicle.Exterior.AirTemperature"


@dataclass(frozen=True, slots=True)
class Params:
    threshold_c: float = 26.0
    window_days: int = 7
    min_days: int = 5
    # wide: the car's daily average (cool morning and evening samples) sits ~1 °C under the day's true mean
    clear_margin_c: float = 6.0


def _flag(car: Car, keep: np.ndarray, mean: float, params: Params) -> RiskFlag:
    rows = car.rows().iloc[keep]
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_avg", "day": iso_day(r.day), "value": num(r.air_temp_avg, 1)}
        for r in rows.itertuples(index=False)
    ]
    hottest = car["air_temp_max"].astype("float64")[keep]
    tyres = car["tire_kpa_min"].astype("float64")[keep]
    evidence = {
        "readings": readings, "mean_c": num(mean, 1), "threshold": params.threshold_c, "op": ">=",
        "window_days": params.window_days, "days_used": len(keep),
        "max_c": num(np.nanmax(hottest), 1) if np.isfinite(hottest).any() else None,
        "tyre_min_kpa": num(np.nanmin(tyres), 0) if np.isfinite(tyres).any() else None,
    }  # fmt: skip
    ev = str(car.source["powertrain"].iloc[car.start]) != "ICE"
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.MEDIUM if ev else Severity.LOW,
        confidence=round(min(1.0, 0.6 + 0.1 * (mean - params.threshold_c)) * len(keep) / params.window_days, 3),
        diagnosis="summer_onset", evidence=evidence,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return summer-care flags; vehicles with `min_days` of the last `window_days` days are evaluated."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=("air_temp_avg", "air_temp_max", "tire_kpa_min")):
        air = car["air_temp_avg"].astype("float64")
        keep = np.flatnonzero((car.age < params.window_days) & np.isfinite(air))
        if len(keep) < params.min_days:
            continue
        mean = float(air[keep].mean())
        if mean >= params.threshold_c:
            evaluated.append(car.vehicle_id)
            flags.append(_flag(car, keep, mean, params))
        elif mean < params.threshold_c - params.clear_margin_c:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

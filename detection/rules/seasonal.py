"""Winter preparation: the vehicle's own 7-day mean ambient temperature fell below 7 °C.

The car's own thermometer (``Vehicle.Exterior.AirTemperature``, daily mean in the rollup) says where winter has
arrived, whatever the region. Coolant, washer fluid and the 12 V battery suffer first, so the severity is high when
the 12 V battery also looks weak (same checks as the battery_12v rule) and medium otherwise.

Hysteresis: a mean between the threshold and ``threshold + clear_margin_c`` neither flags nor clears, so a car
whose weather hovers around 7 °C keeps one open risk instead of resolving and reopening it every few days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from core.contracts import RiskKind, Severity
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import num
from detection.groups import cars
from detection.rules import battery_12v

RULE_ID = "winter_ambient_7d"
RULE_VERSION = 1
KIND = RiskKind.WINTER_PREP
SIGNAL = "Vehicle.Exterior.AirTemperature"


@dataclass(frozen=True, slots=True)
class Params:
    threshold_c: float = 7.0
    window_days: int = 7
    min_days: int = 5
    clear_margin_c: float = 3.0
    battery: battery_12v.Params = field(default_factory=battery_12v.Params)


def weak_battery(rows: pd.DataFrame, *, now: datetime, params: Params) -> list[str]:
    """Return the 12 V diagnoses the battery checks currently trip for this vehicle (empty if none or no data)."""
    return [
        c.diagnosis
        for c in battery_12v.checks(rows, now=now, params=params.battery)
        if c is not None and c.tripped
    ]


def _flag(
    vehicle_id: int, day: np.ndarray, temp: np.ndarray, mean: float, weak: list[str], params: Params
) -> RiskFlag:
    readings = [
        {"signal": SIGNAL, "aggregate": "daily_avg", "day": d, "value": num(t, 1)}
        for d, t in zip(np.datetime_as_string(day, unit="D").tolist(), temp.tolist(), strict=True)
    ]
    evidence = {
        "readings": readings, "mean_c": num(mean, 2), "threshold": params.threshold_c, "op": "<",
        "window_days": params.window_days, "days_used": len(day), "weak_12v": weak,
    }  # fmt: skip
    below = params.threshold_c - mean
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if weak else Severity.MEDIUM,
        confidence=round(min(1.0, 0.6 + 0.1 * below) * len(day) / params.window_days, 3),
        diagnosis="winter_onset", evidence=evidence,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return winter-preparation flags; vehicles with `min_days` of the last `window_days` days are evaluated."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=("air_temp_avg", *battery_12v.COLUMNS)):
        air = car["air_temp_avg"].astype("float64")
        keep = np.flatnonzero((car.age < params.window_days) & np.isfinite(air))
        if len(keep) < params.min_days:
            continue
        mean = float(air[keep].mean())
        if mean < params.threshold_c:
            evaluated.append(car.vehicle_id)
            weak = [
                c.diagnosis
                for c in battery_12v.car_checks(car, params=params.battery)
                if c is not None and c.tripped
            ]
            flags.append(_flag(car.vehicle_id, car.day[keep], air[keep], mean, weak, params))
        elif mean >= params.threshold_c + params.clear_margin_c:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

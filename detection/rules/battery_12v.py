"""12 V battery: ageing from the temperature-normalised cranking dip, low charge from the resting voltage.

Ageing (high internal resistance): each engine start pulls ~150 A and the voltage dips; a healthy battery dips to
~10.3 V at 20 °C and ~0.03 V/°C lower in the cold. The dip is normalised to 20 °C with the day's lowest ambient
temperature (the morning start is the coldest sample), ``v20 = lv_v_min + 0.03 * max(0, 20 - air_temp_min)``, so a
healthy battery at -20 °C is not flagged. Only cranking days count: the rollup has no current column, so a day is a
cranking day when the car has a combustion engine and its lowest voltage is below `crank_ceiling_v` (resting and
driving voltages stay above 12 V; only the starter load pulls a battery that low). EVs never crank.

Low state of charge (parasitic drain, short trips): the median resting voltage (|current| < 2 A, parked) is below
12.2 V. Failure dates come from a Theil–Sen trend of the same daily values reaching 9.0 V (dip) or 11.9 V (rest).
One vehicle gets at most one flag: the more urgent diagnosis, with the other one kept in the evidence.

Cold snaps: a weak battery fails on the first very cold morning. When the car's own temperature trend says a cold
snap is coming (``detection.coldsnap``), the severity goes up one step and the evidence says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from detection.coldsnap import outlook
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import date_in, day_of, num
from detection.groups import Car, cars
from detection.lv_battery import COLUMNS, Check, Thresholds, car_checks, crank_mask
from domain.evidence import Battery12vCheck, Battery12vEvidence, Comparison, EvidenceSignal, Reading
from domain.vocabulary import Powertrain, RiskKind, Severity

RULE_ID = "battery_12v_voltage"
RULE_VERSION = 2
KIND = RiskKind.BATTERY_12V
SIGNAL = EvidenceSignal.LV_BATTERY_VOLTAGE


@dataclass(frozen=True, slots=True)
class Params(Thresholds):
    """The checks' thresholds (``detection.lv_battery``) and the days to failure that make a flag urgent."""

    critical_days: int = 7
    high_days: int = 21


def _severity(days_left: float | None, params: Params) -> Severity:
    if days_left is not None and days_left <= params.critical_days:
        return Severity.CRITICAL
    if days_left is not None and days_left <= params.high_days:
        return Severity.HIGH
    return Severity.MEDIUM


def _check_fields(check: Check) -> dict[str, Any]:
    """Return the evidence fields of one check (`Battery12vCheck`, and the main one's in `Battery12vEvidence`)."""
    readings = []
    for i, day in enumerate(check.recent_day):
        reading = Reading(
            signal=SIGNAL, aggregate=check.aggregate, day=day_of(day), value=num(check.recent_value[i]),
            threshold=check.threshold, op=Comparison.LT,
        )  # fmt: skip
        if check.recent_raw is not None and check.recent_air is not None:
            # the cranking check also shows the dip as measured and the temperature it was corrected with
            cranking = {"raw_value": num(check.recent_raw[i]), "air_temp_c": num(check.recent_air[i], 1)}
            reading = reading.model_copy(update=cranking)
        readings.append(reading)
    return {
        "diagnosis": check.diagnosis,
        "readings": readings,
        "recent_median": num(check.median),
        "threshold": check.threshold,
        "failure_at": check.fail_at,
        "trend_per_day": num(check.trend_per_day, 4),
        "days_to_failure": num(check.days_to_failure, 1),
        "window_days": check.window_days,
    }


_UP = {Severity.MEDIUM: Severity.HIGH, Severity.HIGH: Severity.CRITICAL, Severity.CRITICAL: Severity.CRITICAL}


def _flag(
    vehicle_id: int, tripped: list[Check], *, rows: pd.DataFrame, now: datetime, params: Params
) -> RiskFlag:
    ranked = sorted(tripped, key=lambda c: (c.days_to_failure is None, c.days_to_failure or 0.0))
    main = ranked[0]
    extras: dict[str, Any] = {"temp_coeff_v_per_c": params.temp_coeff_v_per_c}
    if len(ranked) > 1:
        extras["also"] = [Battery12vCheck(**_check_fields(c)) for c in ranked[1:]]
    below = float((main.recent_value < main.threshold).mean())
    confidence = below * (1.0 if main.trend_per_day is not None else 0.8)
    days_left = main.days_to_failure
    severity = _severity(days_left, params)
    cold = outlook(rows, now=now)
    if cold is not None:
        extras["cold_outlook"] = cold.evidence()
        severity = _UP[severity] if cold.coming else severity
    evidence = Battery12vEvidence(**_check_fields(main), **extras)
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=severity, confidence=round(confidence, 3), diagnosis=main.diagnosis,
        evidence=evidence, predicted_date=date_in(now, days_left) if days_left is not None else None,
    )  # fmt: skip


def _cranks(car: Car, *, params: Params) -> bool:
    """Return True when the crank check applies: a combustion car, or a hybrid that cranked lately."""
    if (car["powertrain"] == Powertrain.ICE).any():
        return True
    return bool((crank_mask(car, params) & (car.age < params.trend_window_days)).any())


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return 12 V battery flags; a vehicle counts as evaluated when every check that applies to it had data.

    The crank check applies to combustion cars and to hybrids that cranked within the trend window (a hybrid may
    start on electric power for weeks); EVs only get the resting check."""
    flags, evaluated = [], []
    for car in cars(frame, now=now, columns=COLUMNS):
        crank, rest = car_checks(car, params=params)
        if rest is not None and (crank is not None or not _cranks(car, params=params)):
            evaluated.append(car.vehicle_id)
        tripped = [c for c in (crank, rest) if c is not None and c.tripped]
        if tripped:
            flags.append(_flag(car.vehicle_id, tripped, rows=car.rows(), now=now, params=params))
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

"""Winter preparation: the vehicle's own 7-day mean ambient temperature fell below 7 °C.

The car's own thermometer (``Vehicle.Exterior.AirTemperature``) says where winter has arrived, whatever the region.
Its daily mean is estimated by ``detection.ambient.day_mean``: the car samples at commute and parked hours and
misses the warm afternoon, so the plain average of its samples reads about 1 °C low (more where days are wide). A
rollup row is the car's own day: the fleet day runs from 05:00 to 05:00 China time (core/sql/refresh_daily.*.sql).
Coolant, washer fluid and the 12 V battery suffer first, so the severity is high when the 12 V battery also looks
weak (the checks of ``detection.lv_battery``, as the battery_12v rule runs them) and medium otherwise.

Hysteresis as the season is defined: winter starts when the week's mean falls below 7 °C and ends when it is back
above 11 °C. The rule replays that definition over the car's weekly means of the last `lookback_days` (`season`),
so a cold or mild spell that fell between two passes counts as surely as one a pass sees; while the weeks stay
between the two levels the last one outside them decides, so a car whose weather hovers around 7 °C keeps one
open risk. A cold snap that set in shortly before a pass is flagged ahead (`week_ahead`).

Ahead of the season: with a weather forecast for the car's region (``detection.outlook``), winter is flagged as
soon as a week ending within `forecast_days` days, its known days from the car and the rest from the forecast,
has a mean under the threshold by `forecast_margin_c` plus a share of that week's own forecast error, which grows
with the days it holds and is measured per region against the cars (``detection.outlook.verification``,
``domain.forecast.season_ahead``); the evidence carries that week's mean and how many days ahead it ends. Without a
forecast, or without enough past forecasts to verify it, the rule judges from the car's thermometer alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from detection import lv_battery
from detection.ambient import AIR_COLUMNS, RANGE_SHARE, recent_air, season, week_air, weekly_means
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import num
from detection.groups import Car, cars
from detection.outlook import by_age, car_region, forecast_ahead, forecast_columns, verification
from domain.evidence import Comparison, EvidenceSignal, Reading, WinterPrepEvidence
from domain.forecast import Outlook, season_ahead
from domain.vocabulary import RiskKind, Severity

RULE_ID = "winter_ambient_7d"
RULE_VERSION = 6
KIND = RiskKind.WINTER_PREP
SIGNAL = EvidenceSignal.AIR_TEMPERATURE


@dataclass(frozen=True, slots=True)
class Params:
    threshold_c: float = 7.0
    window_days: int = 7
    min_days: int = 5
    clear_margin_c: float = 4.0
    # a week ends winter only this far past 11 °C: a winter closed on noise reopens as a second, false, onset. The
    # car's weekly estimate reads at most 0.11 °C high (99th percentile, fleet days, seeds 202/303/404); a wider
    # margin kept winter open through a true mild spell (11.5 °C) and swallowed the next onset (seed 505)
    noise_margin_c: float = 0.15
    range_share: float = RANGE_SHARE  # see detection.ambient.day_mean
    # the week ending `ahead_days` from now, the days to come taken as the mean of the last `persist_days`; a
    # forecast flags only `ahead_margin_c` below the threshold
    ahead_days: int = 2
    persist_days: int = 3
    ahead_margin_c: float = 1.0
    lookback_days: int = 90
    # the weather forecast: weeks ending up to this many days ahead, flagged `forecast_margin_c` plus
    # `forecast_spread_z` × the week's forecast error (measured per region, below: about 0.05 °C a day ahead, 0.5–1.8
    # °C ten days ahead) under the threshold; `forecast_confirm` asks yesterday's forecast to have seen it too; while
    # a week ahead reads under threshold + hold the car is not judged. A 2 °C hold kept risks open across a mild spell
    # the truth counts as winter's end, swallowing the next onset (seed 404 recall 0.73). With a calibrated forecast
    # (it tends to the season's normal as skill is lost, ``simulators.forecast``) a week read under 7 °C is a week
    # that comes: z 0–0.6 with no margin flagged no false regional event on the tuning seeds, a margin of -0.25 °C
    # did (seed 404), and the confirmation only cost a day of lead (docs/detection.md "Ahead of the season")
    forecast_days: int = 10
    forecast_margin_c: float = 0.0
    forecast_hold_c: float = -1.0
    forecast_confirm: bool = False
    forecast_spread_z: float = 0.6
    forecast_verify_days: int = 60
    forecast_min_issues: int = 20
    battery: lv_battery.Thresholds = field(default_factory=lv_battery.Thresholds)


def week_ahead(
    age: Sequence[int], air: Sequence[float], *, window_days: int, ahead_days: int, persist_days: int
) -> float:
    """Return the mean of the week ending `ahead_days` from now: its known days plus a persistence forecast (the
    mean of the last `persist_days` known days, oldest first) for the days to come; NaN without known days."""
    # Weather comes in spells: a day or two ahead, the best forecast the car can make is that it stays as it is.
    # A cold snap that set in five days ago owns the whole week the day after tomorrow. (Plain Python: a week is
    # seven numbers, fewer than numpy's per-call overhead pays for.)
    days = [(a, t) for a, t in zip(age, air, strict=True) if t == t]
    if not days:
        return float("nan")
    latest = [t for _, t in days[-persist_days:]]
    kept = [t for a, t in days if a < window_days - ahead_days]
    return (sum(kept) + ahead_days * sum(latest) / len(latest)) / (len(kept) + ahead_days)


def weak_battery(rows: pd.DataFrame, *, now: datetime, params: Params) -> list[str]:
    """Return the 12 V diagnoses the battery checks currently trip for this vehicle (empty if none or no data)."""
    return [
        c.diagnosis
        for c in lv_battery.checks(rows, now=now, params=params.battery)
        if c is not None and c.tripped
    ]


def _flag(
    vehicle_id: int,
    day: np.ndarray,
    temp: np.ndarray,
    mean: float,
    weak: list[str],
    forecast: float | None,
    params: Params,
    forecast_days: int | None = None,
) -> RiskFlag:
    readings = [
        Reading(signal=SIGNAL, aggregate="daily_avg", day=d, value=num(t, 1))
        for d, t in zip(day.astype("datetime64[D]").tolist(), temp.tolist(), strict=True)
    ]
    evidence = WinterPrepEvidence(
        readings=readings, mean_c=num(mean, 2), threshold=params.threshold_c, op=Comparison.LT,
        window_days=params.window_days, days_used=len(day), weak_12v=weak,
        # what the flag rests on, for the message: this week, an earlier week of this winter, or the forecast
        basis="forecast" if forecast is not None else "this_week" if mean < params.threshold_c else "earlier_week",
        forecast_mean_c=None if forecast is None else num(forecast, 1), forecast_days=forecast_days or params.ahead_days,
    )  # fmt: skip
    below = max(0.0, params.threshold_c - mean)
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.HIGH if weak else Severity.MEDIUM,
        confidence=round(min(1.0, 0.6 + 0.1 * below) * len(day) / params.window_days, 3),
        diagnosis="winter_onset", evidence=evidence,
    )  # fmt: skip


def in_winter(car: Car, *, mean: float, params: Params) -> bool | None:
    """Return whether winter is on for this car (None when its weeks never left the band between the levels)."""
    warm = params.threshold_c + params.clear_margin_c + params.noise_margin_c
    if mean < params.threshold_c or mean >= warm:  # this week decides: no need to replay the others
        return mean < params.threshold_c
    age, air = recent_air(car, days=params.window_days + params.lookback_days, range_share=params.range_share)
    means = weekly_means(age, air, window_days=params.window_days, min_days=params.min_days,
                         days=params.lookback_days)  # fmt: skip
    return season(means < params.threshold_c, means >= warm)[0]


def _ahead(
    ages: list[int], temps: list[float], coming: list[float], week_sd: Sequence[float], params: Params
) -> Outlook | None:
    """Return the forecast's outlook on the weeks ahead against the winter threshold (None: no forecast)."""
    return season_ahead(
        by_age(ages, temps, days=params.window_days), coming, window_days=params.window_days,
        days=params.forecast_days, threshold_c=params.threshold_c - params.forecast_margin_c, below=True,
        spread_z=params.forecast_spread_z, week_sd=week_sd,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return winter-preparation flags; a vehicle with `min_days` of the last week is judged once its season is known."""
    flags, evaluated = [], []
    columns = tuple(dict.fromkeys((*AIR_COLUMNS, *lv_battery.COLUMNS, *forecast_columns(frame))))
    verified = (
        verification(frame, now=now, window_days=params.window_days, range_share=params.range_share,
                     lookback_days=params.forecast_verify_days, min_issues=params.forecast_min_issues)
        if params.forecast_days and forecast_columns(frame) else {}
    )  # fmt: skip
    for car in cars(frame, now=now, columns=columns):
        start, ages, temps = week_air(car, days=params.window_days, range_share=params.range_share)
        known = [t for t in temps if t == t]
        if len(known) < params.min_days:
            continue
        mean = sum(known) / len(known)
        on, forecast, days_ahead = in_winter(car, mean=mean, params=params), None, None
        coming = forecast_ahead(car) if on is False else []
        week_sd = verified.get(car_region(car), []) if coming else []
        outlook = _ahead(ages, temps, coming, week_sd, params)
        if outlook is not None and outlook.coming and params.forecast_confirm:
            # yesterday's forecast must have seen it too: one forecast's error is one region's false winter
            before = _ahead(ages, temps, forecast_ahead(car, back=1), week_sd, params)
            if before is None or not before.coming:
                outlook = Outlook(None, outlook.mean_c)
        if outlook is not None and outlook.coming:
            on, forecast, days_ahead = True, outlook.mean_c, outlook.days_ahead
        elif outlook is not None and outlook.mean_c < params.threshold_c + params.forecast_hold_c:
            continue  # the forecast nears winter: a risk it opened stays open (no flicker), none opens
        # the persistence forecast is a mean of this week's days: it cannot fall below the coldest of them
        elif not on and not coming and min(known) < params.threshold_c - params.ahead_margin_c:
            ahead = week_ahead(ages, temps, window_days=params.window_days, ahead_days=params.ahead_days,
                               persist_days=params.persist_days)  # fmt: skip
            if ahead < params.threshold_c - params.ahead_margin_c:
                on, forecast = True, ahead
        if on is None:
            continue
        evaluated.append(car.vehicle_id)
        if on:
            weak = [
                c.diagnosis
                for c in lv_battery.car_checks(car, params=params.battery)
                if c is not None and c.tripped
            ]
            seen = [i for i, t in enumerate(temps, start) if t == t]
            flags.append(
                _flag(
                    car.vehicle_id, car.day[seen], np.asarray(known), mean, weak, forecast, params, days_ahead
                )
            )
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)

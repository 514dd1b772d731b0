"""Summer care: the vehicle's own 7-day mean ambient temperature rose to 26 °C or more (hot season arrived).

Heat is when the A/C is needed and fails, when engine cooling and EV battery cooling work hardest and when tyres run
hot. The rule mirrors winter preparation (`seasonal`): the car's own thermometer decides, with the same estimate of
the day's mean (``detection.ambient.day_mean``), the same replay of the season's definition over the car's weekly
means (``detection.ambient.season``). Unlike winter it does not look ahead: replayed day by day, a two-day
persistence forecast announced summer on short hot spells that then ended (seed 303: 19.6 false alarms per 1,000
vehicle-months) and added no lead time on any seed. Summer starts when the week's mean reaches 26 °C and ends
below 22 °C (``threshold - clear_margin_c``), as the simulator's ground truth defines it; in between nothing
changes, so a cooler spell in mid-summer does not close the risk and open a new one.

The message is an onset message: it is flagged while summer began less than `onset_days` (14) ago. A car first
seen in the middle of summer, or again after a long silence, gets no "summer has arrived" weeks after the fact; an
open risk stays open after 14 days, as the rule neither flags nor clears it until the week is under 22 °C. The
evidence carries the week's hottest reading and the lowest tyre pressure, which the check at the workshop covers
too.

Ahead of the season (`forecast_days`, see Params): with a weather forecast for the car's region
(``detection.outlook``), summer is flagged before it begins, as soon as a week ending within `forecast_days` days,
its known days from the car and the rest from the forecast, has a mean over the threshold by `forecast_margin_c`
plus `forecast_spread_z` × that week's forecast error as measured for the region (``detection.outlook.verification``,
``domain.forecast.season_ahead``). Unlike the persistence forecast above, a weather forecast sees the spell's end
coming. The evidence carries that week's mean and how many days ahead it ends. Without a forecast, or without
enough past forecasts to verify it, the rule judges from the car's thermometer alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.ambient import AIR_COLUMNS, RANGE_SHARE, recent_air, season, week_air, weekly_means
from detection.flags import RiskFlag, RuleResult, result
from detection.frame import num
from detection.groups import Car, cars
from detection.outlook import by_age, car_region, forecast_ahead, forecast_columns, verification
from domain.evidence import Comparison, EvidenceSignal, Reading, SummerCareEvidence
from domain.forecast import Outlook, season_ahead
from domain.vocabulary import RiskKind, Severity

RULE_ID = "summer_ambient_7d"
RULE_VERSION = 6
KIND = RiskKind.SUMMER_CARE
SIGNAL = EvidenceSignal.AIR_TEMPERATURE


@dataclass(frozen=True, slots=True)
class Params:
    threshold_c: float = 26.0
    window_days: int = 7
    min_days: int = 5
    clear_margin_c: float = 4.0
    # the car's weekly estimate is good to ±0.15 °C (1 sd): a week starts summer only this far past 26 °C and ends it
    # only this far under 22 °C, so noise does not announce a summer that stays at 25.9 °C
    noise_margin_c: float = 0.15
    onset_days: int = 14
    lookback_days: int = 90
    range_share: float = RANGE_SHARE  # see detection.ambient.day_mean
    # the weather forecast, as in winter preparation (``seasonal.Params``): weeks ending within `forecast_days`,
    # flagged `forecast_margin_c` plus `forecast_spread_z` × the week's measured forecast error over 26 °C. Summer
    # needs a wide margin where winter needs none: in Guangzhou the normal climbs past 26 °C slowly (about 0.1 °C a
    # day), so a warm week read in mid-May comes true weeks before the season does (z 1: one false regional event,
    # seed 303, 20.9 false alarms per 1k vm; z 2: none on the five tuning seeds, lead 2–4 days). Held only while a
    # week ahead reads 26 °C or more: a wider hold kept risks opened weeks early open through the true onset (seed
    # 102: recall 0.62)
    forecast_days: int = 10
    forecast_margin_c: float = 0.0
    forecast_hold_c: float = 0.0
    forecast_step_c: float = 0.0
    forecast_confirm: bool = False
    forecast_spread_z: float = 2.0
    forecast_verify_days: int = 60
    forecast_min_issues: int = 20


def _flag(
    car: Car,
    keep: np.ndarray,
    air: np.ndarray,
    mean: float,
    began: int | None,
    params: Params,
    outlook: Outlook | None = None,
) -> RiskFlag:
    readings = [
        Reading(signal=SIGNAL, aggregate="daily_avg", day=d, value=num(t, 1))
        for d, t in zip(car.day[keep].astype("datetime64[D]").tolist(), air.tolist(), strict=True)
    ]
    hottest = car["air_temp_max"].astype("float64")[keep]
    # tyres are read for flagged cars only, not loaded for every car
    tyres = car.source["tire_kpa_min"].to_numpy(dtype="float64")[car.start + keep]
    evidence = SummerCareEvidence(
        readings=readings, mean_c=num(mean, 1), threshold=params.threshold_c, op=Comparison.GE,
        window_days=params.window_days, days_used=len(keep),
        max_c=num(np.nanmax(hottest), 1) if np.isfinite(hottest).any() else None,
        tyre_min_kpa=num(np.nanmin(tyres), 0) if np.isfinite(tyres).any() else None,
        onset_days_ago=began, forecast_mean_c=num(outlook.mean_c, 1) if outlook and outlook.coming else None,
        forecast_days=outlook.days_ahead if outlook else None,
    )  # fmt: skip
    ev = str(car.source["powertrain"].iloc[car.start]) != "ICE"
    return RiskFlag(
        vehicle_id=car.vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION,
        severity=Severity.MEDIUM if ev else Severity.LOW,
        confidence=round(min(1.0, 0.6 + 0.1 * max(0.0, mean - params.threshold_c)) * len(keep) / params.window_days, 3),
        diagnosis="summer_onset", evidence=evidence,
    )  # fmt: skip


def summer_began(car: Car, *, mean: float, params: Params) -> tuple[bool | None, int | None]:
    """Return whether summer is on for this car (None when unknown) and, if on, how many days ago it began."""
    hot = params.threshold_c + params.noise_margin_c
    cool = params.threshold_c - params.clear_margin_c - params.noise_margin_c
    if mean < cool:  # this week decides: no need to replay the others
        return False, None
    age, air = recent_air(car, days=params.window_days + params.lookback_days, range_share=params.range_share)
    means = weekly_means(age, air, window_days=params.window_days, min_days=params.min_days,
                         days=params.lookback_days)  # fmt: skip
    return season(means >= hot, means < cool)


def _ahead(
    car: Car, ages: list[int], temps: list[float], params: Params, week_sd: Sequence[float], *, back: int = 0
) -> Outlook | None:
    """Return the outlook of the forecast issued `back` days before today for the weeks ahead of today."""
    return season_ahead(
        by_age(ages, temps, days=params.window_days), forecast_ahead(car, back=back), window_days=params.window_days,
        days=params.forecast_days, threshold_c=params.threshold_c + params.forecast_margin_c, below=False,
        step_c=params.forecast_step_c, spread_z=params.forecast_spread_z, week_sd=week_sd,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return summer-care flags; a vehicle with `min_days` of the last week is judged once its season is known."""
    flags, evaluated = [], []
    verified = (
        verification(frame, now=now, window_days=params.window_days, range_share=params.range_share,
                     lookback_days=params.forecast_verify_days, min_issues=params.forecast_min_issues)
        if params.forecast_days and params.forecast_spread_z and forecast_columns(frame) else {}
    )  # fmt: skip
    for car in cars(frame, now=now, columns=(*AIR_COLUMNS, *forecast_columns(frame))):
        start, ages, temps = week_air(car, days=params.window_days, range_share=params.range_share)
        known = [t for t in temps if t == t]
        if len(known) < params.min_days:
            continue
        mean = sum(known) / len(known)
        on, began = summer_began(car, mean=mean, params=params)
        outlook = None
        if on is False:  # summer known to be off: a car whose season is unknown is not announced one
            week_sd = verified.get(car_region(car), [])
            outlook = _ahead(car, ages, temps, params, week_sd)
            if outlook is not None and outlook.coming and params.forecast_confirm:
                # yesterday's forecast must have seen it too: one forecast's error is one region's false summer
                before = _ahead(car, ages, temps, params, week_sd, back=1)
                if before is None or not before.coming:
                    outlook = Outlook(None, outlook.mean_c)
        if (on and began is not None and began < params.onset_days) or (
            outlook is not None and outlook.coming
        ):
            evaluated.append(car.vehicle_id)
            seen = np.asarray([i for i, t in enumerate(temps, start) if t == t])
            flags.append(_flag(car, seen, np.asarray(known), mean, began, params, outlook))
        elif outlook is not None and outlook.mean_c >= params.threshold_c - params.forecast_hold_c:
            continue  # the forecast nears summer: a risk it opened stays open (no flicker), none opens
        elif on is False:
            evaluated.append(car.vehicle_id)
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)
